"""Import answers collected on paper or in spreadsheets (domain.md part B, "Import CSV").

The whole file is validated first. If any row is wrong nothing is imported, and every bad row is
reported with its line number and the reason. Each group of rows with the same participant,
instrument, timepoint and respondent becomes one completed questionnaire dated `answered_on`.

The professional NNS forms (an instrument whose `respondents` is personal, remittent, chefsgrupp
or styrelse) are anonymous: `participant` holds the number of the paper form, gender, birth year,
timepoint and respondent are empty and the insats may be. Rows with the same number and
instrument are one response, stored by `surveys.record` with the month only: never a participant.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from questionnaire import instruments, surveys
from questionnaire.casework import caseload, codes, schedule
from questionnaire.extensions import db
from questionnaire.models import (
    GENDERS,
    RESPONDENTS,
    TIMEPOINTS,
    Answer,
    Enrolment,
    Insats,
    Participant,
    Questionnaire,
)

COLUMNS = (
    "participant", "gender", "birth_year", "insats", "instrument", "timepoint", "respondent",
    "item", "value", "answered_on",
)
MAX_TEXT = 2000


@dataclass
class Row:
    line: int
    participant: str  # normalised (codes.normalise): the one spelling stored and looked up
    gender: str | None
    birth_year: int | None
    insats: str
    instrument: str
    timepoint: str
    respondent: str
    item: str
    step: int | None
    text: str | None
    answered_on: dt.date
    written: str = ""  # the code as written in the file, for messages
    #: `instrument@version` in the file; None = the newest version.
    version: int | None = None
    #: A professional form: `participant` is the number of an anonymous response.
    anonymous: bool = False


@dataclass
class Result:
    errors: list[tuple[int, str]] = field(default_factory=list)
    questionnaires: int = 0
    answers: int = 0
    new_participants: int = 0
    #: Anonymous responses to professional forms.
    responses: int = 0


def _parse_row(line: int, raw: dict[str, str], today: dt.date) -> tuple[Row | None, list[str]]:
    v = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    errors: list[str] = []
    inst = None
    key, _at, version_text = v["instrument"].partition("@")
    version = int(version_text) if version_text.isdigit() else None
    try:
        if _at and version is None:
            raise KeyError(key)
        inst = instruments.get(key, version)
    except KeyError:
        errors.append(_("okänt instrument %(v)s (%(known)s; en version skrivs som %(form)s)",
                        v=v["instrument"], form="KEY@2",
                        known=", ".join(i.key for i in instruments.published())))
    if inst is not None and inst.answered_anonymously:
        return _parse_anonymous(line, v, inst, today, errors)
    code = v["participant"]
    if not code:
        errors.append(_("deltagarkod saknas (participant)"))
    elif len(code) > 16 or not code.replace("-", "").isalnum():
        errors.append(_("deltagarkoden %(code)s är inte giltig", code=code))
    gender = v["gender"] or None
    if gender is not None and gender not in GENDERS:
        errors.append(_("kön måste vara kvinna, man, annat eller tomt (inte %(v)s)", v=gender))
    birth_year = None
    if v["birth_year"]:
        if not (v["birth_year"].isdigit() and len(v["birth_year"]) == 4):
            errors.append(_("födelseår måste vara fyra siffror (inte %(v)s)", v=v["birth_year"]))
        else:
            birth_year = int(v["birth_year"])
            if not 1900 <= birth_year <= today.year:
                errors.append(_("födelseåret %(v)s är inte rimligt", v=birth_year))
    if not v["insats"]:
        errors.append(_("insats saknas"))
    elif len(v["insats"]) > 120:
        errors.append(_("insatsens namn är för långt"))
    if v["timepoint"] not in TIMEPOINTS:
        errors.append(_("okänd tidpunkt %(v)s (%(codes)s)", v=v["timepoint"],
                        codes=", ".join(TIMEPOINTS)))
    respondent = v["respondent"] or "deltagare"
    if respondent not in RESPONDENTS:
        errors.append(_("svarande måste vara deltagare, handledare eller tomt (inte %(v)s)",
                        v=respondent))
    elif respondent == "handledare" and inst is not None and not inst.individual_results:
        errors.append(_("%(inst)s besvaras bara av deltagare (gruppenkät)", inst=inst.key))
    elif respondent != "handledare" and inst is not None and inst.rated_by_handledare:
        errors.append(_("%(inst)s fylls bara i av handledaren (svarande handledare)",
                        inst=inst.key))
    step, text, answered_on = _value_and_date(v, inst, today, errors)
    if errors:
        return None, errors
    return Row(line, codes.normalise(code), gender, birth_year, v["insats"], key,
               v["timepoint"], respondent, v["item"], step, text, answered_on, code,
               inst.version), []


def _parse_anonymous(line: int, v: dict[str, str], inst: instruments.Instrument,
                     today: dt.date, errors: list[str]) -> tuple[Row | None, list[str]]:
    """A row of a professional form: an anonymous response, numbered, never a participant."""
    number = v["participant"]
    if not number:
        errors.append(_("svarets nummer saknas (participant): %(inst)s besvaras anonymt",
                        inst=inst.key))
    elif (len(number) > 16 or not number.replace("-", "").isalnum()
          or not any(c.isdigit() for c in number)):
        errors.append(_("%(v)s är inget svarsnummer: %(inst)s besvaras anonymt, skriv "
                        "pappersenkätens nummer (siffror, högst 16 tecken)",
                        v=number, inst=inst.key))
    for column in ("gender", "birth_year", "timepoint", "respondent"):
        if v[column]:
            errors.append(_("%(column)s ska vara tom: %(inst)s besvaras anonymt (inte "
                            "%(v)s)", column=column, inst=inst.key, v=v[column]))
    if len(v["insats"]) > 120:
        errors.append(_("insatsens namn är för långt"))
    step, text, answered_on = _value_and_date(v, inst, today, errors)
    if errors:
        return None, errors
    return Row(line, number, None, None, v["insats"], inst.key, "", "", v["item"], step, text,
               answered_on, number, inst.version, anonymous=True), []


def _value_and_date(v: dict[str, str], inst: instruments.Instrument | None, today: dt.date,
                    errors: list[str]) -> tuple[int | None, str | None, dt.date]:
    """The item's value (step or text) and `answered_on`, checked; problems go to `errors`."""
    step = text = None
    item = inst.item(v["item"]) if inst is not None else None
    if inst is not None and item is None:
        errors.append(_("frågan %(item)s finns inte i %(inst)s", item=v["item"], inst=inst.key))
    elif item is not None and v["value"]:
        if item.is_text:
            text = v["value"]
            if len(text) > MAX_TEXT:
                errors.append(_("texten är längre än %(n)s tecken", n=MAX_TEXT))
        elif not v["value"].isdigit() or not (
                item.scale_min <= int(v["value"]) <= item.scale_max):
            errors.append(_("värdet %(v)s för %(item)s ska vara ett heltal %(min)s–%(max)s",
                            v=v["value"], item=item.key, min=item.scale_min,
                            max=item.scale_max))
        else:
            step = int(v["value"])
    try:
        answered_on = dt.date.fromisoformat(v["answered_on"])
        if len(v["answered_on"]) != 10:
            raise ValueError
        if answered_on > today:
            errors.append(_("datumet %(v)s ligger i framtiden", v=v["answered_on"]))
    except ValueError:
        errors.append(_("datum måste skrivas ÅÅÅÅ-MM-DD (inte %(v)s)", v=v["answered_on"]))
        answered_on = today
    return step, text, answered_on


