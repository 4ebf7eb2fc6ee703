"""What the participant takes home (the print view): the star as inline SVG with the area names
in their language and in Swedish, and the next meeting. The page itself is built in
staff/__init__.py (`print_view`) from templates/staff/print.html and print_section.html.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from questionnaire.answering import answers
from questionnaire.casework import schedule
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.i18n import tr_in
from questionnaire.instruments import Instrument
from questionnaire.models import Enrolment
from questionnaire.reporting import star


@dataclass
class Meeting:
    """The next rating of the instrument: its timepoint and the day it falls on (None: at the
    end of the insats, not yet dated)."""

    timepoint: str
    day: dt.date | None

    @property
    def day_text(self) -> str:
        """The day, left-to-right in any language (LRI…PDI): 2027-05-23, never 23-05-2027."""
        return f"\u2066{self.day:%Y-%m-%d}\u2069" if self.day else ""


def next_meeting(enrolment: Enrolment, inst: Instrument, today: dt.date) -> Meeting | None:
    """The next timepoint of the instrument the participant has not rated yet (today at the
    earliest), or the exit when only that remains; None when nothing is left."""
    done = answers.completed_slots(enrolment, "deltagare")
    for slot in schedule.timeline(enrolment, enrolment.insats, done, today):
        if slot.instrument == inst.key and slot.status in ("due", "overdue", "upcoming"):
            return Meeting(slot.timepoint, max(slot.due_on, today))
    exit_planned = any(e.instrument == inst.key and e.timepoint == "exit"
                       for e in enrolment.insats.schedule)
    if exit_planned and enrolment.exit_date is None and (inst.key, "exit") not in done:
        return Meeting("exit", None)
    return None


def star_svg(enrolment: Enrolment, inst: Instrument, locales: list[str]) -> Markup | None:
    """The participant's ratings of the instrument (oldest first, the newest strong) as an SVG
    star, every text in each of `locales` (their language first, then Swedish)."""
    mine = answers.ratings(inst.key, "deltagare", enrolment_id=enrolment.id)
    if not mine:
        return None

    def in_each(text: object) -> list[str]:
        return list(dict.fromkeys(tr_in(code, text) for code in locales))

    def timepoint(code: str, tp: str) -> str:
        with force_locale(code):
            return _(TIMEPOINT_LABELS[tp])

    lines = []
    for n, (q, steps) in enumerate(mine):
        names = list(dict.fromkeys(timepoint(code, q.timepoint) for code in locales))
        # the date left-to-right in any language (LRI…PDI): 2026-05-23, never 23-05-2026
        names[0] = f"{names[0]} \u2066{q.completed_at:%Y-%m-%d}\u2069"
        lines.append(star.Line(names, [steps.get(i.key) for i in inst.areas],
                               strong=n == len(mine) - 1))
    steps = [s.value for s in inst.areas[0].scale.steps]
    with force_locale(locales[0]):
        title = _("Spindeldiagram med dina svar. Samma siffror finns i tabellen nedanför.")
    return star.svg([in_each(i.area) for i in inst.areas], steps, lines, title)
