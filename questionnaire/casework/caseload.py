"""The handledare's caseload: who may see whom, registering, exits, the dialogue's numbers and
the action plan. Functions change state and flush; the request commits."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.answering import answers
from questionnaire.casework import codes, schedule, staff_forms
from questionnaire.extensions import db
from questionnaire.instruments import Instrument
from questionnaire.models import (
    ActionNote,
    Enrolment,
    Insats,
    InsatsStaff,
    Participant,
    Questionnaire,
    User,
    utcnow,
)

#: Areas where the participant's and the handledare's ratings differ this much are highlighted.
DIFFERENCE = 2


def my_insats_ids(user: User) -> list[int]:
    return list(db.session.scalars(sa.select(InsatsStaff.insats_id).filter_by(user_id=user.id)))


def find_participant(code: str) -> Participant | None:
    """The participant with this code, however it is written (any case, with or without the
    dash): every entry point looks codes up here. Codes are stored normalised; a code stored as
    written by an import before that rule is still found by its written form."""
    normal = codes.normalise(code)
    found = db.session.scalars(
        sa.select(Participant).where(Participant.code.in_({normal, code.strip()}))).all()
    return next((p for p in found if p.code == normal), found[0] if found else None)


def visible_enrolment(user: User, code: str) -> Enrolment | None:
    """The participant's current enrolment, if it is in one of the user's insatser."""
    person = find_participant(code)
    if person is None:
        return None
    enrolment = answers.current_enrolment(person.id)
    if enrolment is None or enrolment.insats_id not in my_insats_ids(user):
        return None
    return enrolment


@dataclass
class Row:
    enrolment: Enrolment
    next_slot: schedule.Slot | None
    last_activity: dt.datetime | None
    #: every questionnaire open now (due or overdue), in the order they are given
    open_slots: list[schedule.Slot] = field(default_factory=list)
    #: every scheduled questionnaire that applies, with its status (for "min vecka")
    slots: list[schedule.Slot] = field(default_factory=list)
    #: the instruments given at the exit when the exit has no date yet (an open-ended insats)
    on_exit: list[str] = field(default_factory=list)
    #: the handledare's own forms (e.g. the BIP rating) due at the latest opened timepoint and
    #: not yet filled in
    staff_missing: list[Instrument] = field(default_factory=list)


#: Whose participants a caseload shows: the user's own (and those nobody has yet), or everyone
#: in the user's insatser.
SCOPES = ("mina", "insatsen")


def caseload(user: User, today: dt.date, insats_id: int | None = None,
             status: str | None = None, scope: str = "insatsen") -> list[Row]:
    """The participants of the user's insatser with what is due next, most urgent first
    (overdue, due now, coming, nothing scheduled); `status` filters them (see `matches`);
    `scope` "mina": only the user's own and those without a handledare (or whose handledare's
    account is deactivated)."""
    ids = my_insats_ids(user)
    if insats_id is not None:
        ids = [i for i in ids if i == insats_id]
    query = (sa.select(Enrolment).where(Enrolment.insats_id.in_(ids))
             .options(sa.orm.selectinload(Enrolment.participant),
                      sa.orm.selectinload(Enrolment.handledare),
                      sa.orm.selectinload(Enrolment.insats).selectinload(Insats.schedule))
             .order_by(Enrolment.exit_date.is_not(None), Enrolment.start_date.desc()))
    if scope == "mina":  # also nobody's: those without one or whose handledare has left
        query = query.where(sa.or_(
            Enrolment.handledare_id == user.id, Enrolment.handledare_id.is_(None),
            Enrolment.handledare_id.in_(sa.select(User.id).where(User.active.is_(False)))))
    enrolments = db.session.scalars(query).all()
    done: dict[int, set[tuple[str, str]]] = {}
    last: dict[int, dt.datetime] = {}
    for eid, instrument, timepoint, completed, started in db.session.execute(
        sa.select(Questionnaire.enrolment_id, Questionnaire.instrument, Questionnaire.timepoint,
                  Questionnaire.completed_at, Questionnaire.started_at)
        .where(Questionnaire.enrolment_id.in_([e.id for e in enrolments]),
               Questionnaire.respondent == "deltagare")
    ):
        if completed is not None:
            done.setdefault(eid, set()).add((instrument, timepoint))
        moment = completed or started
        if eid not in last or moment > last[eid]:
            last[eid] = moment
    staff_done = staff_forms.rated([e.id for e in enrolments])
    rows = []
    for e in enrolments:
        slots = schedule.timeline(e, e.insats, done.get(e.id, set()), today)
        open_slots = [s for s in slots if s.status in ("overdue", "due")]
        upcoming = [s for s in slots if s.status == "upcoming"]
        next_slot = (open_slots or upcoming or [None])[0]
        on_exit = [] if e.exit_date is not None else sorted(
            {entry.instrument for entry in e.insats.schedule if entry.timepoint == "exit"
             and schedule.due_date(e, e.insats, "exit") is None}, key=instruments.order_key)
        rows.append(Row(e, next_slot, last.get(e.id), open_slots, slots, on_exit,
                        [] if e.exit_date is not None and e.exit_date < today
                        else staff_forms.missing(slots, staff_done.get(e.id, set()))))
    rows.sort(key=_urgency)  # stable: within a rank, the order of the query above
    return [r for r in rows if matches(r, status)]


#: How far ahead "min vecka" looks, in days.
WEEK_DAYS = 7


def week(rows: list[Row], today: dt.date) -> list[tuple[dt.date, Row, list[schedule.Slot]]]:
    """What falls due from today to WEEK_DAYS ahead and is not yet answered, by date: one entry
    per participant and day, with the questionnaires that fall due then."""
    end = today + dt.timedelta(days=WEEK_DAYS)
    found: dict[tuple[dt.date, int], tuple[dt.date, Row, list[schedule.Slot]]] = {}
    for r in rows:
        for s in r.slots:
            if s.status in ("due", "upcoming") and today <= s.due_on <= end:
                found.setdefault((s.due_on, r.enrolment.id), (s.due_on, r, []))[2].append(s)
    return sorted(found.values(), key=lambda entry: entry[0])


#: Rows on one page of the caseload.
PAGE_SIZE = 50


def search(rows: list[Row], text: str) -> list[Row]:
    """The rows whose code contains what was typed (any case, with or without the dash)."""
    wanted = codes.normalise(text)
    return [r for r in rows if wanted in codes.normalise(r.enrolment.participant.code)]


def page(rows: list[Row], number: int) -> tuple[list[Row], int, int]:
    """One page of rows: (rows, the page number shown, the number of pages)."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = min(max(number, 1), pages)
    return rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], number, pages


