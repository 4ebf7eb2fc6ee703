"""Which questionnaires are due when, computed from the enrolment date and the insats's schedule.

Rules (the README explains them to staff):
- `intake` is due from the start date; `Nm` is due N calendar months after the start; `exit` is due
  from the exit date (or, for an insats with a planned length, from its planned end);
  `exit+6m` and `exit+12m` (follow-up after exit) 6 and 12 months after the exit date, once it is
  recorded.
- A follow-up may be answered from WINDOW_DAYS before its date.
- A follow-up that falls after the insats's planned end or after the exit does not apply: a 12-week
  insats has no 6-month follow-up.
- Only one timepoint is open at a time: the latest whose window has opened. When the next one
  opens, what was not answered at the earlier one is missed (an intake rating taken at 6 months
  would not be an intake rating).
- Open and unanswered for more than OVERDUE_DAYS after its date: overdue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from questionnaire import instruments
from questionnaire.i18n import N_
from questionnaire.models import TIMEPOINTS, Enrolment, Insats, ScheduleEntry

WINDOW_DAYS = 14
OVERDUE_DAYS = 30
MONTHS = {"3m": 3, "6m": 6, "9m": 9, "12m": 12, "18m": 18, "24m": 24}
#: Follow-ups after exit: months after the exit date (known only once the exit is recorded).
AFTER_EXIT = {"exit+6m": 6, "exit+12m": 12}


def default_schedule() -> list[ScheduleEntry]:
    """A new insats's schedule: each instrument at the timepoints its file names
    (`default_timepoints`); the samordnare changes it per insats. Only forms that participants
    answer: a professional form is never on a schedule."""
    return [ScheduleEntry(instrument=inst.key, timepoint=t)
            for inst in instruments.for_participants() for t in inst.default_timepoints]


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(enrolment: Enrolment, insats: Insats, timepoint: str) -> dt.date | None:
    """The date a timepoint falls on for this enrolment; None when it does not apply."""
    start = enrolment.start_date
    planned_end = start + dt.timedelta(weeks=insats.length_weeks) if insats.length_weeks else None
    if timepoint == "intake":
        return start
    if timepoint == "exit":
        return enrolment.exit_date or planned_end
    if timepoint in AFTER_EXIT:
        if enrolment.exit_date is None:
            return None
        return add_months(enrolment.exit_date, AFTER_EXIT[timepoint])
    day = add_months(start, MONTHS[timepoint])
    if planned_end is not None and day > planned_end:
        return None
    if enrolment.exit_date is not None and enrolment.exit_date < day - dt.timedelta(WINDOW_DAYS):
        return None
    return day


@dataclass(frozen=True)
class Slot:
    instrument: str
    timepoint: str
    due_on: dt.date
    #: upcoming / due / overdue / done / missed
    status: str


def _sort_key(entry: tuple[str, str]) -> tuple:
    instrument, timepoint = entry
    return TIMEPOINTS.index(timepoint), instruments.order_key(instrument)


def timeline(
    enrolment: Enrolment,
    insats: Insats,
    completed: Iterable[tuple[str, str]],
    today: dt.date,
) -> list[Slot]:
    """Every scheduled questionnaire that applies to this enrolment, with its status."""
    done = set(completed)
    entries = sorted({(e.instrument, e.timepoint) for e in insats.schedule}, key=_sort_key)
    dated = [(i, t, d) for i, t in entries if (d := due_date(enrolment, insats, t)) is not None]
    opened = [t for _, t, d in dated if d - dt.timedelta(WINDOW_DAYS) <= today]
    current = max(opened, key=TIMEPOINTS.index) if opened else None
    slots = []
    for instrument, timepoint, day in dated:
        if (instrument, timepoint) in done:
            status = "done"
        elif timepoint == current:
            status = "overdue" if today > day + dt.timedelta(OVERDUE_DAYS) else "due"
        elif current is not None and TIMEPOINTS.index(timepoint) < TIMEPOINTS.index(current):
            status = "missed"
        else:
            status = "upcoming"
        slots.append(Slot(instrument, timepoint, day, status))
    return slots


def due_now(
    enrolment: Enrolment,
    insats: Insats,
    completed: Iterable[tuple[str, str]],
    today: dt.date,
) -> list[Slot]:
    """The questionnaires to give now, in the order they are given."""
    slots = timeline(enrolment, insats, completed, today)
    return [s for s in slots if s.status in ("due", "overdue")]


#: How timepoints are named to people (translated when shown).
TIMEPOINT_LABELS = {
    "intake": N_("Inskrivning"), "3m": N_("3 månader"), "6m": N_("6 månader"),
    "9m": N_("9 månader"), "12m": N_("12 månader"), "18m": N_("18 månader"),
    "24m": N_("24 månader"), "exit": N_("Avslut"),
    "exit+6m": N_("6 månader efter avslut"), "exit+12m": N_("12 månader efter avslut"),
}
