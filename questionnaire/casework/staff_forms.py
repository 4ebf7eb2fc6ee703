"""The handledare's own forms about a participant: instruments whose file says `respondents:
handledare` (the registry's `rated_by_handledare`, e.g. the BIP rating of the two caseworker
indicators). The handledare fills one in at the participant's timepoints beside the self-rating
(a timepoint the self-rating has opened), on the parallel-rating page; it is stored as the
handledare's questionnaire (respondent "handledare", `rated_by` the staff member) and shown to
staff only: the dialogue view and, when due and missing, the caseload. It is never on a schedule,
never handed over and never on a page the participant sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from questionnaire import audit, instruments
from questionnaire.answering import answers
from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.i18n import tr
from questionnaire.instruments import Instrument, Item
from questionnaire.models import TIMEPOINTS, Answer, Enrolment, Questionnaire, User


def forms() -> list[Instrument]:
    return instruments.rated_by_handledare()


def questions(inst: Instrument) -> list[Item]:
    return [i for i in inst.items if i.scale is not None]


def _self_rating_keys() -> set[str]:
    return {i.key for i in instruments.for_participants() if i.individual_results and i.areas}


def opened(slots: Iterable[schedule.Slot]) -> list[str]:
    """The timepoints at which a self-rating has opened (due, overdue, done or missed), in order:
    the handledare's forms are filled in at these."""
    keys = _self_rating_keys()
    found = {s.timepoint for s in slots if s.instrument in keys and s.status != "upcoming"}
    return sorted(found, key=TIMEPOINTS.index)


def timepoints(enrolment: Enrolment, today: dt.date) -> list[str]:
    return opened(schedule.timeline(enrolment, enrolment.insats, (), today))


def rated(enrolment_ids: list[int]) -> dict[int, set[tuple[str, str]]]:
    """(instrument, timepoint) of the handledare's completed forms, per enrolment."""
    keys = [i.key for i in forms()]
    found: dict[int, set[tuple[str, str]]] = {}
    if not keys or not enrolment_ids:
        return found
    for eid, instrument, timepoint in db.session.execute(
        sa.select(Questionnaire.enrolment_id, Questionnaire.instrument, Questionnaire.timepoint)
        .where(Questionnaire.enrolment_id.in_(enrolment_ids),
               Questionnaire.instrument.in_(keys), Questionnaire.respondent == "handledare",
               Questionnaire.completed_at.is_not(None))
    ):
        found.setdefault(eid, set()).add((instrument, timepoint))
    return found


def missing(slots: Iterable[schedule.Slot], done: set[tuple[str, str]]) -> list[Instrument]:
    """The handledare's forms not yet filled in at the latest timepoint that has opened."""
    when = opened(slots)
    if not when:
        return []
    return [i for i in forms() if (i.key, when[-1]) not in done]


@dataclass
class Table:
    """One form's values per timepoint (the latest rating of each), for the dialogue view."""

    inst: Instrument
    timepoints: list[str]
    rows: list[tuple[Item, list[int | None]]]


def tables(enrolment: Enrolment) -> list[Table]:
    found = []
    for inst in forms():
        latest: dict[str, dict[str, int]] = {}
        for q, steps in answers.ratings(inst.key, "handledare", enrolment_id=enrolment.id):
            latest[q.timepoint] = steps
        if not latest:
            continue
        order = sorted(latest, key=TIMEPOINTS.index)
        found.append(Table(inst, order, [(item, [latest[t].get(item.key) for t in order])
                                         for item in questions(inst)]))
    return found


def existing(enrolment: Enrolment, inst: Instrument, timepoint: str) -> Questionnaire | None:
    return db.session.scalar(sa.select(Questionnaire).filter_by(
        enrolment_id=enrolment.id, instrument=inst.key, timepoint=timepoint,
        respondent="handledare").where(Questionnaire.completed_at.is_not(None)))


def save(enrolment: Enrolment, inst: Instrument, timepoint: str, form: Mapping[str, str],
         user: User, today: dt.date) -> list[str]:
    """Store the handledare's form for this timepoint (a correction replaces their earlier
    values, which stay in the audit log); the problems, if any, and then nothing is stored."""
    errors = []
    if timepoint not in timepoints(enrolment, today):
        errors.append(_("Välj en av tidpunkterna i listan."))
    steps: dict[str, int | None] = {}
    for item in questions(inst):
        raw = (form.get(item.key) or "").strip()
        if raw == "":
            steps[item.key] = None
        elif raw.isascii() and raw.isdigit() and item.scale_min <= int(raw) <= item.scale_max:
            steps[item.key] = int(raw)
        else:
            errors.append(_("Ogiltigt svar: %(question)s", question=tr(item.text)))
    if not errors and all(step is None for step in steps.values()):
        errors.append(_("Bedöm minst ett påstående. En bedömning med bara ”Vet inte” sparas "
                        "inte."))
    before = existing(enrolment, inst, timepoint) if not errors else None
    if before is not None and before.rated_by not in (None, user.id):
        errors.append(_("En kollega har redan skattat den här tidpunkten. Bara den som "
                        "skattade kan ändra skattningen."))
    if errors:
        return errors
    store(enrolment, inst, timepoint, steps, user, before)
    return []


def store(enrolment: Enrolment, inst: Instrument, timepoint: str,
          steps: dict[str, int | None], user: User, before: Questionnaire | None) -> None:
    """Store a handledare's rating (the parallel self-rating or a form of their own) for a
    timepoint; `before`, their earlier rating of it, is corrected in place and its old values
    are kept in the audit log (flushes)."""
    if before is None:
        q = answers.start(enrolment, inst.key, timepoint, respondent="handledare",
                          language="sv", source="tablet")
        action, details, when = "staff_rating", {}, None
    else:  # a correction: the answers are replaced, the old values kept in the log
        q, when = before, before.completed_at
        old = {k: a.step for k, a in answers.current_answers(q).items()}
        q.completed_at = None
        db.session.execute(sa.delete(Answer).where(Answer.questionnaire_id == q.id))
        db.session.flush()
        action, details = "staff_rating_changed", {"before": old, "after": steps}
    q.rated_by = user.id
    for key, step in steps.items():
        answers.save_answer(q, key, step=step, declined=step is None)
    answers.complete(q, when=when)
    audit.record(action, user_id=user.id, subject=enrolment.participant.code,
                 instrument=inst.key, timepoint=timepoint, **details)