def _group(row: Row) -> tuple[str, str, str, str]:
    """The rows of one questionnaire: participant, instrument, timepoint, respondent. For a
    professional form, the number and form of one paper response, and its date: forms are
    numbered anew each round, so the same number a year later is another response."""
    if row.anonymous:
        return (row.participant, row.instrument, row.answered_on.isoformat(), "")
    return (row.participant, row.instrument, row.timepoint, row.respondent)


def _new_codes(rows: list[Row], result: Result) -> None:
    """A code Stegvis does not know becomes a new participant only if it is a generated code
    (its check character right) or a legacy code of the documented shape (codes.is_legacy);
    never a name. Every row naming such a code is reported."""
    reasons: dict[str, str | None] = {}
    for row in rows:
        if row.anonymous:
            continue
        if row.participant not in reasons:
            reason = None
            if caseload.find_participant(row.written) is None:
                if codes.looks_generated(row.written):
                    if not codes.is_valid(row.written):
                        reason = _("deltagarkoden %(code)s har fel kontrolltecken och finns "
                                   "inte: kontrollera att den är rätt avskriven", code=row.written)
                elif codes.looks_like_name(row.written):
                    reason = _("%(code)s ser ut som ett namn, inte som en deltagarkod: namn får "
                               "inte importeras", code=row.written)
                elif not codes.is_legacy(row.written):
                    reason = _("deltagarkoden %(code)s finns inte och är varken en kod från "
                               "Stegvis eller en äldre kod (versaler A–Z och siffror, minst en "
                               "siffra, högst fyra bokstäver i följd)", code=row.written)
            reasons[row.participant] = reason
        if reasons[row.participant] is not None:
            result.errors.append((row.line, reasons[row.participant]))


