"""The pseudonymised export for analysts (domain.md part B, `export`).

CSV: a ZIP with answers.csv (one row per answer), assessments.csv (one row per questionnaire,
items as columns) and codebook.csv; `csv-excel` is the same ZIP with files that open right in
Excel with Swedish settings (tables.write_csv). XLSX: one workbook with those three sheets (a
sheet over Excel's row limit goes on in `answers (2)`, …).

What leaves: a keyed pseudonym (HMAC-SHA256 of the participant code with PSEUDONYM_KEY), gender,
a five-year age band at intake, the insats, instrument and version, timepoint, respondent role,
the answer and the month; after the contract's columns the enrolment: referrer category, exit
reason and its group, enrolment and exit month. Never: participant codes, birth years, exact
dates, staff identities, free text (unless asked for).

The professional NNS groups' anonymous responses (questionnaire.surveys) follow the participants'
as rows of their own: the form and its version, the respondent group, the item and answer, the
month and the survey round (if any); no pseudonym, gender, age, insats, timepoint or enrolment.

The database renders the rows, as the text they are written as (CSV, or a worksheet row's
cells): what is said about an enrolment once per enrolment, into temporary tables (only the
pseudonym, a keyed hash, is made in Python); then one pass over the answers, in the order they
were given, gives per questionnaire its own cells and its answers rendered and packed in one
text (_packed). From that text Python makes the questionnaire's rows of answers.csv (a few
replaces) and its row of assessments.csv (each answer in its item's column), kept in a
temporary file until answers.csv is written. The rows stay UTF-8 bytes from the database to the
file, deflated by ISA-L (archive.py). Rows are streamed: memory stays flat. (Issue 16: at 100 000
participants the CSV export takes 2.2 times (SQLite) to 2.7 times (PostgreSQL, whose COPY is
faster), the workbook 3.5 to 4.4 times as long as the database's own dump of the answers;
bench/reports.py.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import io
import itertools
import marshal
import operator
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from questionnaire import audit, instruments, surveys
from questionnaire.casework import codes
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import N_
from questionnaire.models import (
    EXIT_REASON_LABELS,
    EXIT_REASONS,
    GENDERS,
    REFERRERS,
    RESPONDENTS,
    TIMEPOINTS,
    Answer,
    Enrolment,
    Insats,
    InstrumentVersion,
    Participant,
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
)
from questionnaire.reporting import breakdown, tables
from questionnaire.reporting.archive import Archive
from questionnaire.reporting.reports import Filters

#: The contract's columns first (domain.md part B), then the enrolment's, then the survey round
#: of a professional response (never removed or renamed, new ones only appended).
ENROLMENT_COLUMNS = ("referrer", "exit_reason", "exit_group", "enrolment_month", "exit_month")
ROUND_COLUMN = "round"
ANSWER_HEADER = ("pseudonym", "gender", "age_band", "insats", "instrument", "instrument_version",
                 "timepoint", "respondent", "item", "value", "declined", "answered_month",
                 *ENROLMENT_COLUMNS, ROUND_COLUMN)
QUESTIONNAIRE_COLUMNS = ("pseudonym", "gender", "age_band", "insats", "instrument",
                         "instrument_version", "timepoint", "respondent", "answered_month")
CODEBOOK_HEADER = ("instrument", "instrument_version", "item", "indicator", "area", "wording",
                   "scale", "steps", "asked_when")
FORMATS = ("csv", "csv-excel", "xlsx")
BATCH = 5000

#: What the codebook says about each column of answers.csv and assessments.csv.
COLUMN_TEXTS = {
    "pseudonym": N_("Pseudonym för deltagaren: samma person har samma pseudonym i varje export "
                    "med samma nyckel (PSEUDONYM_KEY). Aldrig deltagarkoden."),
    "gender": N_("Kön som deltagaren angett; tomt = inte angivet."),
    "age_band": N_("Åldersgrupp (fem år) vid inskrivningen, t.ex. 25-29; tomt = födelseår inte "
                   "angivet. Aldrig födelseåret."),
    "insats": N_("Insatsens namn."),
    "instrument": N_("Enkätens nyckel; enkätens frågor står i kodboken med samma nyckel."),
    "instrument_version": N_("Enkätens version som frågorna ställdes i."),
    "timepoint": N_("Mättillfälle."),
    "respondent": N_("Vem som skattade."),
    "item": N_("Frågans nyckel (se frågorna i kodboken)."),
    "value": N_("Svaret: stegets nummer på frågans skala (se steps i kodboken); fritext bara "
                "om exporten gjordes med fritext. Tomt = inte besvarad."),
    "declined": N_("1 = deltagaren valde Vill inte svara, 0 = annars."),
    "answered_month": N_("Månaden då enkäten besvarades (ÅÅÅÅ-MM). Aldrig datum."),
    "referrer": N_("Vem som remitterade deltagaren till insatsen; tomt = inte angivet."),
    "exit_reason": N_("Avslutsorsak; tomt = inte avslutad."),
    "exit_group": N_("Typ av avslut (avslutsorsakens grupp); tomt = inte avslutad."),
    "enrolment_month": N_("Månaden då deltagaren skrevs in i insatsen (ÅÅÅÅ-MM)."),
    "exit_month": N_("Månaden då deltagaren avslutades (ÅÅÅÅ-MM); tomt = inte avslutad."),
    "round": N_("Enkätomgången (Stegvis nummer på omgången) som ett anonymt svar från personal, "
                "remittent, chefsgrupp eller styrelse kom in i; tomt = pappersenkät utan omgång, "
                "eller en deltagares svar."),
    "S1…": N_("I assessments.csv: en kolumn per fråga (frågans nyckel) med svaret, en rad per "
              "besvarad enkät."),
}
PROFESSIONAL_TEXT = N_(
    "Rader utan pseudonym är anonyma svar från personal, remittenter, parternas chefsgrupp och "
    "styrelse (NNS-enkäterna till respondentgrupperna, respondent = gruppen). De har bara "
    "enkät, version, fråga, svar, månad och omgång: aldrig kön, ålder, insats, tidpunkt eller "
    "något annat som kan peka ut den som svarade. I assessments.csv är varje sådant svar en rad.")
RESPONDENT_GROUP_LABELS = {"personal": N_("Personal"), "remittent": N_("Remittenter"),
                           "chefsgrupp": N_("Parternas chefsgrupp"), "styrelse": N_("Styrelse")}
GENDER_LABELS = {"kvinna": N_("Kvinna"), "man": N_("Man"), "annat": N_("Annat")}
REFERRER_LABELS = {
    "af": N_("Arbetsförmedlingen"), "fk": N_("Försäkringskassan"), "kommun": N_("Kommunen"),
    "region": N_("Regionen"), "egen": N_("Egen anmälan"), "annan": N_("Annan"),
}
FORMAT_TEXTS = {
    "csv": N_("Filformat: CSV för program (R, SPSS, Python): UTF-8 utan BOM, komma mellan "
              "kolumnerna, decimalpunkt. Öppnas den i Excel med svenska inställningar blir å, "
              "ä och ö fel och allt hamnar i en kolumn: välj då formatet CSV för Excel."),
    "csv-excel": N_("Filformat: CSV för Excel med svenska inställningar: UTF-8 med BOM, "
                    "semikolon mellan kolumnerna, decimalkomma. Program som läser CSV enligt "
                    "standarden vill ha formatet CSV (komma)."),
    "xlsx": N_("Filformat: Excel-arbetsbok. Ett blad rymmer högst 1 048 576 rader: fler svar "
               "fortsätter på bladen answers (2), answers (3) … med rubrikraden igen."),
}
GUARD_TEXT = N_("En text som börjar med = + - eller @ har fått en apostrof först, så att Excel "
                "visar den som text och aldrig räknar ut den.")


@dataclass
class ExportResult:
    answers: int
    assessments: int
    codebook: int


def pseudonym(code: str, key: str | None = None) -> str:
    key = key if key is not None else current_app.config["PSEUDONYM_KEY"]
    return _pseudonym(code, key.encode())


def _pseudonym(code: str, key: bytes) -> str:
    """Of the normalised code: the same person has one pseudonym however the code is written."""
    return hmac.digest(key, codes.normalise(code).encode(), "sha256").hex()[:16]


def item_columns(include_free_text: bool) -> list[str]:
    """Item keys over every version of every instrument (items are matched by key)."""
    return [key for key, is_text in _items() if include_free_text or not is_text]


def _items() -> list[tuple[str, bool]]:
    """(key, is a text item) over every version of every instrument, first seen first."""
    found: dict[str, bool] = {}
    for newest in instruments.published():
        for item in (i for inst in instruments.versions(newest.key) for i in inst.items):
            found.setdefault(item.key, item.is_text)
    return list(found.items())


# The rows, rendered by the database ---------------------------------------------------------
#
# Each cell of answers and assessments is rendered by the database as the text it is written as
# (tables.CsvCells, tables.XlsxCells): what is said about an enrolment once, into temporary
# tables that the answers' pass joins; a questionnaire's own cells in that pass.

#: One row per participant: the pseudonym (a keyed hash, made in Python). Temporary.
_PSEUDONYMS = sa.Table(
    "export_pseudonym", sa.MetaData(),
    sa.Column("participant_id", sa.Integer, primary_key=True),
    sa.Column("pseudonym", sa.String(16)),
    prefixes=["TEMPORARY"],
)
#: One row per enrolment (of the chosen insats): its cells before the questionnaire's
#: (pseudonym, gender, age band, insats) and after (referrer … exit month), rendered for this
#: export's format by the database. Temporary.
_ENROLMENTS = sa.Table(
    "export_enrolment", sa.MetaData(),
    sa.Column("enrolment_id", sa.Integer, primary_key=True),
    sa.Column("front", sa.Text), sa.Column("back", sa.Text),
    prefixes=["TEMPORARY"],
)


def _postgres() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _month(column):
    """YYYY-MM of a date or timestamp (ISO text on SQLite and PostgreSQL alike)."""
    return sa.func.substr(sa.cast(column, sa.String), 1, 7)


def _joined(query: sa.Select, filters: Filters) -> sa.Select:
    query = (
        query.join(_ENROLMENTS, _ENROLMENTS.c.enrolment_id == Questionnaire.enrolment_id)
        .join(InstrumentVersion, Questionnaire.instrument_version_id == InstrumentVersion.id)
        .where(Questionnaire.completed_at.is_not(None))
    )
    return filters.completed_in_period(query)


def _respondent_group():
    """A professional response's respondent group (personal, remittent, …), from its form."""
    groups = {i.key: i.respondents for i in instruments.published() if i.answered_anonymously}
    if not groups:
        return sa.null()
    return sa.case(groups, value=SurveyResponse.instrument, else_=sa.null())


