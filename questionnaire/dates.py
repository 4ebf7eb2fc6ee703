"""Dates as staff read them, one way everywhere: 2026-03-05, with the time 2026-03-05 09:07
(ISO 8601, the Swedish standard, read the same in English). The Jinja filter `datum`."""

from __future__ import annotations

import datetime as dt

#: Shown where there is no date.
NONE = "–"


def day(value: dt.date | dt.datetime | None, time: bool = False) -> str:
    """A date (or a moment's date; with `time`, also its hour and minute)."""
    if value is None:
        return NONE
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")
    return value.strftime("%Y-%m-%d")
