"""What the web group reports may show: the small-group rule made safe against differencing.

A rule applied to each report on its own ("a row about fewer than K persons is blank") cannot stop
subtraction: two reports whose populations differ by one person give that person's answers. The
web reports (the report page and its CSV/Excel downloads) therefore follow one rule across every
report a user can ask for:

1. **Periods**: only whole reporting periods of an NNS year that has ended (`periods`):
   the year, its half-years, its quarters. Any two are disjoint or nested. Who counts is decided
   over the whole NNS year and all insatser (Filters.population), so a period's report is exactly
   the union of its cells.
2. **Cells**: an NNS year is cut into cells of quarter × insats × gender (kvinna, man, other =
   annat or not stated). For each row of a report (an NNS item of a form, a SKAPA area, ...) one
   *grid* is chosen: the first of these that has no cell with between 1 and K-1 persons (persons
   as the report counts them: for NNS those who answered the item) --
   quarter/half/year with gender and insats, then quarter/half/year with gender only, then with
   insats only, then neither. No grid fits when even the whole year has 1..K-1 persons.
3. **What is shown**: a row (period, group, insats) shows figures only if it is a union of whole
   cells of its grid: the period is at least as long as the grid's, a kvinnor/män row only with a
   gender grid, one insats only with an insats grid. Otherwise it is blank, exactly like a row
   without data (and the per-row rule of domain.md still applies on top).

Breakdowns (issue 16 item 3, `report_by`): by insats, each insats's own report; by referrer or
age band (questionnaire.reporting.breakdown), the category is one more dimension of every cell, so a
category's row is a union of cells of that category, all of them 0 or at least K. Participant
counts on one day (`Shape.states`: enrolled at the period's start or end) take the cell of the
block's first or last quarter instead of the sum, and fit a grid only where the flows that change
them (`Shape.flows`: new, exited) fit it too; a row that is the sum of others (`Shape.sums`) is
shown only where each part is.

The end point of stegförflyttning (`end`: exit, exit+6m or exit+12m) is part of what is counted:
each end point's report has its own grids, computed (and cached) under that end point, so every
figure of it is again a sum over cells of 0 or at least K persons of that end point. Reports with
different end points count different ratings (not a group and a part of it), so subtracting one
from the other gives no group's figures.

The professional NNS rows (anonymous responses of personal, remittent, chefsgrupp, styrelse) have
no gender and are not split by insats: their cells are the quarters alone, their grids quarter,
half or year without gender or insats, and their K is the professional one (default 5). A report
for one insats leaves them blank. (A response keeps its month only; the periods are whole months.)

Every figure shown is thus a sum over cells that hold 0 or at least K persons: subtracting any two
reports (or adding and subtracting several) can only give sums over such cells, never a group of
1..K-1 persons. `tests/test_report_periods.py` checks this over every allowed pair. The command
line `report` keeps its free `--from/--to` (domain.md part B): it is for operators on the server,
who can read the database anyway.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, Questionnaire
from questionnaire.reporting import breakdown, paired, reports
from questionnaire.reporting.periods import LEVELS, Period
from questionnaire.reporting.reports import GROUPS, Filters


@dataclass(frozen=True)
class Shape:
    """How to read a report's rows: which columns name the row, whose persons it counts."""

    compute: Callable[[Filters], list[dict]]
    key: tuple[str, ...]
    group: str | None = "group"  # the column naming the gender row; None: one row for everyone
    persons: str | None = "n"  # the column with the persons a row is about
    group_columns: bool = False  # one column per gender group instead (the exits report)
    #: Counted per insats (cells of quarter x insats); False: the quarters alone, and a report
    #: for one insats shows nothing (the professional NNS rows).
    insats_split: bool = True
    #: Row keys whose counts are a state on one day (the period's first or last: "start" or
    #: "end"), not a sum over the period: a block's cell is its first or last quarter's.
    states: tuple[tuple[tuple, str], ...] = ()
    #: The flows that change those states (a state is shown only where these fit too).
    flows: tuple[tuple, ...] = ()
    #: Run on the rows after blanking (figures made of other rows, e.g. shares of a total).
    finish: Callable[[list[dict]], list[dict]] | None = None
    #: Rows that are the sum of other rows (a state and a flow: participants in the period =
    #: at its start + new): shown only where each part's grid allows it.
    sums: tuple[tuple[tuple, tuple[tuple, ...]], ...] = ()

    def sizes(self, rows: list[dict]) -> dict[tuple[tuple, str], int]:
        found: dict[tuple[tuple, str], int] = {}
        for row in rows:
            key = tuple(row[c] for c in self.key)
            if self.group_columns:
                for g in GROUPS:
                    found[(key, g)] = row[g] or 0
            else:
                group = row[self.group] if self.group else "samtliga"
                found[(key, group)] = row[self.persons] or 0
        return found

    @property
    def gendered(self) -> bool:
        return self.group is not None or self.group_columns