def _professional(query: sa.Select, filters: Filters) -> sa.Select:
    """The professional responses of the period (by month) and insats."""
    query = query.join(InstrumentVersion,
                       SurveyResponse.instrument_version_id == InstrumentVersion.id)
    return surveys.in_period(query, filters.start, filters.end, filters.insats)


def _response(cells: tables.Cells) -> list:
    """A professional response's cells up to the items: no pseudonym, gender, age, insats or
    timepoint; the respondent group as the respondent."""
    return [cells.empty] * 4 + [
        cells.code(SurveyResponse.instrument), cells.number(InstrumentVersion.version),
        cells.empty, cells.code(_respondent_group())]


#: In a questionnaire's packed answers (_packed): after an answer's item key, after its cell, and
#: between two answers. None is in a key or a rendered cell; a typed text that holds one is
#: noticed by the count and read again one answer at a time (_one_by_one).
_KEY, _CELL, _NEXT = "\x02", "\x03", "\x01"


@dataclass(frozen=True)
class _Source:
    """Where the export's questionnaires come from, one row each in order: its key, its cells
    before the items (front), its month, its cells after the month (back), its number of
    answers and its answers packed (_packed). `answer`: the answers' table, `key_of`: its column
    that says whose they are, `declined`: the declined cell of an answer (of its columns)."""

    query: sa.Select
    answer: type[Answer] | type[SurveyAnswer]
    key_of: Any
    declined: Callable[[Any], Any]


