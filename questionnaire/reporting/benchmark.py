"""Comparison between förbund without sharing raw data (docs/benchmark.md).

`write` builds a benchmark file: the group figures of whole NNS years that have ended (participant
counts, the NNS table, stegförflyttning of every self-rating instrument), under the small-group
rule, as versioned JSON. Nothing about a person, an insats or a staff member is in it: only
förbund totals, every row about fewer than K persons blank. The NNS and stegförflyttning rows are
the web reports' for the whole year (`disclosure`), so a file shows nothing the report
page would not.

`read` validates a file whole (every problem with where it is, nothing half-read); `compare` puts
this förbund beside the others and their median.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, Participant
from questionnaire.reporting import disclosure, periods, reports
from questionnaire.reporting.reports import GROUPS, NNS_FORMS, NNS_HEADER, NNS_PROFESSIONAL_FORMS

FORMAT = "stegvis-benchmark"
SCHEMA_VERSION = 1
#: A file larger than this is not a benchmark file (a year is a few hundred kB at most).
MAX_BYTES = 5 * 1024 * 1024
PARTICIPANT_MEASURES = ("new", "ongoing", "exited")
NNS_PCT = ("negative_pct", "neutral_pct", "positive_pct", "clearly_positive_pct",
           "response_rate_pct")
#: A förbund's name: it becomes a column header, so no formula, no control characters.
NAME = re.compile(r"[^\W_][\w .,&()'/-]{0,99}")

COMPARE_HEADER = ("period", "table", "form", "item", "group", "figure")
#: The figures `compare` shows, per table.
COMPARED = {"participants": PARTICIPANT_MEASURES, "nns": ("answered", "positive_pct"),
            "progression": ("n", "any_improved_pct")}


def valid_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


# --- Writing ---------------------------------------------------------------------------------

def _number(value: Any) -> Any:
    """Decimals as JSON numbers (one decimal, as in the reports)."""
    return float(value) if isinstance(value, Decimal) else value


def participants(year: periods.Period, k: int) -> list[dict]:
    """Persons per gender group who started (`new`), took part at some time (`ongoing`: started
    by the end, not exited before the start) and exited in the period, in any insats. A person in
    two insatser counts once. Blank below K; kvinnor and män shown only when both reach K."""
    group = reports._group_sql(Participant.gender)
    base = sa.select(group, sa.func.count(sa.distinct(Enrolment.participant_id))).join(
        Participant, Enrolment.participant_id == Participant.id).group_by(group)
    queries = {
        "new": base.where(Enrolment.start_date.between(year.start, year.end)),
        "ongoing": base.where(Enrolment.start_date <= year.end, sa.or_(
            Enrolment.exit_date.is_(None), Enrolment.exit_date >= year.start)),
        "exited": base.where(Enrolment.exit_date.between(year.start, year.end)),
    }
    rows = [{"group": g, **dict.fromkeys(PARTICIPANT_MEASURES)} for g in GROUPS]
    for measure, query in queries.items():
        counts = dict(db.session.execute(query).all())
        persons = {"samtliga": sum(counts.values()), "kvinnor": counts.get("kvinnor", 0),
                   "man": counts.get("man", 0)}
        shown = reports.visible_groups(persons, k)
        for row in rows:
            if row["group"] in shown and persons[row["group"]]:
                row[measure] = persons[row["group"]]
    return rows


def _self_ratings() -> list[instruments.Instrument]:
    return [i for i in instruments.published() if i.individual_results and i.areas]


def period_figures(year: periods.Period, k: int, k_professional: int) -> dict:
    """One NNS year's figures, as the file holds them."""
    insatser = list(db.session.scalars(sa.select(Insats.name).order_by(Insats.name)))
    nns = [{h: _number(r[h]) for h in NNS_HEADER}
           for r in disclosure.report("nns", year, None, k, insatser,
                                      k_professional=k_professional)]
    progression = []
    for inst in _self_ratings():
        for r in disclosure.report("progression", year, None, k, insatser, inst.key):
            areas = sorted((key for key in r if key.startswith("areas_")),
                           key=lambda key: int(key.split("_")[1]))
            progression.append({
                "instrument": inst.key, "group": r["group"], "n": r["n"],
                "areas_pct": [_number(r[a]) for a in areas],
                "any_improved_pct": _number(r["any_improved_pct"])})
    return {"period": year.key, "start": year.start.isoformat(), "end": year.end.isoformat(),
            "participants": participants(year, k), "nns": nns, "progression": progression}