SHAPES = {
    "nns": Shape(reports.nns_rows, ("form", "item"), persons="answered"),
    "nns-professional": Shape(reports.nns_professional_rows, ("form", "item"),
                              persons="answered", insats_split=False),
    "progression": Shape(reports.progression, ()),
    "areas": Shape(reports.progression_areas, ("item",)),
    "profile": Shape(reports.profile, ("timepoint", "respondent", "item"), group=None),
    "paired": Shape(paired.rows, ("comparison", "item")),
    "exits": Shape(reports.exits, ("reason_group", "reason"), group=None, persons=None,
                   group_columns=True, finish=reports.exit_shares),
    "participants": Shape(reports.REPORTS["participants"].rows, ("status",), group=None,
                          persons=None, group_columns=True,
                          states=((("at_start",), "start"), (("at_end",), "end")),
                          flows=(("new",), ("exited",)),
                          sums=((("active",), (("at_start",), ("new",))),)),
}


@dataclass(frozen=True)
class Grid:
    level: str  # one of periods.LEVELS
    genders: bool
    insatser: bool

    def allows(self, period: Period, group: str, insats: str | None) -> bool:
        return (LEVELS.index(period.level) >= LEVELS.index(self.level)
                and (group == "samtliga" or self.genders)
                and (insats is None or self.insatser))


#: The grids in the order they are tried (the first that fits is used).
CANDIDATES = tuple(Grid(level, genders, insatser)
                   for genders, insatser in ((True, True), (True, False), (False, True),
                                             (False, False))
                   for level in LEVELS)
_QUARTERS_PER = {"quarter": 1, "half": 2, "year": 4}


def _active(year: Period, insatser: list[str]) -> list[str]:
    """The insatser with something to count in the NNS year: a questionnaire completed or
    anyone enrolled in it (the others' cells are all 0)."""
    start = dt.datetime.combine(year.start, dt.time())
    end = dt.datetime.combine(year.end + dt.timedelta(days=1), dt.time())
    found = set(db.session.scalars(
        sa.select(Insats.name).join(Enrolment, Enrolment.insats_id == Insats.id)
        .outerjoin(Questionnaire, sa.and_(Questionnaire.enrolment_id == Enrolment.id,
                                          Questionnaire.completed_at >= start,
                                          Questionnaire.completed_at < end))
        .where(sa.or_(Questionnaire.id.is_not(None),
                      sa.and_(Enrolment.start_date <= year.end,  # enrolled during the year
                              sa.or_(Enrolment.exit_date.is_(None),
                                     Enrolment.exit_date >= year.start))))
        .distinct()))
    return [name for name in insatser if name in found]