def _sources(filters: Filters, include_free_text: bool, cells: tables.Cells) -> list[_Source]:
    """The participants' questionnaires, then the professional responses (form, group, month
    and round only: no pseudonym, gender, age, insats, timepoint or enrolment)."""
    def declined(c):  # an answer's declined cell, of the answers' columns `c`
        return cells.number(sa.case((c.declined, 1), else_=0))

    def not_asked(_c):  # a professional response has none
        return sa.literal(cells.empty)

    e = _ENROLMENTS.c
    query = _joined(sa.select(
        Questionnaire.id, _utf8(cells.join([
            e.front, cells.code(Questionnaire.instrument), cells.number(InstrumentVersion.version),
            cells.code(Questionnaire.timepoint), cells.code(Questionnaire.respondent)])),
        _utf8(cells.code(_month(Questionnaire.completed_at))),
        _utf8(cells.join([e.back, cells.empty])),
    ).select_from(Questionnaire), filters)
    if _postgres():
        narrowed = any(f is not None for f in (filters.start, filters.end, filters.insats))
        answers = _packed(Answer, Answer.questionnaire_id, declined, include_free_text, cells,
                          _joined(sa.select(Questionnaire.id), filters) if narrowed else None)
        query = query.add_columns(answers.c.answers, _utf8(answers.c.packed)).join(
            answers, answers.c.key == Questionnaire.id)
    else:
        # SQLite: the answers joined and grouped by questionnaire: it aggregates them in the
        # order of the index on (questionnaire_id, id), as test_export checks (before 3.44 it
        # takes no ORDER BY in an aggregate; a sorted subquery made it sort them twice more)
        query = query.add_columns(sa.func.count(), _utf8(sa.func.group_concat(
            _each(Answer, declined, cells), _NEXT))).join(
            Answer, Answer.questionnaire_id == Questionnaire.id).group_by(Questionnaire.id)
        if not include_free_text:
            query = query.where(Answer.scale_max > 0)
    answers = _packed(SurveyAnswer, SurveyAnswer.response_id, not_asked, include_free_text,
                      cells)
    no_enrolment = [cells.empty] * len(ENROLMENT_COLUMNS)
    professional = sa.select(
        SurveyResponse.id, _utf8(cells.join(_response(cells))),
        _utf8(cells.code(SurveyResponse.answered_month)),
        _utf8(cells.join([*no_enrolment, cells.number(SurveyResponse.round_id)])),
        answers.c.answers, _utf8(answers.c.packed),
    ).select_from(SurveyResponse).join(answers, answers.c.key == SurveyResponse.id)
    return [_Source(query.order_by(Questionnaire.id), Answer, Answer.questionnaire_id, declined),
            _Source(_professional(professional, filters).order_by(SurveyResponse.id),
                    SurveyAnswer, SurveyAnswer.response_id, not_asked)]


