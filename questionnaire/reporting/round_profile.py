"""The group profile of a professional form with rated areas (e.g. the organisation's BIP
self-assessment, answered anonymously by staff): mean and median per area, per survey round.

Rounds are disjoint sets of responses, so showing each round on its own (never a sum of some of
them) leaves nothing to subtract. A round with fewer than K answers to an area shows no figures
for it (K: the professional small-group rule, default 5). Responses without a round (paper forms)
make one group of their own (`round` None). Counted in SQL: one count per (round, item, step).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import SurveyAnswer, SurveyResponse, SurveyRound
from questionnaire.reporting.reports import _median

HEADER = ("round", "title", "item", "n", "mean", "median")


def profile(inst: instruments.Instrument, k: int = 5) -> list[dict]:
    """One row per round (oldest first, then the responses without a round) and rated area."""
    hist: dict[tuple[int | None, str], dict[int, int]] = defaultdict(dict)
    for round_id, item, step, count in db.session.execute(
        sa.select(SurveyResponse.round_id, SurveyAnswer.item_key, SurveyAnswer.step,
                  sa.func.count())
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.instrument == inst.key, SurveyAnswer.step.is_not(None))
        .group_by(SurveyResponse.round_id, SurveyAnswer.item_key, SurveyAnswer.step)
    ):
        hist[(round_id, item)][step] = count
    rounds = list(db.session.execute(
        sa.select(SurveyRound.id, SurveyRound.title).where(SurveyRound.instrument == inst.key)
        .order_by(SurveyRound.created_at, SurveyRound.id)))
    groups: list[tuple[int | None, str]] = [(r.id, r.title) for r in rounds]
    if any(round_id is None for round_id, _item in hist):
        groups.append((None, ""))
    rows = []
    for round_id, title in groups:
        for item in inst.areas:
            h = hist.get((round_id, item.key), {})
            n = sum(h.values())
            row = dict.fromkeys(HEADER)
            row.update(round=round_id, title=title, item=item.key)
            if n and n >= k:
                mean = Decimal(sum(s * c for s, c in h.items())) / n
                row.update(n=n, mean=mean.quantize(Decimal("0.01"), ROUND_HALF_UP),
                           median=_median(h))
            rows.append(row)
    return rows
