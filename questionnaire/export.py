"""The pseudonymised export for analysts (domain.md part B, `export`).

CSV: a ZIP with answers.csv (one row per answer), assessments.csv (one row per questionnaire,
items as columns) and codebook.csv. XLSX: one workbook with those three sheets.

What leaves: a keyed pseudonym (HMAC-SHA256 of the participant code with PSEUDONYM_KEY), gender,
a five-year age band at intake, the insats, instrument and version, timepoint, respondent role,
the answer and the month. Never: participant codes, birth years, exact dates, staff identities,
free text (unless asked for). Rows are streamed from the database: memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from questionnaire import audit, codes, instruments
from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    Enrolment,
    Insats,
    InstrumentVersion,
    Participant,
    Questionnaire,
)
from questionnaire.reports import Filters
from questionnaire.tables import Workbook, write_csv

ANSWER_HEADER = ("pseudonym", "gender", "age_band", "insats", "instrument", "instrument_version",
                 "timepoint", "respondent", "item", "value", "declined", "answered_month")
QUESTIONNAIRE_COLUMNS = ("pseudonym", "gender", "age_band", "insats", "instrument",
                         "instrument_version", "timepoint", "respondent", "answered_month")
CODEBOOK_HEADER = ("instrument", "instrument_version", "item", "indicator", "area", "wording",
                   "scale", "steps", "asked_when")
BATCH = 5000


@dataclass
class ExportResult:
    answers: int
    assessments: int
    codebook: int


def pseudonym(code: str, key: str | None = None) -> str:
    key = key if key is not None else current_app.config["PSEUDONYM_KEY"]
    return _pseudonym(code, key)


@functools.lru_cache(maxsize=65536)  # bounded: memory stays flat however large the export
def _pseudonym(code: str, key: str) -> str:
    """Of the normalised code: the same person has one pseudonym however the code is written."""
    return hmac.new(key.encode(), codes.normalise(code).encode(),
                    hashlib.sha256).hexdigest()[:16]


def age_band(birth_year: int | None, intake: dt.date) -> str:
    if birth_year is None:
        return ""
    low = (intake.year - birth_year) // 5 * 5
    return f"{low}-{low + 4}"


def item_columns(include_free_text: bool) -> list[str]:
    """Item keys over every version of every instrument (items are matched by key)."""
    keys: list[str] = []
    for newest in instruments.published():
        for item in (i for inst in instruments.versions(newest.key) for i in inst.items):
            if item.key not in keys and (include_free_text or not item.is_text):
                keys.append(item.key)
    return keys


def _questionnaires(filters: Filters, include_free_text: bool) -> Iterator[tuple[list, list]]:
    """Completed questionnaires with their answers, streamed: (common columns, [(item, value,
    declined), ...]) per questionnaire, one database pass, rows fetched in batches."""
    query = (
        sa.select(Questionnaire.id, Participant.code, Participant.gender, Participant.birth_year,
                  Enrolment.start_date, Insats.name, Questionnaire.instrument,
                  InstrumentVersion.version, Questionnaire.timepoint, Questionnaire.respondent,
                  Questionnaire.completed_at, Answer.item_key, Answer.step, Answer.text,
                  Answer.declined)
        .join(Enrolment, Questionnaire.enrolment_id == Enrolment.id)
        .join(Participant, Enrolment.participant_id == Participant.id)
        .join(Insats, Enrolment.insats_id == Insats.id)
        .join(InstrumentVersion, Questionnaire.instrument_version_id == InstrumentVersion.id)
        .join(Answer, Answer.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.completed_at.is_not(None))
        .order_by(Questionnaire.id, Answer.id)
    )
    if not include_free_text:
        query = query.where(Answer.scale_max > 0)
    query = filters.completed_in_period(query)
    if filters.insats is not None:
        query = query.where(Insats.name == filters.insats)
    key = current_app.config["PSEUDONYM_KEY"]
    # Options on the statement, not the connection (which the session goes on using).
    rows = db.session.connection().execute(
        query.execution_options(stream_results=True, yield_per=BATCH))
    current: list | None = None
    answers: list[tuple] = []
    qid = None
    for (q, code, gender, birth_year, start, insats, instrument, version, timepoint, respondent,
         completed, item, step, text, declined) in rows:
        if q != qid:
            if current is not None:
                yield current, answers
            qid, answers = q, []
            current = [_pseudonym(code, key), gender or "", age_band(birth_year, start), insats,
                       instrument, version, timepoint, respondent, completed.strftime("%Y-%m")]
        answers.append((item, step if step is not None else (text or ""), declined))
    if current is not None:
        yield current, answers


def answer_rows(filters: Filters, include_free_text: bool) -> Iterator[list]:
    for common, answers in _questionnaires(filters, include_free_text):
        head, month = common[:-1], common[-1]
        for item, value, declined in answers:
            yield [*head, item, value, 1 if declined else 0, month]


def assessment_rows(filters: Filters, include_free_text: bool) -> Iterator[list]:
    items = item_columns(include_free_text)
    for common, answers in _questionnaires(filters, include_free_text):
        values = {item: value for item, value, _declined in answers}
        yield [*common, *(values.get(k, "") for k in items)]


def codebook_rows() -> Iterator[list]:
    """Every item of every version, with its wording and steps (in the default language)."""
    for newest in instruments.published():
        key = newest.key
        for inst in instruments.versions(key):
            version = inst.version
            for item in inst.items:
                steps = "" if item.scale is None else " | ".join(
                    f"{s.value}={s.label}" for s in item.scale.steps)
                asked = "" if item.show_if is None else f"{item.show_if.item}={item.show_if.step}"
                yield [key, version, item.key, item.indicator or "", item.area or "", item.text,
                       "text" if item.scale is None else item.scale.key, steps, asked]


def write(out: str, fmt: str, filters: Filters, include_free_text: bool = False,
          user_id: int | None = None) -> ExportResult:
    """Write the export to `out` (a path) and record it in the audit log (flushes)."""
    header = [*QUESTIONNAIRE_COLUMNS, *item_columns(include_free_text)]
    if fmt == "xlsx":
        book = Workbook(out)
        counts = ExportResult(
            book.sheet("answers", ANSWER_HEADER, answer_rows(filters, include_free_text)),
            book.sheet("assessments", header, assessment_rows(filters, include_free_text)),
            book.sheet("codebook", CODEBOOK_HEADER, codebook_rows()),
        )
        book.close()
    else:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            counts = ExportResult(
                *(_zip_csv(zf, name, h, rows) for name, h, rows in (
                    ("answers.csv", ANSWER_HEADER, answer_rows(filters, include_free_text)),
                    ("assessments.csv", header, assessment_rows(filters, include_free_text)),
                    ("codebook.csv", CODEBOOK_HEADER, codebook_rows()),
                ))
            )
    audit.record("export", user_id=user_id, format=fmt, start=filters.start, end=filters.end,
                 insats=filters.insats, free_text=include_free_text, answers=counts.answers,
                 assessments=counts.assessments)
    return counts


def _zip_csv(zf: zipfile.ZipFile, name: str, header, rows) -> int:
    with zf.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
        return write_csv(f, header, rows)