def _utf8(text):
    """SQL: the text as UTF-8 bytes. The export's rows are written as the database gives them,
    never decoded and encoded again in Python (that was an eighth of the Python's work on a
    workbook of 100 000 participants, whose rows have an å in the insats's name)."""
    if _postgres():
        return sa.func.convert_to(text, "UTF8", type_=sa.LargeBinary)
    return sa.cast(text, sa.LargeBinary)  # SQLite: CAST AS BLOB, the text's bytes


def _packed(answer: type[Answer] | type[SurveyAnswer], key_of: Any,
            declined: Callable[[Any], Any], include_free_text: bool, cells: tables.Cells,
            only: sa.Select | None = None) -> sa.Subquery:
    """Per questionnaire (or response, `key_of`): its key, its number of answers and its
    answers as one text (_each, in the order they were given). The database pivots and renders
    them in one pass over the answers, whatever the number of items. `only`: the keys of the
    questionnaires to read (when an export has a period or an insats).

    It reads the answers in order (by the index on questionnaire_id and id) and aggregates them
    as it reads them, as PostgreSQL's documentation of aggregates says a sorted subquery does:
    an ORDER BY in the aggregate made PostgreSQL 15 sort each questionnaire's answers on their
    own, a third of the export's pass over the answers. No parallel workers split a
    questionnaire's answers (write() turns them off). test_export checks the order."""
    rows = sa.select(key_of.label("key"), answer.id, answer.item_key, answer.step,
                     answer.text, *([answer.declined] if answer is Answer else []))
    if not include_free_text:
        rows = rows.where(answer.scale_max > 0)
    if only is not None:
        rows = rows.where(key_of.in_(only))
    c = rows.order_by(key_of, answer.id).subquery().c
    joined = sa.func.string_agg if _postgres() else sa.func.group_concat
    return (sa.select(c.key, sa.func.count().label("answers"),
                      joined(_each(c, declined, cells), _NEXT).label("packed"))
            .group_by(c.key).subquery())


