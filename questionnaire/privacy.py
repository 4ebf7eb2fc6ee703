"""GDPR: erasing a participant, the retention purge, and the participant's own data.

Erasing removes the participant with everything that hangs on them (enrolments, questionnaires,
answers, links, action-plan notes) through the database's ON DELETE CASCADE. The audit log keeps
only the fact, under the pseudonymous code. These functions flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from questionnaire import audit
from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.models import Enrolment, Participant


def erase(participant: Participant, *, user_id: int | None = None, reason: str = "request") -> None:
    code = participant.code
    db.session.execute(sa.delete(Participant).where(Participant.id == participant.id))
    db.session.expunge(participant)
    audit.record("erase", user_id=user_id, subject=code, reason=reason)


def expired(months: int, today: dt.date) -> list[Participant]:
    """Participants whose every enrolment ended more than `months` months ago."""
    cutoff = schedule.add_months(today, -months)
    still_needed = sa.select(Enrolment.participant_id).where(
        sa.or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= cutoff))
    return list(db.session.scalars(
        sa.select(Participant)
        .where(Participant.id.in_(sa.select(Enrolment.participant_id)))
        .where(Participant.id.not_in(still_needed))
    ))


def purge(months: int, today: dt.date) -> int:
    people = expired(months, today)
    for person in people:
        erase(person, reason=f"retention {months} months")
    return len(people)
