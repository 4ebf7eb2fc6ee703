"""Whose participant: each enrolment has its own handledare (or nobody yet). A samordnare assigns
any participant of their insatser; a handledare hands their own (or one nobody has yet) over to a
colleague working in the same insats. Every change is audited. Functions change state and flush;
the request commits."""

from __future__ import annotations

import sqlalchemy as sa

from questionnaire import audit
from questionnaire.extensions import db
from questionnaire.models import Enrolment, InsatsStaff, User

#: The roles that work with participants (and so can be someone's handledare).
CASEWORK = ("handledare", "samordnare")


def colleagues(enrolment: Enrolment) -> list[User]:
    """The active staff working in the participant's insats who can be their handledare."""
    return list(db.session.scalars(
        sa.select(User).join(InsatsStaff, InsatsStaff.user_id == User.id)
        .where(InsatsStaff.insats_id == enrolment.insats_id, User.active.is_(True),
               User.role.in_(CASEWORK))
        .order_by(User.email)))


def may_reassign(user: User, enrolment: Enrolment) -> bool:
    """A samordnare may assign anyone; a handledare only their own or one nobody has (yet, or
    any more: their handledare's account is deactivated)."""
    return (user.role == "samordnare" or enrolment.handledare_id in (None, user.id)
            or not enrolment.handledare.active)


def assign(enrolment: Enrolment, to: User, by: User) -> None:
    """Make `to` the participant's handledare (audited with who had them before)."""
    before = enrolment.handledare
    enrolment.handledare_id = to.id
    db.session.flush()
    audit.record("assign_handledare", user_id=by.id, subject=enrolment.participant.code,
                 before=before.email if before else None, after=to.email)
