"""The samordnare's start page: per insats and per handledare, how many participants are active,
overdue and due now, and how many of the questionnaires that fell due this period were answered.
Only counts: no answer is read here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from questionnaire.casework import caseload
from questionnaire.extensions import db
from questionnaire.models import Insats, InsatsStaff, User
from questionnaire.reporting import periods


@dataclass
class Tally:
    name: str
    insats_id: int | None = None  # a row of an insats links to its caseload
    active: int = 0
    overdue: int = 0
    due: int = 0  # due now, not counting the overdue (as the caseload's counts)
    expected: int = 0  # questionnaires that fell due in the period (so far)
    answered: int = 0  # ... and were answered

    @property
    def rate(self) -> int | None:
        """Answered, in per cent of those that fell due (None when none did)."""
        return round(100 * self.answered / self.expected) if self.expected else None

    def add(self, row: caseload.Row, period: periods.Period, today: dt.date) -> None:
        if row.enrolment.exit_date is None:
            self.active += 1
        if row.next_slot is not None and row.next_slot.status in ("overdue", "due"):
            setattr(self, row.next_slot.status, getattr(self, row.next_slot.status) + 1)
        for slot in row.slots:
            if period.start <= slot.due_on <= today and slot.status != "upcoming":
                self.expected += 1
                self.answered += slot.status == "done"


def current_period(today: dt.date) -> periods.Period:
    """The NNS quarter that today falls in (the period the start page counts answers in)."""
    return next(q for q in periods.containing(today).parts("quarter")
                if q.start <= today <= q.end)


def start_page(user: User, today: dt.date) -> dict[str, Any]:
    """Every insats the user works in and every colleague working there, with their counts."""
    period = current_period(today)
    ids = caseload.my_insats_ids(user)
    per_insats = {i.id: Tally(i.name, i.id) for i in db.session.scalars(
        sa.select(Insats).where(Insats.id.in_(ids)).order_by(Insats.name))}
    staff = db.session.scalars(
        sa.select(User).join(InsatsStaff, InsatsStaff.user_id == User.id)
        .where(InsatsStaff.insats_id.in_(ids), User.role == "handledare")
        .distinct().order_by(User.email)).all()
    per_handledare: dict[int | None, Tally] = {u.id: Tally(u.email) for u in staff}
    for row in caseload.caseload(user, today, scope="insatsen"):
        per_insats[row.enrolment.insats_id].add(row, period, today)
        who = row.enrolment.handledare
        if row.enrolment.handledare_id not in per_handledare:
            per_handledare[row.enrolment.handledare_id] = Tally(
                who.email if who else _("Ingen handledare"))
        per_handledare[row.enrolment.handledare_id].add(row, period, today)
    nobody = per_handledare.pop(None, None)  # last, after the named ones
    total = Tally(_("Alla"))
    for tally in per_insats.values():
        for name in ("active", "overdue", "due", "expected", "answered"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
    return {"period": period, "per_insats": list(per_insats.values()), "total": total,
            "per_handledare": [*per_handledare.values(), *([nobody] if nobody else [])],
            "last_complete": periods.last_complete(today)}
