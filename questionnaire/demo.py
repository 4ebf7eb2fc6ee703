"""Synthetic demo data: an insats, a handledare login, participants with answers over time.

Every person here is invented. Rows are written in bulk so that `--participants 100000` (the
benchmarks' data set) takes seconds rather than hours.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from questionnaire import instruments
from questionnaire.casework import codes, schedule
from questionnaire.extensions import db
from questionnaire.models import (
    EXIT_REASONS,
    TIMEPOINTS,
    Answer,
    Enrolment,
    Insats,
    InsatsStaff,
    Participant,
    Questionnaire,
    User,
)

INSATS = "Demo: Steg framåt"
LOGIN = "handledare@stegvis.example"
LANGUAGES = ("sv", "sv", "sv", "sv", "ar", "so", "ti", "fa_AF", "uk", "en")
TEXTS = (
    "Att må bättre och ha en plan.", "Stöd med rutiner på morgonen.", "Att få prova på en "
    "arbetsplats.", "Min coach lyssnade på mig.", "Mer tid med handledaren.",
)
BATCH = 2000
#: Enough people that every group report of the last NNS year shows figures at K = 10 (the
#: quarters, kvinnor and män, referrers and age bands need about ten each).
DEFAULT_PARTICIPANTS = 400
#: Who referred the invented people (most by AF and FK, as in the sources).
REFERRER_WEIGHTS = {"af": 35, "fk": 30, "kommun": 20, "region": 10, "egen": 3, "annan": 2}


@dataclass
class DemoResult:
    insats: str
    login: str
    password: str
    participants: int
    link_code: str


def _staff(rng: random.Random, insats: Insats) -> str:
    password = secrets.token_urlsafe(9)
    user = db.session.scalar(sa.select(User).filter_by(email=LOGIN))
    if user is None:
        user = User(email=LOGIN, role="handledare", password_hash="")
        db.session.add(user)
        db.session.flush()
        db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    user.password_hash = generate_password_hash(password)
    return password


def _chunks(n: int) -> Iterator[range]:
    for start in range(0, n, BATCH):
        yield range(start, min(n, start + BATCH))


def _rating(rng: random.Random, base: list[int], change: int, top: int) -> list[int]:
    """A later rating (step positions 1..top): mostly the same or a step better, sometimes
    worse."""
    weights = (15, 45, 30, 10) if change else (15, 70, 15, 0)
    return [max(1, min(top, b + rng.choices((-1, 0, 1, 2), weights)[0])) for b in base]


def generate(n: int, seed: int | None, today: dt.date) -> DemoResult:
    """Add `n` synthetic participants to the demo insats (flushes; the caller commits)."""
    rng = random.Random(seed)
    insats = db.session.scalar(sa.select(Insats).filter_by(name=INSATS))
    if insats is None:
        insats = Insats(name=INSATS, schedule=schedule.default_schedule())
        db.session.add(insats)
        db.session.flush()
    password = _staff(rng, insats)
    versions = {e.instrument: instruments.version_row(instruments.get(e.instrument))
                for e in insats.schedule}
    taken = set(db.session.scalars(sa.select(Participant.code)))

    def new_code() -> str:
        while (code := codes.generate(rng)) in taken:
            pass
        taken.add(code)
        return code

    for chunk in _chunks(n):
        _generate_chunk(rng, chunk, insats, versions, new_code, today)
    # One participant whose 6-month follow-up is due today, for the printed link.
    link_code = new_code()
    person = Participant(code=link_code, gender="kvinna", birth_year=1990, language="sv")
    start = schedule.add_months(today, -6) + dt.timedelta(days=3)
    enrolment = Enrolment(participant=person, insats=insats, start_date=start)
    db.session.add(enrolment)
    db.session.flush()
    for key in sorted(versions, key=instruments.order_key):
        if instruments.get(key).individual_results:  # the intake self-rating is done
            _questionnaire(rng, enrolment.id, versions[key], key, "intake", start, "deltagare",
                           [2, 3, 2, 3, 2, 4, 3, 2, 3, 2])
            break
    db.session.flush()
    return DemoResult(INSATS, LOGIN, password, n, link_code)


def _questionnaire_row(rng: random.Random, enrolment_id: int, version, key: str,
                       timepoint: str, day: dt.date, respondent: str) -> dict:
    """A completed questionnaire at a random time of `day`."""
    when = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
    return {"enrolment_id": enrolment_id, "instrument_version_id": version.id,
            "instrument": key, "timepoint": timepoint, "respondent": respondent,
            "language": "sv", "source": "tablet", "started_at": when, "completed_at": when}


def _answer_rows(rng: random.Random, qid: int, version, key: str,
                 steps: list[int] | None, when: dt.datetime) -> list[dict]:
    """Answers to every item asked; `steps` gives the rated areas' step positions in order."""
    inst = instruments.get(key, version.version)
    rows = []
    chosen: dict[str, int | None] = {}
    areas = [i.key for i in inst.areas]
    for item in inst.items:
        if item.show_if is not None and chosen.get(item.show_if.item) != item.show_if.step:
            continue
        row = {"questionnaire_id": qid, "instrument_version_id": version.id,
               "item_key": item.key, "scale_min": item.scale_min, "scale_max": item.scale_max,
               "step": None, "text": None, "declined": False, "answered_at": when}
        if item.is_text:
            if rng.random() < 0.4:
                row["text"] = rng.choice(TEXTS)
            else:
                row["declined"] = True
        elif rng.random() < 0.03:
            row["declined"] = True
        elif steps is not None and item.key in areas:
            row["step"] = item.scale_min - 1 + steps[areas.index(item.key)]
        else:
            size = len(item.scale.steps)
            row["step"] = item.scale_min - 1 + rng.choices(range(1, size + 1),
                                                           weights=range(1, size + 1))[0]
        chosen[item.key] = row["step"]
        rows.append(row)
    return rows