#: Most urgent first: overdue, due now, coming, nothing scheduled.
URGENCY = ("overdue", "due", "upcoming")


def _urgency(row: Row) -> tuple[int, dt.date]:
    slot = row.next_slot
    if slot is None:
        return len(URGENCY), dt.date.max
    return URGENCY.index(slot.status), slot.due_on


def matches(row: Row, status: str | None) -> bool:
    """Is the row shown under this filter? "due" (Aktuella nu) includes the overdue."""
    if status is None:
        return True
    if status == "exited":
        return row.enrolment.exit_date is not None
    wanted = ("due", "overdue") if status == "due" else (status,)
    return row.next_slot is not None and row.next_slot.status in wanted


def counts(rows: list[Row]) -> dict[str, int]:
    """How many rows are overdue and how many due now (not counting the overdue)."""
    return {s: sum(1 for r in rows if r.next_slot is not None and r.next_slot.status == s)
            for s in URGENCY}


def register(*, insats: Insats, gender: str | None, birth_year: int | None, referrer: str | None,
             start: dt.date, language: str | None, staff_label: str | None,
             handledare: User | None = None) -> Participant:
    """A new participant with a generated code (no name, no personnummer), with `handledare` as
    their own handledare (None: nobody yet)."""
    taken = True
    while taken:
        code = codes.generate()
        taken = db.session.scalar(sa.select(Participant.id).filter_by(code=code)) is not None
    person = Participant(code=code, gender=gender, birth_year=birth_year, language=language,
                         staff_label=staff_label or None)
    db.session.add(person)
    db.session.flush()
    db.session.add(Enrolment(participant_id=person.id, insats_id=insats.id, start_date=start,
                             referrer=referrer,
                             handledare_id=handledare.id if handledare else None))
    db.session.flush()
    return person