def _check_groups(rows: list[Row], result: Result) -> None:
    """Rules across rows: one value per person, one date and one row per item per questionnaire."""
    people: dict[str, Row] = {}
    groups: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if row.anonymous:  # one response: the same number, instrument and date
            groups[_group(row)].append(row)
            continue
        first = people.setdefault(row.participant, row)
        for attr, label in (("gender", _("kön")), ("birth_year", _("födelseår"))):
            if getattr(row, attr) != getattr(first, attr):
                result.errors.append((row.line, _(
                    "%(label)s för %(code)s skiljer sig från rad %(first)s",
                    label=label, code=row.written, first=first.line)))
        groups[_group(row)].append(row)
    months: dict[tuple[str, str, str], int] = {}
    for group in groups.values():
        first = group[0]
        if first.anonymous:  # one paper form with two dates is a typo, not two responses
            month = (first.participant, first.instrument, surveys.month_of(first.answered_on))
            if months.setdefault(month, first.line) != first.line:
                result.errors.append((first.line, _(
                    "svar nummer %(number)s på %(inst)s finns redan på rad %(first)s med ett "
                    "annat datum samma månad", number=first.written, inst=first.instrument,
                    first=months[month])))
        seen: dict[str, int] = {}
        for row in group:
            if row.answered_on != group[0].answered_on:
                result.errors.append((row.line, _(
                    "samma enkät har ett annat datum på rad %(first)s", first=group[0].line)))
            if row.insats != group[0].insats:
                result.errors.append((row.line, _(
                    "samma enkät har en annan insats på rad %(first)s", first=group[0].line)))
            if row.item in seen:
                result.errors.append((row.line, _(
                    "frågan %(item)s finns redan på rad %(first)s",
                    item=row.item, first=seen[row.item])))
            seen.setdefault(row.item, row.line)
        if len({r.version for r in group}) > 1:
            result.errors.append((group[-1].line, _(
                "samma enkät har en annan version på rad %(first)s", first=group[0].line)))
            continue
        inst = instruments.get(group[0].instrument, group[0].version)
        steps = {r.item: r.step for r in group}
        asked = {i.key for i in inst.visible_items(steps)}
        for row in group:
            if row.item not in asked and (row.step is not None or row.text is not None):
                rule = inst.item(row.item).show_if
                result.errors.append((row.line, _(
                    "%(item)s besvaras bara när %(cond)s = %(step)s",
                    item=row.item, cond=rule.item, step=rule.step)))


def _existing(rows: list[Row], result: Result) -> None:
    """A questionnaire that already exists in Stegvis is not imported again."""
    groups = {_group(r): r for r in rows}
    for (_code, instrument, timepoint, respondent), row in groups.items():
        if row.anonymous:
            if surveys.paper_exists(instrument, row.participant, surveys.month_of(
                    row.answered_on), row.insats or None):
                result.errors.append((row.line, _(
                    "svar nummer %(number)s på %(inst)s från %(month)s finns redan",
                    number=row.written, inst=instrument,
                    month=surveys.month_of(row.answered_on))))
            continue
        person = caseload.find_participant(row.written)
        found = person is not None and db.session.scalar(
            sa.select(Questionnaire.id)
            .join(Enrolment)
            .join(Insats, Enrolment.insats_id == Insats.id)
            .where(
                Enrolment.participant_id == person.id, Insats.name == row.insats,
                Questionnaire.instrument == instrument, Questionnaire.timepoint == timepoint,
                Questionnaire.respondent == respondent,
            )
        )
        if found:
            result.errors.append((row.line, _(
                "%(code)s har redan en enkät %(inst)s vid %(tp)s (%(resp)s)",
                code=row.written, inst=instrument, tp=timepoint, resp=respondent)))
        if person is not None and (
            (row.gender is not None and person.gender != row.gender)
            or (row.birth_year is not None and person.birth_year != row.birth_year)
        ):
            result.errors.append((row.line, _(
                "kön eller födelseår för %(code)s skiljer sig från det som redan finns",
                code=row.written)))