def _questionnaire(rng: random.Random, enrolment_id: int, version, key: str, timepoint: str,
                   day: dt.date, respondent: str, steps: list[int] | None) -> None:
    row = _questionnaire_row(rng, enrolment_id, version, key, timepoint, day, respondent)
    qid = db.session.scalar(sa.insert(Questionnaire).returning(Questionnaire.id), row)
    db.session.execute(sa.insert(Answer),
                       _answer_rows(rng, qid, version, key, steps, row["completed_at"]))


def _generate_chunk(rng, chunk, insats, versions, new_code, today) -> None:
    people = [{
        "code": new_code(),
        "gender": rng.choices(("kvinna", "man", "annat", None), weights=(48, 46, 3, 3))[0],
        "birth_year": rng.randint(today.year - 64, today.year - 18),
        "language": rng.choice(LANGUAGES),
        "created_at": dt.datetime.combine(today, dt.time()),
    } for _ in chunk]
    ids = db.session.scalars(
        sa.insert(Participant).returning(Participant.id, sort_by_parameter_order=True), people
    ).all()
    enrolments = []
    for pid in ids:
        # over two and a half years, so that the last ended NNS year has starts, exits and
        # answers whatever today's date
        start = today - dt.timedelta(days=rng.randint(7, 900))
        exit_date = reason = None
        if (today - start).days > 200 and rng.random() < 0.6:
            exit_date = min(today, start + dt.timedelta(days=rng.randint(200, 380)))
            group = rng.choices(list(EXIT_REASONS), weights=(6, 2, 2))[0]
            reason = rng.choice(EXIT_REASONS[group])
        referrer = rng.choices(list(REFERRER_WEIGHTS), weights=REFERRER_WEIGHTS.values())[0]
        enrolments.append({"participant_id": pid, "insats_id": insats.id, "start_date": start,
                           "exit_date": exit_date, "exit_reason": reason,
                           "referrer": referrer})
    enrolment_ids = db.session.scalars(
        sa.insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), enrolments
    ).all()
    questionnaires, plans = [], []
    # The insats's schedule decides what the invented people answered: self-ratings (most at
    # intake, fewer later; half with the handledare's rating beside) and the group surveys.
    entries = sorted({(e.instrument, e.timepoint) for e in insats.schedule},
                     key=lambda e: (TIMEPOINTS.index(e[1]), instruments.order_key(e[0])))
    kinds = {key: instruments.get(key) for key, _ in entries}
    for eid, e in zip(enrolment_ids, enrolments, strict=True):
        start, exit_date = e["start_date"], e["exit_date"]
        bases = {key: [rng.randint(1, max(1, len(inst.areas[0].scale.steps) - 1))
                       for _ in inst.areas]
                 for key, inst in kinds.items() if inst.individual_results and inst.areas}
        plan = []
        for key, timepoint in entries:
            day = schedule.due_date(SimpleNamespace(start_date=start, exit_date=exit_date),
                                    insats, timepoint)
            if day is None or day > today or (timepoint != "intake" and exit_date is not None
                                              and timepoint != "exit" and day > exit_date):
                continue
            if key not in bases:
                if rng.random() < (0.65 if timepoint == "exit" else 0.75):
                    plan.append((key, timepoint, day, "deltagare", None))
                continue
            top = len(kinds[key].areas[0].scale.steps)
            if timepoint == "intake":
                if rng.random() < 0.92:
                    plan.append((key, timepoint, day, "deltagare", bases[key]))
                    if rng.random() < 0.5:
                        plan.append((key, timepoint, day, "handledare",
                                     _rating(rng, bases[key], 0, top)))
            elif rng.random() < (0.7 if timepoint == "exit" else 0.8):
                plan.append((key, timepoint, day, "deltagare", _rating(rng, bases[key], 1, top)))
        for key, timepoint, day, respondent, steps in plan:
            questionnaires.append(
                _questionnaire_row(rng, eid, versions[key], key, timepoint, day, respondent))
            plans.append((key, steps))
    if not questionnaires:
        return
    qids = db.session.scalars(
        sa.insert(Questionnaire).returning(Questionnaire.id, sort_by_parameter_order=True),
        questionnaires,
    ).all()
    answers = []
    for qid, q, (key, steps) in zip(qids, questionnaires, plans, strict=True):
        answers.extend(_answer_rows(rng, qid, versions[key], key, steps, q["completed_at"]))
    db.session.execute(sa.insert(Answer), answers)