def record_exit(enrolment: Enrolment, day: dt.date, reason: str) -> None:
    enrolment.exit_date = day
    enrolment.exit_reason = reason
    db.session.flush()


@dataclass
class Area:
    key: str
    name: str
    intake: int | None
    previous: int | None
    latest: int | None
    staff: int | None  # the handledare's latest parallel rating
    #: the participant's own rating of the area at the timepoint of the handledare's rating
    own: int | None = None

    @property
    def since_intake(self) -> int | None:
        if self.intake is None or self.latest is None:
            return None
        return self.latest - self.intake

    @property
    def since_previous(self) -> int | None:
        if self.previous is None or self.latest is None:
            return None
        return self.latest - self.previous

    @property
    def differs(self) -> bool:
        return self.staff is not None and self.own is not None and abs(
            self.staff - self.own) >= DIFFERENCE


def staff_rating(enrolment: Enrolment,
                 inst: Instrument) -> tuple[Questionnaire, dict[str, int]] | None:
    """The handledare's latest parallel rating of this instrument, with its steps by item."""
    staff = answers.ratings(inst.key, "handledare", enrolment_id=enrolment.id)
    return staff[-1] if staff else None


def areas(enrolment: Enrolment, inst: Instrument) -> list[Area]:
    """Per rated area of a self-rating instrument: the first rating, the one before the latest,
    the latest (only once there are two ratings to compare) and the handledare's latest, set
    against the participant's own rating of that same timepoint (never of another time)."""
    mine = answers.ratings(inst.key, "deltagare", enrolment_id=enrolment.id)
    first = mine[0][1] if mine else {}
    latest = mine[-1][1] if len(mine) > 1 else {}
    previous = mine[-2][1] if len(mine) > 1 else {}
    staff = staff_rating(enrolment, inst)
    staff_steps = staff[1] if staff else {}
    same_time = next((s for q, s in reversed(mine) if staff and q.timepoint == staff[0].timepoint),
                     {})
    return [Area(i.key, i.area, first.get(i.key), previous.get(i.key), latest.get(i.key),
                 staff_steps.get(i.key), own=same_time.get(i.key))
            for i in inst.areas]


def notes(enrolment: Enrolment) -> list[ActionNote]:
    """The action plan as it stands (deleted notes left out)."""
    return list(db.session.scalars(
        sa.select(ActionNote).filter_by(enrolment_id=enrolment.id)
        .where(ActionNote.deleted_at.is_(None))
        .order_by(ActionNote.done_at.is_not(None), ActionNote.area, ActionNote.created_at)
    ))


NOTE_FIELDS = ("area", "goal", "next_step", "who", "due_by")


def edit_note(note: ActionNote, **fields: object) -> None:
    """Change a note, keeping the version it replaces in its history (`previous`)."""
    history = json.loads(note.previous) if note.previous else []
    history.append({**{f: getattr(note, f) for f in NOTE_FIELDS},
                    "until": utcnow().isoformat(timespec="seconds")})
    note.previous = json.dumps(history, ensure_ascii=False, default=str)
    for name in NOTE_FIELDS:
        setattr(note, name, fields[name])
    db.session.flush()


def plan_at(enrolment: Enrolment, when: dt.datetime) -> list[dict[str, object]]:
    """The action plan as it stood at a moment (a rating): the notes written by then and not
    yet removed, each in the version it had then (from its history), with whether it was done."""
    plan = []
    for note in db.session.scalars(
            sa.select(ActionNote).filter_by(enrolment_id=enrolment.id)
            .where(ActionNote.created_at <= when)
            .order_by(ActionNote.area, ActionNote.created_at)):
        if note.deleted_at is not None and note.deleted_at <= when:
            continue
        history = json.loads(note.previous) if note.previous else []
        version = next((v for v in history if dt.datetime.fromisoformat(v["until"]) > when),
                       {f: getattr(note, f) for f in NOTE_FIELDS})
        plan.append({**version, "done": note.done_at is not None and note.done_at <= when})
    return plan
