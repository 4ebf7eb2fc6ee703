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

The database does the joins and the formatting (months, age bands, the formula guard): its rows
go straight into the CSV writer. What is said about an enrolment (pseudonym, a keyed hash; age
band; referrer; exit) is formatted once per enrolment into a temporary table that the queries
join. Rows are streamed: memory stays flat.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

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
    return hmac.new(key.encode(), codes.normalise(code).encode(),
                    hashlib.sha256).hexdigest()[:16]


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


# The formatting, done by the database -------------------------------------------------------

#: One row per enrolment with everything the export says about it, formatted once (in Python:
#: the pseudonym is a keyed hash), joined by the export's queries. Temporary: gone after export.
_ENROLMENTS = sa.Table(
    "export_enrolment", sa.MetaData(),
    sa.Column("enrolment_id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.String(120)) for name in (
        "pseudonym", "gender", "age_band", "insats", "insats_csv", "referrer", "exit_reason",
        "exit_group", "enrolment_month", "exit_month")),
    prefixes=["TEMPORARY"],
)


def _guard(column, csv: bool):
    """For CSV, tables.excel_safe in SQL: a text that starts like a formula gets an apostrophe
    first. (A workbook's string cells are never run: no apostrophe there.)"""
    if not csv:
        return column
    return sa.case((sa.func.substr(column, 1, 1).in_(tables.FORMULA_START),
                    sa.literal("'") + column), else_=column)


def _month(column):
    """YYYY-MM of a date or timestamp (ISO text on SQLite and PostgreSQL alike)."""
    return sa.func.substr(sa.cast(column, sa.String), 1, 7)


def _common(csv: bool) -> list:
    e = _ENROLMENTS.c
    return [e.pseudonym, e.gender, e.age_band, e.insats_csv if csv else e.insats,
            Questionnaire.instrument, InstrumentVersion.version, Questionnaire.timepoint,
            Questionnaire.respondent]


def _enrolment() -> list:
    e = _ENROLMENTS.c
    return [e.referrer, e.exit_reason, e.exit_group, e.enrolment_month, e.exit_month]


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


def _labelled(*columns) -> list:
    """Columns named c0, c1, … (the parts of a UNION ALL line up by position)."""
    return [c.label(f"c{n}") for n, c in enumerate(columns)]


#: Columns at the end of each part that order the rows and are not written.
_ORDER = 3


def _in_order(*parts: sa.Select) -> sa.Select:
    """The parts one after the other (participants, then professional responses), each in the
    order of its last _ORDER columns, which are left out of the rows."""
    union = sa.union_all(*parts).subquery()
    columns = list(union.c)
    return sa.select(*columns[:-_ORDER]).order_by(*columns[-_ORDER:])


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


def _answers_query(filters: Filters, include_free_text: bool, csv: bool) -> sa.Select:
    """answers.csv, one row per answer. For CSV one text column `value`; for a workbook steps
    as numbers and text in a column of its own (answer_rows makes them one). The participants'
    answers, then the professional responses' (form, group, month and round only)."""
    text = _guard(Answer.text, csv)
    value = [sa.func.coalesce(sa.cast(Answer.step, sa.String), text)] if csv else [
        Answer.step, text]
    query = sa.select(*_labelled(
        *_common(csv), Answer.item_key, *value, sa.case((Answer.declined, 1), else_=0),
        _month(Questionnaire.completed_at), *_enrolment(), sa.null(),
        sa.literal_column("0"), Questionnaire.id, Answer.id,
    )).select_from(Questionnaire).join(Answer, Answer.questionnaire_id == Questionnaire.id)
    if not include_free_text:
        query = query.where(Answer.scale_max > 0)
    none = sa.null()
    text = _guard(SurveyAnswer.text, csv)
    value = [sa.func.coalesce(sa.cast(SurveyAnswer.step, sa.String), text)] if csv else [
        SurveyAnswer.step, text]
    professional = sa.select(*_labelled(
        none, none, none, none, SurveyResponse.instrument, InstrumentVersion.version, none,
        _respondent_group(), SurveyAnswer.item_key, *value, none, SurveyResponse.answered_month,
        *(none,) * len(ENROLMENT_COLUMNS), SurveyResponse.round_id,
        sa.literal_column("1"), SurveyResponse.id, SurveyAnswer.id,
    )).select_from(SurveyResponse).join(SurveyAnswer,
                                        SurveyAnswer.response_id == SurveyResponse.id)
    if not include_free_text:
        professional = professional.where(SurveyAnswer.scale_max > 0)
    return _in_order(_joined(query, filters), _professional(professional, filters))


def _pivot(answer, key_of, items: list[tuple[str, bool]], include_free_text: bool, csv: bool):
    """One row per questionnaire or response (`key_of`), its answers as columns i0, i1, …"""
    pivot = (
        sa.select(key_of.label("qid"), *(
            sa.func.max(sa.case((answer.item_key == key, _guard(answer.text, csv) if is_text
                                 else answer.step))).label(f"i{n}")
            for n, (key, is_text) in enumerate(items)))
        .group_by(key_of)
    )
    if not include_free_text:
        pivot = pivot.where(answer.scale_max > 0)
    return pivot.subquery()