def build(name: str, years: Iterable[periods.Period], k: int, k_professional: int,
          version: str, today: dt.date) -> dict:
    """The content of a benchmark file (schema version SCHEMA_VERSION, docs/benchmark.md)."""
    return {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "forbund": name,
        "created": today.isoformat(), "generator": f"Stegvis {version}",
        "min_group": k, "min_group_professional": k_professional,
        "periods": [period_figures(y, k, k_professional) for y in sorted(set(years))],
    }


# --- Reading ---------------------------------------------------------------------------------

@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{where}: {message}" if where else message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and value == value  # not NaN


def _count(problems: Problems, where: str, value: Any, k: int) -> None:
    """A count of persons: empty, or a whole number of at least K."""
    if value is None:
        return
    if not _is_int(value) or value < 0:
        problems.add(where, _("ska vara ett heltal eller tomt (null), inte %(v)s",
                              v=json.dumps(value)[:40]))
    elif value < k:
        problems.add(where, _("%(v)s personer är färre än filens minsta gruppstorlek %(k)s: "
                              "filen följer inte regeln om små grupper", v=value, k=k))


def _share(problems: Problems, where: str, value: Any, low: float = 0) -> None:
    if value is None:
        return
    if not _is_number(value) or not low <= value <= 100:
        problems.add(where, _("ska vara en andel mellan %(low)s och 100 eller tomt (null), inte "
                              "%(v)s", low=int(low), v=json.dumps(value)[:40]))


def _rows(problems: Problems, where: str, value: Any) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        problems.add(where, _("ska vara en lista med rader"))
        return []
    return value


def _group(problems: Problems, where: str, row: dict) -> None:
    if row.get("group") not in GROUPS:
        problems.add(f"{where}.group", _("ska vara en av %(v)s", v=", ".join(GROUPS)))


def _check_period(problems: Problems, where: str, p: Any, today: dt.date, k: int,
                  k_professional: int) -> str | None:
    if not isinstance(p, dict):
        problems.add(where, _("ska vara ett objekt"))
        return None
    key = p.get("period")
    year = periods.parse(key) if isinstance(key, str) else None
    if year is None or year.level != "year":
        problems.add(f"{where}.period", _("ska vara ett NNS-år (ÅÅÅÅ), inte %(v)s",
                                          v=json.dumps(key)[:40]))
    elif year.end >= today:
        problems.add(f"{where}.period", _("NNS-året %(v)s är inte slut än", v=key))
    elif (p.get("start"), p.get("end")) != (year.start.isoformat(), year.end.isoformat()):
        problems.add(where, _("start och end stämmer inte med NNS-året %(v)s", v=key))
    for n, row in enumerate(_rows(problems, f"{where}.participants", p.get("participants"))):
        here = f"{where}.participants[{n}]"
        _group(problems, here, row)
        for measure in PARTICIPANT_MEASURES:
            _count(problems, f"{here}.{measure}", row.get(measure), k)
    forms = {*NNS_FORMS, *NNS_PROFESSIONAL_FORMS}
    for n, row in enumerate(_rows(problems, f"{where}.nns", p.get("nns"))):
        here = f"{where}.nns[{n}]"
        if row.get("form") not in forms or not isinstance(row.get("item"), str):
            problems.add(here, _("form eller item saknas eller är okänd"))
            continue
        _group(problems, here, row)
        professional = row["form"] in NNS_PROFESSIONAL_FORMS
        _count(problems, f"{here}.answered", row.get("answered"),
               k_professional if professional else k)
        if row.get("n") is not None and not (_is_int(row["n"]) and row["n"] >= 0):
            problems.add(f"{here}.n", _("ska vara ett heltal eller tomt (null)"))
        for column in NNS_PCT:
            _share(problems, f"{here}.{column}", row.get(column))
        _share(problems, f"{here}.change_pp", row.get("change_pp"), low=-100)
    for n, row in enumerate(_rows(problems, f"{where}.progression", p.get("progression"))):
        here = f"{where}.progression[{n}]"
        if not isinstance(row.get("instrument"), str) or not row["instrument"]:
            problems.add(f"{here}.instrument", _("saknas"))
        _group(problems, here, row)
        _count(problems, f"{here}.n", row.get("n"), k)
        shares = row.get("areas_pct")
        if not isinstance(shares, list):
            problems.add(f"{here}.areas_pct", _("ska vara en lista med andelar"))
        else:
            for i, share in enumerate(shares):
                _share(problems, f"{here}.areas_pct[{i}]", share)
        _share(problems, f"{here}.any_improved_pct", row.get("any_improved_pct"))
    return key if isinstance(key, str) else None


