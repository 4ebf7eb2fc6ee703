"""Anonymous responses of professionals: the one place they are written and counted.

The NNS indikatorenkät has four professional respondent groups besides the participants
(domain.md A): personal, remittent, chefsgrupp and styrelse, each with its own form (an
instrument whose settings name the group in `respondents`). They answer anonymously, on paper
(`import-answers`) or, later, through a survey round's link. A response is never a participant:
it holds the form version, the month it was answered (YYYY-MM, never the day), where it came from
(paper or web), optionally the round and the insats, and its answers. No name, no e-mail, no
address, no user agent. (`answering/answers.py` remains the only code that writes
participants' answers.)

A survey round (`SurveyRound`) is one form for one NNS year, optionally for one insats, with how
many were invited and one unguessable link (`survey/`, the respondents' pages). Paper forms of
the same form, year and insats count in that round when it is the only one.

Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Insats, SurveyAnswer, SurveyResponse, SurveyRound, utcnow
from questionnaire.reporting import periods

#: A round takes at most this many times its invited responses, unless the samordnare says.
MAX_PER_INVITED = 3


def month_of(day: dt.date) -> str:
    """The only time a response keeps: its month, YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(start: dt.date | None, end: dt.date | None) -> tuple[str | None, str | None]:
    """The months a period overlaps, as (first, last) YYYY-MM (None: open). A response's day is
    not kept, so a period counts the whole of every month it touches."""
    return (month_of(start) if start else None, month_of(end) if end else None)


def record(inst: instruments.Instrument, values: Mapping[str, int | str | None], *,
           month: str, source: str, insats: Insats | None = None, round_id: int | None = None,
           paper_number: str | None = None) -> SurveyResponse:
    """Store one response (flushes). `values`: item key -> step (or text for a free-text item);
    None or a missing key is a skipped item and stores nothing."""
    if not inst.answered_anonymously:
        raise ValueError(f"{inst.key} is answered about a participant (answering/answers.py)")
    version = instruments.version_row(inst)
    response = SurveyResponse(
        instrument_version_id=version.id, instrument=inst.key, round_id=round_id,
        insats_id=insats.id if insats is not None else None, answered_month=month,
        source=source, paper_number=paper_number)
    db.session.add(response)
    db.session.flush()
    for item in inst.items:
        value = values.get(item.key)
        if value is None:
            continue
        db.session.add(SurveyAnswer(
            response_id=response.id, instrument_version_id=version.id, item_key=item.key,
            scale_min=item.scale_min, scale_max=item.scale_max,
            step=None if item.is_text else int(value),
            text=str(value) if item.is_text else None))
    db.session.flush()
    return response


def paper_exists(instrument: str, paper_number: str, month: str, insats: str | None) -> bool:
    """A paper form with this number, form, month and insats was imported already."""
    query = sa.select(SurveyResponse.id).where(
        SurveyResponse.instrument == instrument, SurveyResponse.paper_number == paper_number,
        SurveyResponse.answered_month == month)
    if insats:
        query = query.join(Insats, SurveyResponse.insats_id == Insats.id).where(
            Insats.name == insats)
    else:
        query = query.where(SurveyResponse.insats_id.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def _in_period(query: sa.Select, start: dt.date | None, end: dt.date | None,
               insats: str | None) -> sa.Select:
    first, last = months_between(start, end)
    if first is not None:
        query = query.where(SurveyResponse.answered_month >= first)
    if last is not None:
        query = query.where(SurveyResponse.answered_month <= last)
    if insats is not None:
        query = query.join(Insats, SurveyResponse.insats_id == Insats.id).where(
            Insats.name == insats)
    return query


def in_period(query: sa.Select, start: dt.date | None, end: dt.date | None,
              insats: str | None) -> sa.Select:
    """A query over SurveyResponse narrowed to the responses of the period (by their month)
    and, if one is named, the insats (the export)."""
    return _in_period(query, start, end, insats)


def counts(keys: Iterable[str], start: dt.date | None, end: dt.date | None,
           insats: str | None = None) -> tuple[dict[str, int], dict[tuple[str, str, int], int]]:
    """Responses per form, and answers per (form, item, step), for the responses of the period
    (counted in SQL; nothing about one response leaves the database)."""
    keys = list(keys)
    responses: dict[str, int] = defaultdict(int)
    query = _in_period(sa.select(SurveyResponse.instrument, sa.func.count())
                       .where(SurveyResponse.instrument.in_(keys))
                       .group_by(SurveyResponse.instrument), start, end, insats)
    for instrument, n in db.session.execute(query):
        responses[instrument] += n
    steps: dict[tuple[str, str, int], int] = defaultdict(int)
    query = _in_period(
        sa.select(SurveyResponse.instrument, SurveyAnswer.item_key, SurveyAnswer.step,
                  sa.func.count())
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyResponse.instrument.in_(keys), SurveyAnswer.step.is_not(None))
        .group_by(SurveyResponse.instrument, SurveyAnswer.item_key, SurveyAnswer.step),
        start, end, insats)
    for instrument, item, step, n in db.session.execute(query):
        steps[(instrument, item, step)] += n
    return responses, steps


