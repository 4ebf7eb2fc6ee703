"""Reporting periods of the web group reports: the NNS year (1 November – 31 October, as NNS
measures, domain.md A), its two half-years and its four quarters.

The periods nest without overlapping otherwise (a quarter lies in one half-year, a half-year in one
NNS year), so any two of them are either disjoint or one contains the other. `questionnaire.
disclosure` builds on that: what a report shows for a period is a union of whole cells of its
NNS year. Only the periods of NNS years that have ended can be reported: a period still running
changes from one day to the next, so two downloads a day apart could be subtracted, and the cells
of a running year (which decide what may be shown) still change too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _

#: Granularity, finest first: a period of level L is a union of whole periods of any finer level.
LEVELS = ("quarter", "half", "year")
_KEY = re.compile(r"(\d{4})(?:-(H[12]|Q[1-4]))?")


@dataclass(frozen=True, order=True)
class Period:
    year: int  # the NNS year that starts on 1 November of this year
    level: str  # one of LEVELS
    index: int = 1  # 1–2 for halves, 1–4 for quarters

    @property
    def start(self) -> dt.date:
        months = {"year": 12, "half": 6, "quarter": 3}[self.level]
        return _month(self.year, 10 + months * (self.index - 1))

    @property
    def end(self) -> dt.date:
        months = {"year": 12, "half": 6, "quarter": 3}[self.level]
        return _month(self.year, 10 + months * self.index) - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        if self.level == "year":
            return str(self.year)
        return f"{self.year}-{'H' if self.level == 'half' else 'Q'}{self.index}"

    @property
    def nns_year(self) -> Period:
        return Period(self.year, "year")

    def parts(self, level: str) -> list[Period]:
        """The periods of a finer (or the same) level that make up this one."""
        count = {"year": 1, "half": 2, "quarter": 4}
        per = count[level] // count[self.level]
        return [Period(self.year, level, (self.index - 1) * per + n) for n in range(1, per + 1)]

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.level, self.index)

    def label(self) -> str:
        span = f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"
        name = f"{self.year}/{(self.year + 1) % 100:02d}"
        if self.level == "year":
            return _("NNS-år %(year)s (%(span)s)", year=name, span=span)
        if self.level == "half":
            return _("Halvår %(n)s av %(year)s (%(span)s)", n=self.index, year=name, span=span)
        return _("Kvartal %(n)s av %(year)s (%(span)s)", n=self.index, year=name, span=span)


def _month(nns_year: int, months_after_january: int) -> dt.date:
    """1st of the month `months_after_january` months after January of `nns_year` (so 10 is
    November of that year: the NNS year's first day)."""
    year, month = divmod(months_after_january, 12)
    return dt.date(nns_year + year, month + 1, 1)


def containing(day: dt.date) -> Period:
    """The NNS year that contains `day`."""
    return Period(day.year if day.month >= 11 else day.year - 1, "year")


def parse(key: str) -> Period | None:
    match = _KEY.fullmatch(key.strip())
    if match is None or not 1900 <= int(match.group(1)) <= 9998:
        return None
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return Period(year, "year")
    return Period(year, "half" if part[0] == "H" else "quarter", int(part[1]))


def last_complete(today: dt.date) -> Period:
    """The last NNS year that has ended: the web reports' default period."""
    return containing(today).year_earlier()


def complete(today: dt.date, earliest: dt.date | None) -> list[Period]:
    """The periods of every NNS year that has ended, from the NNS year of `earliest` on, newest
    first (each year, then its half-years and quarters)."""
    last = last_complete(today)
    first = containing(earliest).year if earliest is not None else last.year
    found = []
    for year in range(last.year, min(first, last.year) - 1, -1):
        whole = Period(year, "year")
        found += [whole, *reversed(whole.parts("half")), *reversed(whole.parts("quarter"))]
    return found