def validate(data: Any, today: dt.date) -> list[str]:
    """Every problem of a parsed benchmark file (empty: the file is good)."""
    problems = Problems()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        problems.add("format", _("det här är ingen jämförelsefil från Stegvis (format ska vara "
                                 "%(f)s)", f=FORMAT))
        return problems.found
    version = data.get("schema_version")
    if not _is_int(version) or version < 1:
        problems.add("schema_version", _("saknas eller är inte ett positivt heltal"))
        return problems.found
    if version > SCHEMA_VERSION:
        problems.add("schema_version", _("filen har schemaversion %(v)s, men den här Stegvis "
                                         "kan läsa version %(mine)s: uppdatera Stegvis",
                                         v=version, mine=SCHEMA_VERSION))
        return problems.found
    name = data.get("forbund")
    if not isinstance(name, str) or not valid_name(name):
        problems.add("forbund", _("förbundets namn saknas eller har tecken som inte är "
                                  "tillåtna (bokstäver, siffror, mellanslag och .,&()'/-)"))
    k, k_professional = data.get("min_group"), data.get("min_group_professional")
    for key, value in (("min_group", k), ("min_group_professional", k_professional)):
        if not _is_int(value) or value < 1:
            problems.add(key, _("ska vara ett heltal, minst 1"))
    if problems.found:
        return problems.found
    found = data.get("periods")
    if not isinstance(found, list) or not found:
        problems.add("periods", _("saknas eller är tom"))
        return problems.found
    seen: set[str] = set()
    for n, p in enumerate(found):
        key = _check_period(problems, f"periods[{n}]", p, today, k, k_professional)
        if key in seen:
            problems.add(f"periods[{n}]", _("NNS-året %(v)s finns två gånger", v=key))
        seen.add(key or "")
    return problems.found


def read(raw: bytes, today: dt.date) -> tuple[dict | None, list[str]]:
    """A benchmark file's content, or None and its problems."""
    if len(raw) > MAX_BYTES:
        return None, [_("filen är större än %(mb)s MB: det är ingen jämförelsefil",
                        mb=MAX_BYTES // 1024 // 1024)]
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [_("filen är inte UTF-8-text")]
    except json.JSONDecodeError as e:
        return None, [_("filen är ingen giltig JSON (rad %(line)s, kolumn %(col)s: %(msg)s)",
                        line=e.lineno, col=e.colno, msg=e.msg)]
    problems = validate(data, today)
    return (None, problems) if problems else (data, [])


# --- Comparing -------------------------------------------------------------------------------

def _figures(data: dict) -> dict[tuple, Any]:
    """(period, table, form, item, group, figure) -> value, for the figures compare shows."""
    found: dict[tuple, Any] = {}
    for p in data["periods"]:
        for r in p["participants"]:
            for m in COMPARED["participants"]:
                found[(p["period"], "participants", "", "", r["group"], m)] = r.get(m)
        for r in p["nns"]:
            for m in COMPARED["nns"]:
                found[(p["period"], "nns", r["form"], r["item"], r["group"], m)] = r.get(m)
        for r in p["progression"]:
            for m in COMPARED["progression"]:
                found[(p["period"], "progression", r["instrument"], "", r["group"], m)] = \
                    r.get(m)
    return found


def _median(values: list) -> Any:
    present = [Decimal(str(v)) for v in values if v is not None]
    if not present:
        return None
    middle = statistics.median(present)
    if all(_is_int(v) for v in values if v is not None) and middle == middle.to_integral():
        return int(middle)
    return middle.quantize(Decimal("0.1"), ROUND_HALF_UP)


def _shown(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return value


def compare(here: dict, others: list[dict]) -> tuple[tuple[str, ...], list[dict]]:
    """This förbund (`here`, built for the same NNS years) beside the others and the others'
    median: one row per figure, in the files' order of periods and rows."""
    names = [o["forbund"] for o in others]
    header = (*COMPARE_HEADER, "this", *names, "median_others")
    theirs = [_figures(o) for o in others]
    mine = _figures(here)
    keys: dict[tuple, None] = {}
    for found in (mine, *theirs):
        keys.update(dict.fromkeys(found))
    order = {t: n for n, t in enumerate(COMPARED)}
    rows = []
    for key in sorted(keys, key=lambda k: (k[0], order[k[1]])):  # stable: files' row order
        values = [t.get(key) for t in theirs]
        rows.append({**dict(zip(COMPARE_HEADER, key, strict=True)), "this": _shown(mine.get(key)),
                     **{n: _shown(v) for n, v in zip(names, values, strict=True)},
                     "median_others": _median(values)})
    return header, rows