def grids(shape: Shape, year: Period, insatser: list[str], k: int,
          instrument: str = reports.DEFAULT_INSTRUMENT,
          split: str | None = None, end: str = "exit") -> dict[tuple, Grid | None]:
    """Per row key: the grid its figures are shown in (None: nothing may be shown). `split`:
    a breakdown of questionnaire.reporting.breakdown (referrer, age_band): its category is one more
    dimension of every cell, so each category's rows are unions of cells of that category.
    `end`: the end point of stegförflyttning (exit or a follow-up after exit): its persons are
    those with that rating, so each end point has its own grids."""
    atoms: dict[tuple[int, str | None, str | None], dict[tuple[tuple, str], int]] = {}
    active = _active(year, insatser) if shape.insats_split else [None]
    categories = breakdown.DIMENSIONS[split] if split else (None,)
    for quarter in year.parts("quarter"):
        for name in active:
            for category in categories:
                narrowed = {split: category} if split else {}
                rows = shape.compute(Filters(quarter.start, quarter.end, name, 0,
                                             (year.start, year.end), instrument,
                                             min_group_professional=0, end_timepoint=end,
                                             **narrowed))
                atoms[(quarter.index, name, category)] = shape.sizes(rows)
    keys = {key for sizes in atoms.values() for key, _group in sizes}
    candidates = [g for g in CANDIDATES if shape.insats_split or not (g.insatser or g.genders)]
    states = dict(shape.states)

    def fits(key: tuple, grid: Grid) -> bool:
        if key not in states:
            return _fits(atoms, key, grid, shape.gendered, k)
        # a state is its value on the first (last) day of each block of the grid; it differs
        # from the same state on another such day by the flows in between: those must fit the
        # same grid too
        return _fits(atoms, key, grid, shape.gendered, k, states[key]) and all(
            _fits(atoms, part, grid, shape.gendered, k) for part in shape.flows)

    return {key: next((g for g in candidates if fits(key, g)), None) for key in keys}


def _fits(atoms: dict, key: tuple, grid: Grid, gendered: bool, k: int,
          state: str | None = None) -> bool:
    """Whether every cell of the grid holds 0 or at least K persons (`state`: "start" or "end",
    a block's cell is its first or last quarter's, not their sum)."""
    cells: dict[tuple, int] = defaultdict(int)
    per = _QUARTERS_PER[grid.level]
    for (quarter, name, category), sizes in atoms.items():
        if (state == "start" and (quarter - 1) % per) or (state == "end" and quarter % per):
            continue
        where = ((quarter - 1) // _QUARTERS_PER[grid.level], name if grid.insatser else None,
                 category)
        everyone = sizes.get((key, "samtliga"), 0)
        if gendered and grid.genders:
            women, men = sizes.get((key, "kvinnor"), 0), sizes.get((key, "man"), 0)
            cells[(*where, "kvinnor")] += women
            cells[(*where, "man")] += men
            cells[(*where, "other")] += everyone - women - men
        else:
            cells[where] += everyone
    return all(n == 0 or n >= k for n in cells.values())


def _suppress(shape: Shape, rows: list[dict], found: dict[tuple, Grid | None], period: Period,
              insats: str | None) -> None:
    parts = dict(shape.sums)

    def allowed(key: tuple, group: str) -> bool:
        if key in parts:
            return all(allowed(part, group) for part in parts[key])
        grid = found.get(key)
        return grid is not None and grid.allows(period, group, insats)

    for row in rows:
        key = tuple(row[c] for c in shape.key)
        if shape.group_columns:
            for g in GROUPS:
                if not allowed(key, g):
                    row[g] = None
            continue
        group = row[shape.group] if shape.group else "samtliga"
        if not allowed(key, group):
            for column in row:
                if column not in shape.key and column != shape.group:
                    row[column] = None


def _shown(shape_name: str, when: Period, insats: str | None, k: int, insatser: list[str],
           cache: dict, instrument: str = reports.DEFAULT_INSTRUMENT, split: str | None = None,
           category: str | None = None, end: str = "exit") -> list[dict]:
    """One shape's rows of a period under the rule: computed, blanked by the grids of its NNS
    year (kept in `cache`, which a page or a breakdown shares across calls), finished."""
    shape = SHAPES[shape_name]
    if category is not None and not shape.insats_split:
        return []  # anonymous professional responses: no referrer, no age
    year = when.nns_year
    found = (shape_name, year, k, instrument, split, end)
    if found not in cache:
        cache[found] = grids(shape, year, insatser, k, instrument, split, end)
    narrowed = {split: category} if split else {}
    rows = shape.compute(Filters(when.start, when.end, insats, k, (year.start, year.end),
                                 instrument, min_group_professional=k, end_timepoint=end,
                                 **narrowed))
    _suppress(shape, rows, cache[found], when, insats)
    return shape.finish(rows) if shape.finish else rows


