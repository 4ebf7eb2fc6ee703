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

The database renders the rows: each row of answers and assessments comes out of the database as
the text it is written as (a CSV line, or a worksheet row's cells) and goes into the file as it
is. What is said about an enrolment (pseudonym, a keyed hash; age band; insats; referrer; exit)
is rendered once per enrolment in Python, and each questionnaire's cells once per questionnaire
by the database, into temporary tables that the answers' queries join. Rows are streamed:
memory stays flat. (Issue 16: this made the export of 100 000 participants about 4× and 12×
faster than Python writing each value; bench/reports.py.)
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
from questionnaire.reporting import tables
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
    return _pseudonym(code, key)


@functools.lru_cache(maxsize=65536)  # bounded: memory stays flat however large the export
def _pseudonym(code: str, key: str) -> str:
    """Of the normalised code: the same person has one pseudonym however the code is written."""
    return hmac.digest(key.encode(), codes.normalise(code).encode(), "sha256").hex()[:16]


def age_band(birth_year: int | None, intake) -> str:
    if birth_year is None:
        return ""
    low = (intake.year - birth_year) // 5 * 5
    return f"{low}-{low + 4}"


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
# Each row of answers and assessments is rendered by the database as the text it is written as
# (a CSV line, or a worksheet row's cells: tables.CsvCells, tables.XlsxCells) and goes into the
# file as it is. What is said about an enrolment is rendered once per enrolment in Python (the
# pseudonym is a keyed hash) into a temporary table that the queries join.

#: One row per enrolment: its cells before the questionnaire's (pseudonym, gender, age band,
#: insats) and after (referrer … exit month), rendered for this export's format. Temporary.
_ENROLMENTS = sa.Table(
    "export_enrolment", sa.MetaData(),
    sa.Column("enrolment_id", sa.Integer, primary_key=True),
    sa.Column("insats", sa.String(120)),  # for the --insats filter
    sa.Column("front", sa.Text), sa.Column("back", sa.Text),
    prefixes=["TEMPORARY"],
)
#: One row per questionnaire in the export (its period and insats): its cells before the items
#: (its enrolment's, then instrument … respondent), its month, and its cells after the month
#: (its enrolment's, then an empty round), rendered once for all its answers. Temporary.
_QUESTIONNAIRES = sa.Table(
    "export_questionnaire", sa.MetaData(),
    sa.Column("questionnaire_id", sa.Integer, primary_key=True),
    sa.Column("front", sa.Text), sa.Column("month", sa.Text), sa.Column("back", sa.Text),
    prefixes=["TEMPORARY"],
)


def _month(column):
    """YYYY-MM of a date or timestamp (ISO text on SQLite and PostgreSQL alike)."""
    return sa.func.substr(sa.cast(column, sa.String), 1, 7)


def _joined(query: sa.Select, filters: Filters) -> sa.Select:
    query = (
        query.join(_ENROLMENTS, _ENROLMENTS.c.enrolment_id == Questionnaire.enrolment_id)
        .join(InstrumentVersion, Questionnaire.instrument_version_id == InstrumentVersion.id)
        .where(Questionnaire.completed_at.is_not(None))
    )
    query = filters.completed_in_period(query)
    if filters.insats is not None:
        query = query.where(_ENROLMENTS.c.insats == filters.insats)
    return query


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


def _answers_queries(filters: Filters, include_free_text: bool, cells: tables.Cells
                     ) -> list[sa.Select]:
    """answers.csv, a rendered row per answer: the participants' answers, then the professional
    responses' (form, group, month and round only), each in the order they were given."""
    q = _QUESTIONNAIRES.c
    query = sa.select(cells.join([
        q.front, cells.code(Answer.item_key), cells.value(Answer.step, Answer.text),
        cells.number(sa.case((Answer.declined, 1), else_=0)), q.month, q.back,
    ])).select_from(_QUESTIONNAIRES).join(Answer, Answer.questionnaire_id == q.questionnaire_id)
    professional = sa.select(cells.join([
        *_response(cells), cells.code(SurveyAnswer.item_key),
        cells.value(SurveyAnswer.step, SurveyAnswer.text), cells.empty,
        cells.code(SurveyResponse.answered_month), *[cells.empty] * len(ENROLMENT_COLUMNS),
        cells.number(SurveyResponse.round_id),
    ])).select_from(SurveyResponse).join(SurveyAnswer,
                                         SurveyAnswer.response_id == SurveyResponse.id)
    if not include_free_text:
        query = query.where(Answer.scale_max > 0)
        professional = professional.where(SurveyAnswer.scale_max > 0)
    return [query.order_by(q.questionnaire_id, Answer.id),
            _professional(professional, filters).order_by(SurveyResponse.id, SurveyAnswer.id)]


#: In _packed's text: between an answer's item key and its cell, and between two answers.
#: Neither is in a key; a typed text that holds one is noticed by the count (_unpacked).
_KEY, _NEXT = "\x02", "\x01"


def _packed(answer, key_of, include_free_text: bool, cells: tables.Cells):
    """Per questionnaire or response (`key_of`) its answers as one text (key, cell, key, …)
    and their number: the database pivots in one pass whatever the number of items."""
    packed = (
        sa.select(key_of.label("qid"), sa.func.count().label("answers"),
                  sa.func.aggregate_strings(answer.item_key + sa.literal(_KEY) + sa.func.coalesce(
                      cells.value(answer.step, answer.text), ""), _NEXT).label("packed"))
        .group_by(key_of)
    )
    if not include_free_text:
        packed = packed.where(answer.scale_max > 0)
    return packed.subquery()


def _assessments_queries(filters: Filters, include_free_text: bool, cells: tables.Cells
                         ) -> list[tuple[sa.Select, type[Answer] | type[SurveyAnswer], Any]]:
    """assessments.csv: per questionnaire, then per professional response, its key, its cells
    before the items, its answers packed (_unpacked puts them in their columns), its cells
    after; each query with the answers' table and the column that says whose they are."""
    q = _QUESTIONNAIRES.c
    packed = _packed(Answer, Answer.questionnaire_id, include_free_text, cells)
    query = sa.select(
        q.questionnaire_id, cells.join([q.front, q.month]), packed.c.answers, packed.c.packed,
        q.back,
    ).select_from(_QUESTIONNAIRES).join(packed, packed.c.qid == q.questionnaire_id)
    answers = _packed(SurveyAnswer, SurveyAnswer.response_id, include_free_text, cells)
    professional = sa.select(
        SurveyResponse.id, cells.join([*_response(cells),
                                               cells.code(SurveyResponse.answered_month)]),
        answers.c.answers, answers.c.packed, cells.join([
            *[cells.empty] * len(ENROLMENT_COLUMNS), cells.number(SurveyResponse.round_id)]),
    ).select_from(SurveyResponse).join(answers, answers.c.qid == SurveyResponse.id)
    return [(query.order_by(q.questionnaire_id), Answer, Answer.questionnaire_id),
            (_professional(professional, filters).order_by(SurveyResponse.id), SurveyAnswer,
             SurveyAnswer.response_id)]


def _assessments(filters: Filters, include_free_text: bool, items: list[str],
                 cells: tables.Cells) -> Iterator[str]:
    for query, answer, key_of in _assessments_queries(filters, include_free_text, cells):
        yield from _unpacked(_rows([query]), items, cells, answer, key_of)


def _unpacked(rows: Iterator[tuple], items: list[str], cells: tables.Cells, answer,
              key_of) -> Iterator[str]:
    """Each assessment's row, its answers in the column of their item. A typed answer holding
    the separator (the count disagrees) is read again one answer at a time (`answer`: the
    answers' table, `key_of`: its column that says whose they are)."""
    column = {key: n for n, key in enumerate(items)}
    other = len(items)  # where an answer to an item not in the columns goes (left out)
    empty = [cells.empty] * (other + 1)
    for qid, front, answers, packed, back in rows:
        found = packed.replace(_KEY, _NEXT).split(_NEXT)
        if len(found) != 2 * answers:
            found = _one_by_one(answer, key_of, qid, cells)
        values = empty.copy()
        pairs = iter(found)
        for key, value in zip(pairs, pairs, strict=True):
            values[column.get(key, other)] = value
        values[other] = back
        yield cells.separator.join([front, *values])


def _one_by_one(answer, key_of, qid: int, cells: tables.Cells) -> list[str]:
    """A questionnaire's (or response's) item keys and cells, read one answer at a time (only
    typed text, in an export with free text, can hold a separator)."""
    return [text for row in db.session.execute(
        sa.select(answer.item_key, sa.func.coalesce(cells.value(answer.step, answer.text), ""))
        .where(key_of == qid).order_by(answer.id)) for text in row]


def _rows(queries: list[sa.Select]) -> Iterator[tuple]:
    """The rows of each query in turn, as the database driver gives them (tuples: no work per
    row in SQLAlchemy, which made 2 of the 12 seconds of a 100 000-participant CSV export),
    fetched in batches through a server-side cursor on PostgreSQL: memory stays flat."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    for query in queries:
        compiled = query.compile(dialect=connection.dialect,
                                 compile_kwargs={"render_postcompile": True})
        params = compiled.params
        if connection.dialect.name == "postgresql":
            cursor = driver.cursor(name="stegvis_export")  # server-side
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


def _texts(queries: list[sa.Select]) -> Iterator[str]:
    return (row[0] for row in _rows(queries))


def _make_enrolments(cells: tables.Cells) -> None:
    """Every enrolment, rendered once, into the temporary table the export's queries join."""
    connection = db.session.connection()
    _ENROLMENTS.drop(connection, checkfirst=True)
    _ENROLMENTS.create(connection)
    key = current_app.config["PSEUDONYM_KEY"]
    groups = {reason: group for group, reasons in EXIT_REASONS.items() for reason in reasons}
    found = connection.execute(
        sa.select(Enrolment.id, Participant.code, Participant.gender, Participant.birth_year,
                  Enrolment.start_date, Insats.name, Enrolment.referrer, Enrolment.exit_reason,
                  Enrolment.exit_date)
        .join(Participant, Enrolment.participant_id == Participant.id)
        .join(Insats, Enrolment.insats_id == Insats.id)
        .execution_options(stream_results=True, yield_per=BATCH))
    render = functools.cache(cells.render)  # a few distinct values (but the pseudonyms)
    for batch in found.partitions():
        connection.execute(_ENROLMENTS.insert(), [{
            "enrolment_id": eid, "insats": insats,
            "front": cells.separator.join((cells.render(_pseudonym(code, key)), *map(
                render, (gender, age_band(birth_year, start), insats)))),
            "back": cells.separator.join(map(render, (
                referrer, reason, groups.get(reason), f"{start:%Y-%m}",
                None if exit_date is None else f"{exit_date:%Y-%m}"))),
        } for eid, code, gender, birth_year, start, insats, referrer, reason, exit_date in batch])


def _make_questionnaires(filters: Filters, cells: tables.Cells) -> None:
    """The export's questionnaires, rendered once each by the database, into the temporary
    table the answers' queries join."""
    connection = db.session.connection()
    _QUESTIONNAIRES.drop(connection, checkfirst=True)
    _QUESTIONNAIRES.create(connection)
    found = _joined(sa.select(
        Questionnaire.id, cells.join([
            _ENROLMENTS.c.front, cells.code(Questionnaire.instrument),
            cells.number(InstrumentVersion.version), cells.code(Questionnaire.timepoint),
            cells.code(Questionnaire.respondent)]),
        cells.code(_month(Questionnaire.completed_at)),
        cells.join([_ENROLMENTS.c.back, cells.empty]),
    ).select_from(Questionnaire), filters)
    connection.execute(_QUESTIONNAIRES.insert().from_select(
        ["questionnaire_id", "front", "month", "back"], found))


def _drop_enrolments() -> None:
    for table in (_QUESTIONNAIRES, _ENROLMENTS):
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
    answers = _texts(_answers_queries(filters, include_free_text, cells))
    assessments = _assessments(filters, include_free_text, items, cells)
    _make_enrolments(cells)
    _make_questionnaires(filters, cells)
    try:
        if fmt == "xlsx":
            book = tables.Workbook(out)
            counts = ExportResult(
                book.rendered("answers", ANSWER_HEADER, answers, typed=include_free_text),
                book.rendered("assessments", header, assessments, typed=include_free_text),
                book.sheet("codebook", CODEBOOK_HEADER, codebook_rows(fmt)),
            )
            book.close()
        else:
            excel = fmt == "csv-excel"
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED,
                                 compresslevel=1) as zf:  # fast; a little larger
                counts = ExportResult(
                    _zip_lines(zf, "answers.csv", header=ANSWER_HEADER, lines=answers,
                               excel=excel),
                    _zip_lines(zf, "assessments.csv", header=header, lines=assessments,
                               excel=excel),
                    _zip_csv(zf, "codebook.csv", CODEBOOK_HEADER, codebook_rows(fmt), excel),
                )
    finally:
        _drop_enrolments()
    audit.record("export", user_id=user_id, format=fmt, start=filters.start, end=filters.end,
                 insats=filters.insats, free_text=include_free_text, answers=counts.answers,
                 assessments=counts.assessments)
    return counts


def _zip_csv(zf: zipfile.ZipFile, name: str, header, rows, excel: bool) -> int:
    with zf.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
        return tables.write_csv(f, header, rows, excel=excel)


def _zip_lines(zf: zipfile.ZipFile, name: str, header, lines: Iterator[str], excel: bool
               ) -> int:
    """CSV lines rendered by the database, under the header, as tables.write_csv writes."""
    separator = ";" if excel else ","
    count = 0
    with zf.open(name, "w") as out:
        out.write(((tables.BOM if excel else "") + separator.join(
            tables.csv_field(h, separator) for h in header) + "\r\n").encode())
        while batch := list(itertools.islice(lines, BATCH)):
            out.write(("\r\n".join(batch) + "\r\n").encode())
            count += len(batch)
    return count
