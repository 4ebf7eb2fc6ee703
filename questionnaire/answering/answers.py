"""Starting questionnaires, saving answers, completing. Every answer in Stegvis is stored here.

These functions change state and flush; the request (or command) that called them commits.
A rejected answer raises AnswerRejected and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from questionnaire import audit, instruments
from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.instruments.base import Instrument, Item
from questionnaire.models import Answer, Enrolment, Questionnaire, utcnow

MAX_TEXT = 2000


def storable(text: str | None) -> bool:
    """False for text the database cannot store: a NUL character (PostgreSQL refuses it) or a lone
    surrogate (not valid UTF-8), both of which JSON can carry."""
    if not text:
        return True
    return "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)


UNSTORABLE = _l("Texten innehåller tecken som inte går att spara. Ta bort dem och försök igen.")


class AnswerRejected(Exception):
    """An answer or action that cannot be stored. `message` is shown to the user; `code` tells
    the tablet's script that sending it again cannot help ("completed": the questionnaire was
    already sent in, e.g. from another device; "rejected": this answer is not valid here)."""

    def __init__(self, message: str, status: int = 400, code: str = "rejected") -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.code = code


def instrument_of(q: Questionnaire) -> Instrument:
    """The version the questionnaire was given in (from its loaded row: no query on the save
    path once the version is built in this process)."""
    return instruments.from_row(q.version)


def completed_slots(enrolment: Enrolment, respondent: str = "deltagare") -> set[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Questionnaire.instrument, Questionnaire.timepoint).where(
            Questionnaire.enrolment_id == enrolment.id,
            Questionnaire.respondent == respondent,
            Questionnaire.completed_at.is_not(None),
        )
    )
    return {(i, t) for i, t in rows}


def start(
    enrolment: Enrolment,
    instrument_key: str,
    timepoint: str,
    *,
    respondent: str = "deltagare",
    language: str = "sv",
    source: str = "tablet",
) -> Questionnaire:
    """The questionnaire for this slot, created (in the current version) if not started yet."""
    query = sa.select(Questionnaire).filter_by(
        enrolment_id=enrolment.id, instrument=instrument_key, timepoint=timepoint,
        respondent=respondent,
    )
    q = db.session.scalar(query)
    if q is not None:
        return q
    version = instruments.version_row(instruments.get(instrument_key))
    q = Questionnaire(
        enrolment_id=enrolment.id, instrument_version_id=version.id, instrument=instrument_key,
        timepoint=timepoint,
        respondent=respondent, language=language, source=source,
    )
    try:
        with db.session.begin_nested():
            db.session.add(q)
    except sa.exc.IntegrityError:  # started at the same moment in another tab
        return db.session.scalars(query).one()
    return q


def current_answers(q: Questionnaire) -> dict[str, Answer]:
    rows = db.session.scalars(sa.select(Answer).where(Answer.questionnaire_id == q.id))
    return {a.item_key: a for a in rows}


def visible_items(q: Questionnaire, answers: dict[str, Answer] | None = None) -> list[Item]:
    answers = current_answers(q) if answers is None else answers
    return instrument_of(q).visible_items({k: a.step for k, a in answers.items()})


def first_unanswered(q: Questionnaire) -> Item | None:
    answers = current_answers(q)
    return next((i for i in visible_items(q, answers) if i.key not in answers), None)


def _locked(q: Questionnaire) -> Questionnaire:
    """Re-read the questionnaire, locking its row (PostgreSQL) so completion and saves queue.

    SQLite has no row locks (it serialises every writer on the whole database), so there the
    questionnaire as this request loaded it is used as it is: re-reading it would only cost a
    query."""
    if db.session.get_bind().dialect.name != "postgresql":
        return q
    return db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.id == q.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


@functools.cache
def _upsert(dialect: str) -> sa.Insert:
    """INSERT an answer, or replace the earlier answer to the same item: one statement, so two
    saves of one item at the same moment cannot both insert. Built once per dialect."""
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Answer.__table__)
    changed = ("step", "text", "declined", "client_id", "answered_at")
    return stmt.on_conflict_do_update(
        index_elements=["questionnaire_id", "item_key"],
        set_={k: stmt.excluded[k] for k in changed},
    )


def save_answer(
    q: Questionnaire,
    item_key: str,
    *,
    step: int | None = None,
    text: str | None = None,
    declined: bool = False,
    client_id: str | None = None,
    answered_at: dt.datetime | None = None,
) -> list[Item]:
    """Store the answer to one item (replacing an earlier answer to it). Idempotent.

    Returns the items asked now, with this answer (the skip rule may have changed them)."""
    if not (storable(text) and storable(client_id) and storable(item_key)):
        raise AnswerRejected(UNSTORABLE, 400)
    q = _locked(q)
    if q.completed_at is not None:
        raise AnswerRejected(_l("Enkäten är redan avslutad. Svaren kan inte ändras."), 409,
                             "completed")
    inst = instrument_of(q)
    item = inst.item(item_key)
    if item is None:
        raise AnswerRejected(_l("Frågan finns inte i den här enkäten."), 400)
    answers = current_answers(q)
    if item.key not in {i.key for i in visible_items(q, answers)}:
        raise AnswerRejected(_l("Den här frågan ställs inte med dina tidigare svar."), 409)
    existing = answers.get(item.key)
    steps = {k: a.step for k, a in answers.items()}
    if client_id and existing is not None and existing.client_id == client_id:
        return inst.visible_items(steps)  # a retried save of the same tap
    if existing is not None:
        # A changed answer is audited: which item, not the values (NNS answers stay private).
        audit.record("answer_changed", actor=f"{q.respondent}:{q.enrolment.participant.code}",
                     subject=q.enrolment.participant.code, questionnaire=q.id, item=item.key)

    if item.is_text:
        if step is not None:
            raise AnswerRejected(_l("Den här frågan besvaras med text."), 400)
        text = (text or "").strip() or None
        if text is not None and len(text) > MAX_TEXT:
            raise AnswerRejected(_l("Texten är för lång (högst %(n)s tecken).", n=MAX_TEXT), 400)
        declined = text is None
    elif declined:
        step = None
    elif not isinstance(step, int) or isinstance(step, bool) or not (
            item.scale_min <= step <= item.scale_max):
        raise AnswerRejected(_l("Välj ett av svarsalternativen."), 400)
    text = text if item.is_text else None

    db.session.execute(_upsert(db.session.get_bind().dialect.name), {
        "questionnaire_id": q.id, "instrument_version_id": q.instrument_version_id,
        "item_key": item.key, "scale_min": item.scale_min, "scale_max": item.scale_max,
        "step": step, "text": text,
        "declined": declined, "client_id": client_id, "answered_at": answered_at or utcnow(),
    })
    # An answer that changes a skip rule removes the answers to the questions no longer asked.
    hidden = inst.hidden_by(item.key, step)
    if hidden:
        db.session.execute(
            sa.delete(Answer).where(Answer.questionnaire_id == q.id, Answer.item_key.in_(hidden))
        )
    db.session.expire_all()  # the upsert and delete went around the ORM's loaded rows
    steps[item.key] = step
    for key in hidden:
        steps.pop(key, None)
    return inst.visible_items(steps)


def complete(q: Questionnaire, when: dt.datetime | None = None) -> None:
    """Finish a questionnaire: every question asked must have an answer or a 'Vill inte svara'."""
    q = _locked(q)
    if q.completed_at is not None:
        return  # finishing twice (double tap, second tab) is not an error
    if first_unanswered(q) is not None:
        raise AnswerRejected(_l("Några frågor är inte besvarade än."), 409)
    q.completed_at = when or utcnow()
    db.session.flush()


def ratings(instrument: str, respondent: str, *, enrolment_id: int | None = None,
            participant_id: int | None = None) -> list[tuple[Questionnaire, dict[str, int]]]:
    """Completed ratings of one self-rating instrument by one respondent, of one enrolment or of
    all a participant's, oldest first, each with its steps by item (skipped items left out)."""
    query = (
        sa.select(Questionnaire).join(Enrolment, Questionnaire.enrolment_id == Enrolment.id)
        .where(Questionnaire.instrument == instrument, Questionnaire.respondent == respondent,
               Questionnaire.completed_at.is_not(None))
        .order_by(Questionnaire.completed_at, Questionnaire.id)
    )
    if enrolment_id is not None:
        query = query.where(Questionnaire.enrolment_id == enrolment_id)
    if participant_id is not None:
        query = query.where(Enrolment.participant_id == participant_id)
    qs = db.session.scalars(query).all()
    steps: dict[int, dict[str, int]] = {q.id: {} for q in qs}
    for qid, key, step in db.session.execute(
        sa.select(Answer.questionnaire_id, Answer.item_key, Answer.step)
        .where(Answer.questionnaire_id.in_(list(steps)), Answer.step.is_not(None))
    ):
        steps[qid][key] = step
    return [(q, steps[q.id]) for q in qs]


def is_open(questionnaire_id: int) -> bool:
    q = db.session.get(Questionnaire, questionnaire_id)
    return q is not None and q.completed_at is None


def current_enrolment(participant_id: int) -> Enrolment | None:
    """The participant's latest enrolment (the one their questionnaires belong to now)."""
    return db.session.scalars(
        sa.select(Enrolment).where(Enrolment.participant_id == participant_id)
        .order_by(Enrolment.start_date.desc(), Enrolment.id.desc())
    ).first()


def start_due(
    enrolment: Enrolment, today: dt.date, *, language: str = "sv", source: str = "tablet"
) -> list[Questionnaire]:
    """Start (or find) the questionnaires due now, in the order they are given."""
    slots = schedule.due_now(enrolment, enrolment.insats, completed_slots(enrolment), today)
    return [
        start(enrolment, s.instrument, s.timepoint, language=language, source=source)
        for s in slots
    ]