def _each(c, declined: Callable[[Any], Any], cells: tables.Cells):
    """An answer packed (of the answers' columns `c`): its item key, its cell and its declined
    cell, after _KEY and _CELL."""
    return (c.item_key + sa.literal(_KEY) + sa.func.coalesce(cells.value(c.step, c.text), "")
            + _CELL + declined(c))


def _answers(filters: Filters, include_free_text: bool, items: list[str],
             cells: tables.Cells, assessments: _Spool) -> Iterator[tuple[int, bytes]]:
    """answers.csv as blocks, one per questionnaire: its number of rows and the rows, rendered
    (UTF-8) and joined by the format's row separator. Each questionnaire's row of
    assessments.csv (its answers in the columns of their items) goes to `assessments` on the
    way: one pass over the answers makes both."""
    in_columns = _Columns(items, cells.empty.encode())
    sep, after_key, row_separator, code_start = (text.encode() for text in (
        cells.separator, cells.code_end + cells.separator, cells.row_separator,
        cells.code_start))
    key_end, cell_end, next_answer = _KEY.encode(), _CELL.encode(), _NEXT.encode()
    for source in _sources(filters, include_free_text, cells):
        # Streamed unless typed text may hold a separator: reading it again (_one_by_one) is a
        # query of its own. Keys, steps and the declined cell never hold one.
        for qid, front, month, back, count, packed in _rows(source.query,
                                                             streamed=not include_free_text):
            head, tail = front + sep + code_start, sep + month + sep + back
            found = packed.replace(key_end, next_answer).replace(cell_end, next_answer).split(
                next_answer)
            if len(found) == 3 * count:
                yield count, head + packed.replace(key_end, after_key).replace(
                    cell_end, sep).replace(next_answer, tail + row_separator + head) + tail
            else:
                found = _one_by_one(source, qid, cells)
                answers = iter(found)
                yield count, (tail + row_separator).join(
                    head + key + after_key + cell + sep + declined
                    for key, cell, declined in zip(answers, answers, answers, strict=True)) + tail
            assessments.add(sep.join(in_columns(front, month, found[::3], found[1::3], back)))


class _Columns:
    """An assessment's row: `(front, month, keys, cells, back)` (UTF-8) gives its cells, each
    answer's in the column of its item (the empty cell where there is no answer; an answer to an
    item not in the columns is left out). Questionnaires of one form mostly answer the same
    items: the placing is worked out once per set of keys and done by itemgetter."""

    def __init__(self, items: list[str], empty: bytes) -> None:
        self.column = {key.encode(): n for n, key in enumerate(items)}
        self.empty = empty
        self.placings: dict[tuple[bytes, ...], Any] = {}

    def __call__(self, front: bytes, month: bytes, keys: list[bytes], cells: list[bytes],
                 back: bytes) -> tuple[bytes, ...]:
        placing = self.placings.get(key := tuple(keys))
        if placing is None:
            if len(self.placings) > 10_000:  # memory stays flat
                self.placings.clear()
            n = len(keys)  # after the cells: the empty cell, front, month, back
            at = [n] * len(self.column)
            for i, item in enumerate(keys):
                if item in self.column:
                    at[self.column[item]] = i
            placing = self.placings[key] = operator.itemgetter(n + 1, n + 2, *at, n + 3)
        return placing([*cells, self.empty, front, month, back])


def _one_by_one(source: _Source, qid: int, cells: tables.Cells) -> list[bytes]:
    """A questionnaire's (or response's) item keys, cells and declined cells (UTF-8), read one
    answer at a time (only typed text, in an export with free text, can hold a separator)."""
    answer = source.answer
    return [bytes(text) for row in db.session.execute(
        sa.select(_utf8(answer.item_key),
                  _utf8(sa.func.coalesce(cells.value(answer.step, answer.text), "")),
                  _utf8(source.declined(answer)))
        .where(source.key_of == qid).order_by(answer.id)) for text in row]


