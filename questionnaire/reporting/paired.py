"""Paired self-rating change: the same people at intake and later, area by area, for any
self-rating instrument (`Filters.instrument`, SKAPA by default; a förbund's own 0–4 form too).

Two comparisons, one block of rows each (`comparison`):
- `latest`: a person's latest self-rating after intake (any timepoint but intake, the exit
  included) completed in the period, against the intake rating of the same enrolment;
- `exit`: a person's exit self-rating completed in the period, against that intake rating.
Only the participant's own ratings (respondent deltagare), only areas answered both times: `n`
is the people with that area answered at both ends. `intake_mean` and `end_mean` are the same
people's means at the two ends (so a spider diagram of them compares like with like),
`mean_change` the mean of their differences (end minus intake: positive is better, the scale's
last step being the best), and the shares improved / unchanged / worse are of those people.
Means have two decimals, shares one (half up); `mean_change` is computed from the differences, so
it may differ by 0.01 from `end_mean - intake_mean`.

Groups as in every report: samtliga (everyone, annat and not stated included), kvinnor, män; the
small-group rule of reports.py. Counted in SQL: one count per (area, group, intake step, end
step), never one row per answer.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Answer, Questionnaire
from questionnaire.reporting import reports
from questionnaire.reporting.reports import GROUPS, Filters

HEADER = reports.PAIRED_HEADER
COMPARISONS = ("latest", "exit")
_CENT = Decimal("0.01")


def _ends(filters: Filters, comparison: str):
    """The later rating of each pair: the latest after intake, or the exit rating."""
    if comparison == "exit":
        return reports.completed(filters, [filters.instrument], timepoints=["exit"])
    later = [t for t in reports.TIMEPOINTS if t != "intake"]
    return reports.completed(filters, [filters.instrument], timepoints=later,
                             per_timepoint=False)


def _counts(filters: Filters, comparison: str) -> dict[tuple[str, str, int, int], int]:
    """(area, gender group, intake step, end step) -> persons."""
    ends = _ends(filters, comparison)
    intake = so.aliased(Questionnaire)
    end_a, intake_a = so.aliased(Answer), so.aliased(Answer)
    group = reports._group_sql(ends.c.gender)
    query = (
        sa.select(end_a.item_key, group, intake_a.step, end_a.step, sa.func.count())
        .select_from(ends)
        .join(intake, sa.and_(intake.enrolment_id == ends.c.eid,
                              intake.instrument == filters.instrument,
                              intake.timepoint == "intake", intake.respondent == "deltagare",
                              intake.completed_at.is_not(None)))
        .join(end_a, sa.and_(end_a.questionnaire_id == ends.c.qid, end_a.step.is_not(None)))
        .join(intake_a, sa.and_(intake_a.questionnaire_id == intake.id,
                                intake_a.item_key == end_a.item_key, intake_a.step.is_not(None)))
        .group_by(end_a.item_key, group, intake_a.step, end_a.step)
    )
    return {(item, g, before, after): count
            for item, g, before, after, count in db.session.execute(query)}


def _figures(pairs: dict[tuple[int, int], int]) -> dict:
    n = sum(pairs.values())
    before = sum(b * c for (b, _a), c in pairs.items())
    after = sum(a * c for (_b, a), c in pairs.items())
    better = sum(c for (b, a), c in pairs.items() if a > b)
    worse = sum(c for (b, a), c in pairs.items() if a < b)

    def mean(total: int) -> Decimal:
        return (Decimal(total) / n).quantize(_CENT, ROUND_HALF_UP)

    return {"n": n, "intake_mean": mean(before), "end_mean": mean(after),
            "mean_change": mean(after - before), "improved_pct": reports.pct(better, n),
            "unchanged_pct": reports.pct(n - better - worse, n),
            "worse_pct": reports.pct(worse, n)}


def rows(filters: Filters) -> list[dict]:
    """One row per comparison, rated area and group (blank where the small-group rule says)."""
    areas = filters.self_rating().areas
    found = []
    for comparison in COMPARISONS:
        per_area: dict[str, dict[str, dict[tuple[int, int], int]]] = defaultdict(
            lambda: defaultdict(dict))
        for (item, g, before, after), count in _counts(filters, comparison).items():
            per_area[item][g][(before, after)] = count
        for area in areas:
            by_gender = per_area[area.key]
            persons = {"samtliga": sum(sum(p.values()) for p in by_gender.values()),
                       "kvinnor": sum(by_gender["kvinnor"].values()),
                       "man": sum(by_gender["man"].values())}
            shown = reports.visible_groups(persons, filters.min_group)
            for group in GROUPS:
                row = dict.fromkeys(HEADER)
                row.update(comparison=comparison, item=area.key, group=group)
                if group in shown and persons[group]:
                    if group == "samtliga":
                        pairs: dict[tuple[int, int], int] = defaultdict(int)
                        for counts in by_gender.values():
                            for key, count in counts.items():
                                pairs[key] += count
                    else:
                        pairs = by_gender[group]
                    row.update(_figures(pairs))
                found.append(row)
    return found


def chart(inst: instruments.Instrument, shown: list[dict]) -> dict | None:
    """The group spider diagram: the means at intake and at exit of the same people (the
    `exit` comparison's samtliga rows as shown, after the small-group rule)."""
    from questionnaire.reporting import chart as chart_module  # Plotly only where a chart is shown

    means = {r["item"]: r for r in shown
             if (r["comparison"], r["group"]) == ("exit", "samtliga") and r["n"] is not None}
    if not means:
        return None
    keys = [i.key for i in inst.areas]

    def values(column: str) -> list[float | None]:
        return [float(means[k][column]) if k in means else None for k in keys]

    traces = [chart_module.Trace(_("Inskrivning (samma personer)"), values("intake_mean")),
              chart_module.Trace(_("Avslut"), values("end_mean"), strong=True)]
    return {"figure": chart_module.figure(inst, traces), "traces": len(traces)}
