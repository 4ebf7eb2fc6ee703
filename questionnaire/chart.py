"""The SKAPA spider diagram of one participant, every completed timepoint as one trace.

The figure is built with Plotly's Python API and drawn in the browser by the polar-only bundle
`static/vendor/plotly-polar.min.js`. This module is imported only by the pages that show a chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from questionnaire import answers, instruments
from questionnaire.i18n import language, text_direction
from questionnaire.models import TIMEPOINTS
from questionnaire.schedule import TIMEPOINT_LABELS

NEWEST = "#1d4ed8"
OLDER = (("#b45309", "dot"), ("#0f766e", "dash"), ("#7e22ce", "dashdot"), ("#be185d", "longdash"))


@dataclass
class Series:
    label: str
    completed: dt.datetime
    steps: dict[str, int | None]


def skapa_series(participant_id: int, respondent: str = "deltagare") -> list[Series]:
    """The participant's completed SKAPA ratings, oldest first, labelled for the chart."""
    return [
        Series(label=f"{_(TIMEPOINT_LABELS[q.timepoint])} {format_date(q.completed_at, 'medium')}",
               completed=q.completed_at, steps=steps)
        for q, steps in answers.skapa_ratings(respondent, participant_id=participant_id)
    ]


@dataclass
class Trace:
    label: str
    values: list  # one value per SKAPA area, None where there is none
    strong: bool = False  # the newest: thick, filled
    dashed: bool = False  # the handledare's rating


def figure(traces: list[Trace]) -> str:
    """A spider diagram over the six SKAPA areas, radial axis fixed 1-5, as Plotly JSON."""
    areas = [_(i.area) for i in instruments.get("skapa").items]
    locale = str(get_locale() or "sv")
    # Right-to-left readers go round the other way; the script's web font draws the labels.
    direction = "counterclockwise" if text_direction(locale) == "rtl" else "clockwise"
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
            r=[*r, r[0]], theta=[*areas, areas[0]], name=t.label, mode="lines+markers",
            line={"color": color, "width": 4 if t.strong else 2, "dash": dash},
            marker={"size": 10 if t.strong else 7},
            fill="toself" if t.strong else "none", fillcolor="rgba(29,78,216,0.15)",
            opacity=1.0 if t.strong else 0.75, connectgaps=False,
            hovertemplate="%{theta}: %{r}<extra></extra>",
        ))
    fig.update_layout(
        template="none",
        polar={
            "radialaxis": {"range": [1, 5], "tickvals": [1, 2, 3, 4, 5], "angle": 90,
                           "tickfont": {"size": 12}, "gridcolor": "#d1d5db"},
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


def participant_chart(participant_id: int) -> dict:
    """Figure JSON for the browser (one trace per completed rating, newest strongest) and the
    same numbers as a table."""
    items = instruments.get("skapa").items
    series = skapa_series(participant_id)
    traces = [Trace(s.label, [s.steps.get(i.key) for i in items], strong=n == len(series) - 1)
              for n, s in enumerate(series)]
    return {
        "figure": figure(traces),
        "traces": len(traces),
        "areas": [_(i.area) for i in items],
        "series": [{"label": t.label, "values": t.values} for t in traces],
    }


def group_chart(rows: list[dict]) -> dict | None:
    """The SKAPA group profile: mean per area at each timepoint (participants solid, handledare
    dashed). Only means that the small-group rule lets through are drawn."""
    items = [i.key for i in instruments.get("skapa").items]
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
    return {"figure": figure(traces), "traces": len(traces)}