class _Spool:
    """Rows kept in a temporary file until they are written: assessments.csv comes out of the
    answers' pass but is written after answers.csv. Memory stays flat. The rows come back in
    blocks (a number of rows and the rows joined by `separator`), as they are written."""

    def __init__(self, separator: bytes) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.separator = separator
        self.batch: list[bytes] = []

    def add(self, row: bytes) -> None:
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            marshal.dump((len(self.batch), self.separator.join(self.batch)), self.file)
            self.batch = []

    def blocks(self) -> Iterator[tuple[int, bytes]]:
        self._flush()
        self.file.seek(0)
        while True:
            try:
                yield marshal.load(self.file)
            except EOFError:
                return

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.file.close()


#: Rows the server sends at a time when streamed (libpq 17 on; one at a time before).
_STREAMED = 200 if psycopg.pq.version() >= 170000 else 1


def _rows(query: sa.Select, streamed: bool = False) -> Iterator[tuple]:
    """The query's rows as the database driver gives them (tuples: no work per row in
    SQLAlchemy, which made 2 of the 12 seconds of a 100 000-participant CSV export). On
    PostgreSQL memory stays flat either way: fetched in batches through a server-side cursor,
    or `streamed`: the server sends rows as soon as it has them, so it works on the query while
    Python works on the rows (that took 1.2 s off the 6.5 of that export there), but the
    connection runs no other query until the last row is read or the rows are closed."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if connection.dialect.name == "postgresql":
        if streamed:
            with driver.cursor() as cursor:
                yield from cursor.stream(compiled.string, params, binary=True,
                                         size=_STREAMED)
            return
        # Binary: bytes (_utf8) come as they are, not as hex text to decode
        cursor = driver.cursor(name="stegvis_export", binary=True)  # server-side
    else:  # SQLite's cursor reads row by row anyway; its parameters are positional
        cursor = driver.cursor()
        params = [_sqlite_value(params[name]) for name in compiled.positiontup]
    try:
        cursor.execute(compiled.string, params)
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def _sqlite_value(value: Any) -> Any:
    """A parameter as SQLAlchemy stores it in SQLite: dates and times as ISO text."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _make_enrolments(filters: Filters, cells: tables.Cells) -> None:
    """Every enrolment (of the chosen insats), rendered once, into the temporary table the
    export's queries join: the database renders all but the pseudonym, a keyed hash."""
    connection = db.session.connection()
    for table in (_PSEUDONYMS, _ENROLMENTS):
        table.drop(connection, checkfirst=True)
        table.create(connection)
    key = current_app.config["PSEUDONYM_KEY"].encode()
    _insert_many(_PSEUDONYMS, ((pid, _pseudonym(code, key)) for pid, code in _rows(
        sa.select(Participant.id, Participant.code))))
    groups = {reason: group for group, reasons in EXIT_REASONS.items() for reason in reasons}
    found = (
        sa.select(Enrolment.id, cells.join([
            cells.code(_PSEUDONYMS.c.pseudonym), cells.code(Participant.gender),
            cells.code(_age_band(Participant.birth_year, Enrolment.start_date)),
            cells.typed(Insats.name)]),
            cells.join([cells.code(Enrolment.referrer), cells.code(Enrolment.exit_reason),
                        cells.code(sa.case(groups, value=Enrolment.exit_reason, else_=sa.null())),
                        cells.code(_month(Enrolment.start_date)),
                        cells.code(_month(Enrolment.exit_date))]))
        .join(Participant, Enrolment.participant_id == Participant.id)
        .join(_PSEUDONYMS, _PSEUDONYMS.c.participant_id == Participant.id)
        .join(Insats, Enrolment.insats_id == Insats.id)
    )
    if filters.insats is not None:
        found = found.where(Insats.name == filters.insats)
    connection.execute(_ENROLMENTS.insert().from_select(["enrolment_id", "front", "back"], found))