def report(name: str, period: Period, insats: str | None, k: int,
           insatser: list[str], instrument: str = reports.DEFAULT_INSTRUMENT,
           k_professional: int = 5, split: str | None = None,
           category: str | None = None, _grids: dict | None = None,
           memo: dict | None = None, end: str = "exit") -> list[dict]:
    """A web group report over a whole period, blanked by the rule above (`instrument`: the
    self-rating the progression, per-area and profile reports are about; `k_professional`:
    the K of the professional NNS rows; `split` and `category`: only that category of a
    breakdown of `breakdown`, under cells split by it; `memo`: NNS tables already computed,
    see nns_table; `end`: the end point of stegförflyttning, `reports.END_TIMEPOINTS`)."""
    cache = {} if _grids is None else _grids

    def shown(shape_name: str, when: Period, k: int) -> list[dict]:
        return _shown(shape_name, when, insats, k, insatser, cache, instrument, split, category,
                      end)

    if name == "nns":  # the change against a year earlier, both years under the rule
        def table(when: Period) -> list[dict]:
            if split is None:
                return nns_table(when, insats, k, insatser, k_professional, memo, cache)
            return [*shown("nns", when, k), *shown("nns-professional", when, k_professional)]

        return reports.with_change(table(period), table(period.year_earlier()))
    return shown(name, period, k)


def nns_table(period: Period, insats: str | None, k: int, insatser: list[str],
              k_professional: int = 5, memo: dict | None = None,
              cache: dict | None = None) -> list[dict]:
    """The NNS rows of a period under the rule, without the change: the participant rows, then
    the professional rows (each with its own K). `memo`: a dict kept for one page, so that the
    annual table and the years beside it count each period once (copies are returned);
    `cache`: the grids, as in _shown."""
    key = (period, insats, k, tuple(insatser), k_professional)
    if memo is not None and key in memo:
        return [dict(row) for row in memo[key]]
    cache = {} if cache is None else cache
    rows = [*_shown("nns", period, insats, k, insatser, cache),
            *_shown("nns-professional", period, insats, k_professional, insatser, cache)]
    if memo is not None:
        memo[key] = [dict(row) for row in rows]
    return rows


#: The breakdowns the report page offers: side by side, then everyone (`total`).
SPLITS = ("insats", *breakdown.DIMENSIONS)


def report_by(split: str, name: str, period: Period, insats: str | None, k: int,
              insatser: list[str], instrument: str = reports.DEFAULT_INSTRUMENT,
              k_professional: int = 5, cache: dict | None = None,
              end: str = "exit") -> list[dict]:
    """A report broken down by insats (each insats's own report, as one could ask for it
    alone), or by referrer or age band (cells split by the category): the rows of each
    category with a `breakdown` column naming it, then the rows of everyone (`total`).
    `cache`: the grids found, kept by the caller across calls (they depend on the NNS year,
    not on the period or insats asked for)."""
    cache = {} if cache is None else cache
    found = []
    if split == "insats":
        for one in ([insats] if insats else insatser):
            found += [{"breakdown": one, **r} for r in report(
                name, period, one, k, insatser, instrument, k_professional, _grids=cache, end=end)]
    else:
        for category in breakdown.DIMENSIONS[split]:
            found += [{"breakdown": category, **r} for r in report(
                name, period, insats, k, insatser, instrument, k_professional, split=split,
                category=category, _grids=cache, end=end)]
    found += [{"breakdown": "total", **r} for r in report(
        name, period, insats, k, insatser, instrument, k_professional, _grids=cache, end=end)]
    return found


def has_data(name: str, period: Period, insats: str | None,
             instrument: str = reports.DEFAULT_INSTRUMENT, end: str = "exit") -> bool:
    """Whether anyone at all is counted in the report (before any blanking): an empty period
    says so instead of showing blank rows that look like hidden ones."""
    names = ("nns", "nns-professional") if name == "nns" else (name,)
    for shape_name in names:
        shape = SHAPES[shape_name]
        year = period.nns_year
        rows = shape.compute(Filters(period.start, period.end, insats, 0, (year.start, year.end),
                                     instrument, min_group_professional=0, end_timepoint=end))
        if any(shape.sizes(rows).values()):
            return True
    return False