def _assessments_query(filters: Filters, include_free_text: bool, csv: bool) -> sa.Select:
    """assessments.csv, one row per questionnaire with its answers as columns; then one row per
    professional response."""
    items = [(k, t) for k, t in _items() if include_free_text or not t]
    pivot = _pivot(Answer, Answer.questionnaire_id, items, include_free_text, csv)
    query = sa.select(*_labelled(
        *_common(csv), _month(Questionnaire.completed_at), *(pivot.c[f"i{n}"] for n in range(
            len(items))), *_enrolment(), sa.null(),
        sa.literal_column("0"), Questionnaire.id, Questionnaire.id,
    )).select_from(Questionnaire).join(pivot, pivot.c.qid == Questionnaire.id)
    answers = _pivot(SurveyAnswer, SurveyAnswer.response_id, items, include_free_text, csv)
    none = sa.null()
    professional = sa.select(*_labelled(
        none, none, none, none, SurveyResponse.instrument, InstrumentVersion.version, none,
        _respondent_group(), SurveyResponse.answered_month,
        *(answers.c[f"i{n}"] for n in range(len(items))), *(none,) * len(ENROLMENT_COLUMNS),
        SurveyResponse.round_id, sa.literal_column("1"), SurveyResponse.id, SurveyResponse.id,
    )).select_from(SurveyResponse).join(answers, answers.c.qid == SurveyResponse.id)
    return _in_order(_joined(query, filters), _professional(professional, filters))


def _rows(query: sa.Select) -> Iterator[sa.Row]:
    """The database's rows as they are, fetched in batches."""
    result = db.session.connection().execute(
        query.execution_options(stream_results=True, yield_per=BATCH))
    with result:
        for batch in result.partitions():
            yield from batch


def _make_enrolments() -> None:
    """Every enrolment, formatted once, into the temporary table the export's queries join."""
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
    for batch in found.partitions():
        connection.execute(_ENROLMENTS.insert(), [{
            "enrolment_id": eid, "pseudonym": _pseudonym(code, key), "gender": gender,
            "age_band": age_band(birth_year, start) or None, "insats": insats,
            "insats_csv": tables.excel_safe(insats), "referrer": referrer,
            "exit_reason": reason, "exit_group": groups.get(reason),
            "enrolment_month": f"{start:%Y-%m}",
            "exit_month": None if exit_date is None else f"{exit_date:%Y-%m}",
        } for eid, code, gender, birth_year, start, insats, referrer, reason, exit_date in batch])


def _drop_enrolments() -> None:
    _ENROLMENTS.drop(db.session.connection(), checkfirst=True)


# Rows in Python: for the workbook, and for the tests ---------------------------------------

def answer_rows(filters: Filters, include_free_text: bool) -> Iterator[list]:
    """answers.csv's rows, steps as numbers (the workbook's answers sheet)."""
    for row in _rows(_answers_query(filters, include_free_text, csv=False)):
        step, text = row[9], row[10]
        yield [*row[:9], step if step is not None else text, *row[11:]]


def assessment_rows(filters: Filters, include_free_text: bool, csv: bool = False
                    ) -> Iterator[sa.Row]:
    return _rows(_assessments_query(filters, include_free_text, csv))


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
    _make_enrolments()
    try:
        if fmt == "xlsx":
            book = tables.Workbook(out)
            counts = ExportResult(
                book.sheet("answers", ANSWER_HEADER, answer_rows(filters, include_free_text)),
                book.sheet("assessments", header, assessment_rows(filters, include_free_text)),
                book.sheet("codebook", CODEBOOK_HEADER, codebook_rows(fmt)),
            )
            book.close()
        else:
            excel = fmt == "csv-excel"
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED,
                                 compresslevel=1) as zf:  # fast; a little larger
                counts = ExportResult(
                    _zip_query(zf, "answers.csv", ANSWER_HEADER,
                               _answers_query(filters, include_free_text, csv=True), excel,
                               include_free_text),
                    _zip_query(zf, "assessments.csv", header,
                               _assessments_query(filters, include_free_text, csv=True), excel,
                               include_free_text),
                    _zip_csv(zf, "codebook.csv", CODEBOOK_HEADER, codebook_rows(fmt), excel,
                             prepared=False),
                )
    finally:
        _drop_enrolments()
    audit.record("export", user_id=user_id, format=fmt, start=filters.start, end=filters.end,
                 insats=filters.insats, free_text=include_free_text, answers=counts.answers,
                 assessments=counts.assessments)
    return counts


def _zip_csv(zf: zipfile.ZipFile, name: str, header, rows, excel: bool,
             prepared: bool = True) -> int:
    """Rows from the database are already safe (the formula guard done in SQL) and hold no
    decimals: they go to the CSV writer as they are."""
    with zf.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
        return tables.write_csv(f, header, rows, excel=excel, prepared=prepared)


#: PostgreSQL writes the CSV itself (COPY … TO STDOUT) when it can write it exactly as Python's
#: csv module would (no free text: no line breaks inside cells).
USE_COPY = True


def _zip_query(zf: zipfile.ZipFile, name: str, header, query: sa.Select, excel: bool,
               free_text: bool) -> int:
    connection = db.session.connection()
    if not (USE_COPY and connection.dialect.name == "postgresql" and not free_text):
        return _zip_csv(zf, name, header, _rows(query), excel)
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})
    delimiter = ";" if excel else ","
    sql = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    with zf.open(name, "w") as out:
        out.write(((tables.BOM if excel else "") + delimiter.join(header) + "\r\n").encode())
        cursor = connection.connection.dbapi_connection.cursor()
        with cursor:
            with cursor.copy(sql, compiled.params) as copy:
                for data in copy:  # whole rows, "\n" only at their ends (no free text)
                    out.write(bytes(data).replace(b"\n", b"\r\n"))
            return cursor.rowcount