def _age_band(birth_year, intake):
    """SQL: the five years (low-high) of the age at intake, e.g. 25-29 (floored as Python's //
    would, whatever the sign); NULL without a birth year."""
    age = breakdown.age(intake, birth_year)
    low = age - (age % 5 + 5) % 5
    return sa.case((birth_year.is_(None), sa.null()),
                   else_=sa.cast(low, sa.String) + "-" + sa.cast(low + 4, sa.String))


def _insert_many(table: sa.Table, rows: Iterator[tuple]) -> None:
    """Rows (in the table's column order) into a table through the database driver: COPY on
    PostgreSQL, batches on SQLite (SQLAlchemy's work per row made half the time of rendering
    the enrolments; PostgreSQL's executemany took 1.8 s for 100 000 rows, COPY a tenth)."""
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()
    copying = connection.dialect.name == "postgresql"
    statement = (f"COPY {table.name} ({', '.join(c.name for c in table.columns)}) FROM STDIN"
                 if copying else table.insert().compile(dialect=connection.dialect).string)
    try:
        # In batches: `rows` may come from a cursor on the same connection (_rows).
        while batch := list(itertools.islice(rows, BATCH)):
            if copying:
                with cursor.copy(statement) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(statement, batch)
    finally:
        cursor.close()


def _drop_enrolments() -> None:
    for table in (_ENROLMENTS, _PSEUDONYMS):
        table.drop(db.session.connection(), checkfirst=True)


def _respondent_groups() -> list[str]:
    """The professional respondent groups of the published forms, in their order."""
    return list(dict.fromkeys(i.respondents for i in instruments.published()
                              if i.answered_anonymously))


def codebook_rows(fmt: str = "csv") -> Iterator[list]:
    """Every item of every version, with its wording and steps (in the default language); then
    every column of answers.csv and assessments.csv with its codes, and the file format."""
    scales: dict[str, str] = {}
    for newest in instruments.published():
        key = newest.key
        for inst in instruments.versions(key):
            version = inst.version
            for item in inst.items:
                steps = "" if item.scale is None else " | ".join(
                    f"{s.value}={s.label}" for s in item.scale.steps)
                if item.scale is not None:
                    scales.setdefault(item.scale.key, steps)
                asked = "" if item.show_if is None else f"{item.show_if.item}={item.show_if.step}"
                yield [key, version, item.key, item.indicator or "", item.area or "", item.text,
                       "text" if item.scale is None else item.scale.key, steps, asked]
    codes_of = {
        "gender": {g: _(GENDER_LABELS[g]) if g in GENDER_LABELS else g for g in GENDERS},
        "timepoint": {t: _(TIMEPOINT_LABELS[t]) if t in TIMEPOINT_LABELS else t
                      for t in TIMEPOINTS},
        "respondent": {**({"deltagare": _("Deltagare"), "handledare": _("Handledare")}
                          if set(RESPONDENTS) == {"deltagare", "handledare"}
                          else {r: r for r in RESPONDENTS}),
                       **{g: _(RESPONDENT_GROUP_LABELS[g]) if g in RESPONDENT_GROUP_LABELS
                          else g for g in _respondent_groups()}},
        "referrer": {r: _(REFERRER_LABELS[r]) if r in REFERRER_LABELS else r for r in REFERRERS},
        "exit_reason": {r: _(EXIT_REASON_LABELS[r]) if r in EXIT_REASON_LABELS else r
                        for group in EXIT_REASONS.values() for r in group},
        "exit_group": {g: f"{_(EXIT_REASON_LABELS[g]) if g in EXIT_REASON_LABELS else g} "
                          f"({', '.join(reasons)})" for g, reasons in EXIT_REASONS.items()},
        "declined": {"1": _("Vill inte svara"), "0": _("Svarade")},
    }
    for column in (*ANSWER_HEADER, "S1…"):
        steps = " | ".join(f"{code}={label}" for code, label in codes_of.get(column, {}).items())
        yield ["", "", column, "", "", _(COLUMN_TEXTS[column]), "", steps, ""]
    yield ["", "", "(professionella svar)", "", "", _(PROFESSIONAL_TEXT), "", "", ""]
    yield ["", "", "scale", "", "", _("Kodbokens kolumn scale: skalans nyckel; text = fritext."),
           "", " || ".join(f"{k}: {s}" for k, s in scales.items()), ""]
    guard = "" if fmt == "xlsx" else " " + _(GUARD_TEXT)
    yield ["", "", "(fil)", "", "", _(FORMAT_TEXTS[fmt]) + guard, "", "", ""]