def read(data: bytes, today: dt.date | None = None) -> tuple[list[Row], Result]:
    today = today or dt.date.today()
    result = Result()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, _("filen är inte UTF-8")))
        return [], result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        if missing:
            result.errors.append((1, _("kolumner saknas: %(cols)s", cols=", ".join(missing))))
        if unknown:
            result.errors.append((1, _("okända kolumner: %(cols)s", cols=", ".join(unknown))))
        if len(set(header)) != len(header):
            result.errors.append((1, _("en kolumn finns två gånger")))
        return [], result
    rows: list[Row] = []
    try:
        for raw in reader:
            if None in raw:
                result.errors.append((reader.line_num, _("raden har för många fält")))
                continue
            if not any((value or "").strip() for value in raw.values()):
                continue  # blank line
            row, errors = _parse_row(reader.line_num, raw, today)
            result.errors.extend((reader.line_num, e) for e in errors)
            if row is not None:
                rows.append(row)
    except csv.Error as e:
        result.errors.append((reader.line_num, _("filen kan inte läsas som CSV: %(e)s", e=e)))
    if not rows and not result.errors:
        result.errors.append((1, _("filen har inga rader att importera")))
    _new_codes(rows, result)
    if not result.errors:
        _check_groups(rows, result)
        _existing(rows, result)
    result.errors.sort(key=lambda e: e[0])
    return rows, result


def _insats(name: str) -> Insats:
    insats = db.session.scalar(sa.select(Insats).filter_by(name=name))
    if insats is None:
        insats = Insats(name=name, schedule=schedule.default_schedule())
        db.session.add(insats)
    return insats


def store(rows: list[Row], result: Result) -> None:
    """Write validated rows (flushes; the caller commits)."""
    groups: dict[tuple[str, str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[_group(row)].append(row)
    for (code, instrument, timepoint, respondent), group in groups.items():
        first = group[0]
        if first.anonymous:
            _store_response(group, result)
            continue
        person = caseload.find_participant(first.written)
        if person is None:
            person = Participant(code=code, gender=first.gender, birth_year=first.birth_year)
            db.session.add(person)
            db.session.flush()
            result.new_participants += 1
        insats = _insats(first.insats)
        db.session.flush()
        enrolment = db.session.scalar(
            sa.select(Enrolment).filter_by(participant_id=person.id, insats_id=insats.id)
        )
        start = min(
            r.answered_on for r in rows
            if r.participant == code and r.insats == insats.name and not r.anonymous
        )
        if enrolment is None:
            enrolment = Enrolment(participant_id=person.id, insats_id=insats.id, start_date=start)
            db.session.add(enrolment)
        elif start < enrolment.start_date:
            enrolment.start_date = start
        db.session.flush()
        inst = instruments.get(instrument, first.version)
        when = dt.datetime.combine(first.answered_on, dt.time(12))
        q = Questionnaire(
            enrolment_id=enrolment.id, instrument_version_id=instruments.version_row(inst).id,
            instrument=instrument,
            timepoint=timepoint, respondent=respondent, source="paper", language="sv",
            started_at=when, completed_at=when,
        )
        db.session.add(q)
        db.session.flush()
        for row in group:
            if row.step is None and row.text is None:
                continue  # empty value: not answered
            item = inst.item(row.item)
            db.session.add(Answer(
                questionnaire_id=q.id, instrument_version_id=q.instrument_version_id,
                item_key=row.item, scale_min=item.scale_min, scale_max=item.scale_max,
                step=row.step, text=row.text,
                declined=False, answered_at=when,
            ))
            result.answers += 1
        result.questionnaires += 1
    db.session.flush()


def _store_response(group: list[Row], result: Result) -> None:
    """One anonymous response to a professional form (never a participant)."""
    first = group[0]
    inst = instruments.get(first.instrument, first.version)
    values = {r.item: r.step if r.step is not None else r.text for r in group}
    month = surveys.month_of(first.answered_on)
    insats = _insats(first.insats) if first.insats else None
    # A paper form of a survey round counts in it (the round's printed form names no round:
    # the one round of this form, NNS year and insats, if there is exactly one).
    survey_round = surveys.round_for_paper(inst.key, month, insats)
    surveys.record(inst, values, month=month, source="paper", insats=insats,
                   round_id=survey_round.id if survey_round is not None else None,
                   paper_number=first.participant)
    result.responses += 1
    result.answers += sum(v is not None for v in values.values())


def import_file(data: bytes, today: dt.date | None = None) -> Result:
    """Validate, and store only when every row is right (flushes; the caller commits)."""
    rows, result = read(data, today)
    if not result.errors:
        store(rows, result)
    return result
