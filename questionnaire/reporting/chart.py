"""The spider diagram of a self-rating instrument: one participant's ratings, every completed
timepoint as one trace, or a group's means. Any instrument with three or more rated areas.

The figure is built with Plotly's Python API and drawn in the browser by the polar-only bundle
`static/vendor/plotly-polar.min.js`. This module is imported only by the pages that show a chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from questionnaire.answering import answers
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.i18n import language, text_direction, tr
from questionnaire.instruments import Instrument
from questionnaire.models import TIMEPOINTS
from questionnaire.reporting.star import FSI, PDI, wrap

NEWEST = "#1d4ed8"
OLDER = (("#b45309", "dot"), ("#0f766e", "dash"), ("#7e22ce", "dashdot"), ("#be185d", "longdash"))


@dataclass
class Series:
    label: str
    completed: dt.datetime
    steps: dict[str, int | None]


def rating_series(inst: Instrument, participant_id: int,
                  respondent: str = "deltagare") -> list[Series]:
    """The participant's completed ratings, oldest first, labelled for the chart."""
    return [
        Series(label=f"{_(TIMEPOINT_LABELS[q.timepoint])} {format_date(q.completed_at, 'medium')}",
               completed=q.completed_at, steps=steps)
        for q, steps in answers.ratings(inst.key, respondent, participant_id=participant_id)
    ]


@dataclass
class Trace:
    label: str
    values: list  # one value per rated area, None where there is none
    strong: bool = False  # the newest: thick, filled
    dashed: bool = False  # the handledare's rating


#: An area's name longer than this many characters is wrapped onto more lines (phones).
LABEL_LINE = 11


def chart_label(text: str, rtl: bool, width: int | None = None) -> str:
    """A label as Plotly draws it: wrapped with <br> (when `width`), each line isolated in a
    right-to-left page, so that "6 أشهر" is not drawn as "أشهر 6" by the left-to-right SVG."""
    lines = wrap(text, width) if width else [text]
    return "<br>".join(f"{FSI}{line}{PDI}" if rtl else line for line in lines)


def figure(inst: Instrument, traces: list[Trace]) -> str:
    """A spider diagram over the instrument's rated areas, the radial axis its scale, as Plotly
    JSON."""
    locale = str(get_locale() or "sv")
    rtl = text_direction(locale) == "rtl"
    areas = [chart_label(tr(i.area), rtl, LABEL_LINE) for i in inst.areas]
    steps = [s.value for s in inst.areas[0].scale.steps]
    # Right-to-left readers go round the other way; the script's web font draws the labels.
    direction = "counterclockwise" if rtl else "clockwise"
    # The radial axis (its numbers) goes half-way between the first area's spoke and the next.
    between = 90 + (180 if rtl else -180) / len(areas)
    font = language(locale).font
    family = f'"Stegvis {font.title()}", system-ui, sans-serif' if font else "system-ui, sans-serif"
    fig = go.Figure()
    older = 0
    for t in traces:
        if t.strong:
            color, dash = NEWEST, "dash" if t.dashed else "solid"
        else:
            color, dash = OLDER[older % len(OLDER)]
            older += 1
        r = list(t.values)
        fig.add_trace(go.Scatterpolar(
            r=[*r, r[0]], theta=[*areas, areas[0]], name=chart_label(t.label, rtl),
            mode="lines+markers",
            line={"color": color, "width": 4 if t.strong else 2, "dash": dash},
            marker={"size": 10 if t.strong else 7},
            fill="toself" if t.strong else "none", fillcolor="rgba(29,78,216,0.15)",
            opacity=1.0 if t.strong else 0.75, connectgaps=False,
            hovertemplate="%{theta}: %{r}<extra></extra>",
        ))
    fig.update_layout(
        template="none",
        polar={
            # From below the lowest step (a third of the circle is below it): a rating of the
            # lowest step is a point of its own on its spoke, not a dot in the centre shared by
            # every area rated so, and its number has room between the spokes.
            "radialaxis": {"range": [steps[0] - (steps[-1] - steps[0]) / 2, steps[-1]],
                           "tickvals": steps,
                           "angle": between,
                           # static/js/chart.js writes the numbers half-way between the
                           # first two spokes, on a off every line
                           "showticklabels": False, "showline": False, "ticks": "",
                           "tickfont": {"size": 15, "color": "#374151"},
                           "gridcolor": "#d1d5db"},
            "angularaxis": {"direction": direction, "rotation": 90,
                            "tickfont": {"size": 15}, "gridcolor": "#d1d5db"},
        },
        showlegend=True,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12},
        margin={"l": 70, "r": 70, "t": 30, "b": 30},
        font={"family": family, "size": 15, "color": "#111827"},
        height=520,
    )
    return fig.to_json().replace("</", "<\\/")  # safe inside <script>


def participant_chart(inst: Instrument, participant_id: int) -> dict:
    """Figure JSON for the browser (one trace per completed rating, newest strongest) and the
    same numbers as a table."""
    items = inst.areas
    series = rating_series(inst, participant_id)
    traces = [Trace(s.label, [s.steps.get(i.key) for i in items], strong=n == len(series) - 1)
              for n, s in enumerate(series)]
    return {
        "figure": figure(inst, traces),
        "traces": len(traces),
        "areas": [tr(i.area) for i in items],
        "lowest": items[0].scale.min, "highest": items[0].scale.max,
        "series": [{"label": t.label, "values": t.values} for t in traces],
    }


def group_chart(inst: Instrument, rows: list[dict]) -> dict | None:
    """The group profile of a self-rating instrument: mean per area at each timepoint
    (participants solid, handledare dashed). Only means that the small-group rule lets through
    are drawn."""
    items = [i.key for i in inst.areas]
    means: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        if row["mean"] is not None:
            means.setdefault((row["timepoint"], row["respondent"]), {})[row["item"]] = float(
                row["mean"])
    if not means:
        return None
    last = max(means, key=lambda k: TIMEPOINTS.index(k[0]))[0]
    who = {"deltagare": _("deltagare"), "handledare": _("handledare")}
    ordered = sorted(means.items(), key=lambda kv: (TIMEPOINTS.index(kv[0][0]), kv[0][1]))
    traces = [
        Trace(f"{_(TIMEPOINT_LABELS[t])} ({who[r]})", [m.get(k) for k in items],
              strong=t == last, dashed=r == "handledare")
        for (t, r), m in ordered
    ]
    return {"figure": figure(inst, traces), "traces": len(traces)}
