"""The participant's journey: every rating of a self-rating instrument they have made, intake →
reviews → exit, as the spider diagram and a table (shown on their own data page)."""

from __future__ import annotations

from typing import Any

from questionnaire import instruments
from questionnaire.answering import answers
from questionnaire.models import Participant


def journey(person: Participant, key: str | None = None) -> dict[str, Any] | None:
    """The chart and table of one self-rating instrument the participant has rated (`key`, else
    the first), with the others to switch to; None before their first rating."""
    rated = [i for i in instruments.published()
             if i.individual_results and len(i.areas) >= 3
             and answers.ratings(i.key, "deltagare", participant_id=person.id)]
    if not rated:
        return None
    inst = next((i for i in rated if i.key == key), rated[0])
    from questionnaire.reporting import chart  # Plotly is imported only where a chart is shown

    return {"inst": inst, "instruments": rated, **chart.participant_chart(inst, person.id)}