def earliest() -> dt.date | None:
    """The first month with a professional response (the report page's periods)."""
    month = db.session.scalar(sa.select(sa.func.min(SurveyResponse.answered_month)))
    return dt.date(int(month[:4]), int(month[5:7]), 1) if month else None


def open_round(inst: instruments.Instrument, period: periods.Period, invited: int, *,
               insats: Insats | None = None, max_responses: int | None = None) -> SurveyRound:
    """A new round of a professional form for an NNS year, with its link's token (flushes)."""
    if not inst.answered_anonymously:
        raise ValueError(f"{inst.key} is answered about a participant")
    year = period.nns_year
    title = f"{inst.name} {year.year}/{(year.year + 1) % 100:02d}"
    if insats is not None:
        title = f"{title}, {insats.name}"
    survey_round = SurveyRound(
        instrument=inst.key, title=title[:120], period=year.key, invited=invited,
        insats_id=insats.id if insats is not None else None,
        max_responses=max_responses or MAX_PER_INVITED * invited,
        token=secrets.token_urlsafe(32))
    db.session.add(survey_round)
    db.session.flush()
    return survey_round


def round_by_token(token: str) -> SurveyRound | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(SurveyRound).where(SurveyRound.token == token))


def close_round(survey_round: SurveyRound) -> None:
    if survey_round.closed_at is None:
        survey_round.closed_at = utcnow()
    db.session.flush()


def responses_in(survey_round: SurveyRound) -> int:
    """How many responses the round has (web and paper): never which."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse).where(
        SurveyResponse.round_id == survey_round.id)) or 0


def responses_per_round() -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(SurveyResponse.round_id, sa.func.count()).where(
            SurveyResponse.round_id.is_not(None)).group_by(SurveyResponse.round_id)).all())


def round_for_paper(instrument: str, month: str, insats: Insats | None) -> SurveyRound | None:
    """The round a paper form belongs to: the one round of its form, for the NNS year of the
    month it was answered, and for its insats (or for none). None when there is no such round or
    more than one (the form then counts for its form and year only)."""
    if insats is not None and insats.id is None:
        return None  # an insats the import creates has no round yet
    year = periods.containing(dt.date(int(month[:4]), int(month[5:7]), 1))
    query = sa.select(SurveyRound).where(
        SurveyRound.instrument == instrument, SurveyRound.period == year.key,
        SurveyRound.insats_id == insats.id if insats is not None
        else SurveyRound.insats_id.is_(None))
    found = db.session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def invited(form: str, period: periods.Period, insats: str | None = None) -> int | None:
    """How many were invited to answer `form` (an instrument key) in the rounds for `period`:
    the denominator of the professional rows' svarsfrekvens. Rounds are per NNS year, so only a
    period that contains whole NNS years has one; with `insats`, only that insats's rounds,
    without it every round of the form. None when not known: no round, or a round without an
    invited count."""
    query = sa.select(SurveyRound).where(SurveyRound.instrument == form)
    if insats is not None:
        query = query.join(Insats, SurveyRound.insats_id == Insats.id).where(Insats.name == insats)
    rounds = [r for r in db.session.scalars(query)
              if (p := periods.parse(r.period)) is not None and period.contains(p)]
    if not rounds or any(r.invited is None for r in rounds):
        return None
    return sum(r.invited for r in rounds)