def write(out: str, fmt: str, filters: Filters, include_free_text: bool = False,
          user_id: int | None = None) -> ExportResult:
    """Write the export to `out` (a path) and record it in the audit log (flushes). `fmt`: one
    of FORMATS."""
    items = item_columns(include_free_text)
    header = [*QUESTIONNAIRE_COLUMNS, *items, *ENROLMENT_COLUMNS, ROUND_COLUMN]
    cells = tables.XlsxCells() if fmt == "xlsx" else tables.CsvCells(excel=fmt == "csv-excel")
    if _postgres():
        # One process reads each questionnaire's answers, in order (_packed): parallel workers
        # would each aggregate a part of them. The rows stream in the order of the indexes
        # they are read by: PostgreSQL may else choose to sort the whole result, which sends
        # no row before the last answer is read (with work_mem 128MB: 1.2 s slower of 3).
        for setting in ("max_parallel_workers_per_gather = 0", "enable_sort = off"):
            db.session.execute(sa.text(f"SET LOCAL {setting}"))
    _make_enrolments(filters, cells)
    try:
        # Closed as soon as the export stops, however it stops: the answers' query (still
        # sending rows when writing fails) lets go of the connection and the temporary tables.
        with (_Spool(cells.row_separator.encode()) as assessments,
              contextlib.closing(_answers(filters, include_free_text, items, cells,
                                          assessments)) as answers):
            if fmt == "xlsx":
                book = tables.Workbook(out)
                counts = ExportResult(
                    book.blocks("answers", ANSWER_HEADER, answers, typed=include_free_text),
                    book.blocks("assessments", header, assessments.blocks(),
                                typed=include_free_text),
                    book.sheet("codebook", CODEBOOK_HEADER, codebook_rows(fmt)),
                )
                book.close()
            else:
                excel = fmt == "csv-excel"
                with Archive(out) as zf:
                    counts = ExportResult(
                        _zip_lines(zf, "answers.csv", ANSWER_HEADER, answers, excel),
                        _zip_lines(zf, "assessments.csv", header, assessments.blocks(),
                                   excel),
                        _zip_csv(zf, "codebook.csv", CODEBOOK_HEADER, codebook_rows(fmt), excel),
                    )
    except BaseException:
        # After a database error PostgreSQL takes no command until the transaction is rolled
        # back (which drops the temporary tables too): the error is what the caller must see.
        with contextlib.suppress(sa.exc.DBAPIError):
            _drop_enrolments()
        raise
    _drop_enrolments()
    audit.record("export", user_id=user_id, format=fmt, start=filters.start, end=filters.end,
                 insats=filters.insats, free_text=include_free_text, answers=counts.answers,
                 assessments=counts.assessments)
    return counts


def _zip_csv(zf: Archive, name: str, header, rows, excel: bool) -> int:
    with zf.open(name) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
        return tables.write_csv(f, header, rows, excel=excel)


def _zip_lines(zf: Archive, name: str, header, blocks: Iterator[tuple[int, bytes]],
               excel: bool) -> int:
    """CSV lines rendered by the database (blocks: a number of lines and the lines, UTF-8),
    under the header, as tables.write_csv writes. Returns the number of lines."""
    separator = ";" if excel else ","
    count = 0
    with zf.open(name) as raw, tables.background(raw) as out:
        out.write(((tables.BOM if excel else "") + separator.join(
            tables.csv_field(h, separator) for h in header) + "\r\n").encode())
        for rows, batch in _batches(blocks):
            out.write(b"\r\n".join([*batch, b""]))  # each line ends with CRLF
            count += rows
    return count


def _batches(blocks: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, list[bytes]]]:
    """Blocks gathered into batches of at least BATCH rows: the number of rows and the blocks'
    texts (memory stays flat)."""
    batch, rows = [], 0
    for n, text in blocks:
        batch.append(text)
        rows += n
        if rows >= BATCH:
            yield rows, batch
            batch, rows = [], 0
    if batch:
        yield rows, batch
