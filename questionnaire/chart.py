"""The SKAPA spider diagram of one participant, every completed timepoint as one trace.

The figure is built with Plotly's Python API and drawn in the browser by the polar-only bundle
`static/vendor/plotly-polar.min.js`. This module is imported only by the pages that show a chart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go
import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Answer, Enrolment, Questionnaire
from questionnaire.schedule import TIMEPOINT_LABELS

NEWEST = "#1d4ed8"
OLDER = (("#b45309", "dot"), ("#0f766e", "dash"), ("#7e22ce", "dashdot"), ("#be185d", "longdash"))


@dataclass
class Series:
    label: str
    completed: dt.datetime
    steps: dict[str, int | None]


def skapa_series(participant_id: int, respondent: str = "deltagare") -> list[Series]:
    """The participant's completed SKAPA ratings, oldest first."""
    rows = db.session.execute(
        sa.select(Questionnaire, Answer)
        .join(Enrolment, Questionnaire.enrolment_id == Enrolment.id)
        .outerjoin(Answer, Answer.questionnaire_id == Questionnaire.id)
        .where(
            Enrolment.participant_id == participant_id,
            Questionnaire.instrument == "skapa",
            Questionnaire.respondent == respondent,
            Questionnaire.completed_at.is_not(None),
        )
        .order_by(Questionnaire.completed_at, Questionnaire.id)
    ).all()
    series: dict[int, Series] = {}
    for q, answer in rows:
        s = series.setdefault(q.id, Series(
            label=f"{_(TIMEPOINT_LABELS[q.timepoint])} {format_date(q.completed_at, 'medium')}",
            completed=q.completed_at, steps={},
        ))
        if answer is not None:
            s.steps[answer.item_key] = answer.step
    return list(series.values())


def participant_chart(participant_id: int) -> dict:
    """Figure JSON for the browser and the same numbers as a table."""
    items = instruments.get("skapa").items
    areas = [_(i.area) for i in items]
    series = skapa_series(participant_id)
    fig = go.Figure()
    for n, s in enumerate(series):
        newest = n == len(series) - 1
        color, dash = (NEWEST, "solid") if newest else OLDER[(len(series) - 2 - n) % len(OLDER)]
        r = [s.steps.get(i.key) for i in items]
        fig.add_trace(go.Scatterpolar(
            r=[*r, r[0]], theta=[*areas, areas[0]], name=s.label, mode="lines+markers",
            line={"color": color, "width": 4 if newest else 2, "dash": dash},
            marker={"size": 10 if newest else 7},
            fill="toself" if newest else "none", fillcolor="rgba(29,78,216,0.15)",
            opacity=1.0 if newest else 0.75, connectgaps=False,
            hovertemplate="%{theta}: %{r}<extra></extra>",
        ))
    fig.update_layout(
        template="none",
        polar={
            "radialaxis": {"range": [1, 5], "tickvals": [1, 2, 3, 4, 5], "angle": 90,
                           "tickfont": {"size": 12}, "gridcolor": "#d1d5db"},
            "angularaxis": {"direction": "clockwise", "rotation": 90,
                            "tickfont": {"size": 15}, "gridcolor": "#d1d5db"},
        },
        showlegend=True,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12},
        margin={"l": 70, "r": 70, "t": 30, "b": 30},
        font={"family": "system-ui, sans-serif", "size": 15, "color": "#111827"},
        height=520,
    )
    return {
        "figure": fig.to_json().replace("</", "<\\/"),  # safe inside <script>
        "traces": len(series),
        "areas": areas,
        "series": [
            {"label": s.label, "values": [s.steps.get(i.key) for i in items]} for s in series
        ],
    }
