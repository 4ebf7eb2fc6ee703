"""Group reports (domain.md part B): the NNS table, and for any self-rating instrument
(`Filters.instrument`, SKAPA by default) stegförflyttning and the profile. `REPORTS` is the one
registry of reports: each names its header (which may depend on the instrument) and its rows.

Counting happens in SQL: the database returns one count per (group, item, step), never one row
per answer, so a report over 100 000 participants moves a few hundred rows into Python.

Small groups (domain.md part B, exactly): a row about fewer than K persons shows no figures; the
kvinnor and män rows are shown only when both have at least K persons, otherwise both are blank,
so neither can be derived from Samtliga. "Persons" are those who answered the item (NNS: "minst tio
respondenter ... som har besvarat en fråga"). A blanked row looks exactly like a row with no data.
Known limit of that rule: Samtliga minus kvinnor minus män gives the figures of the people of
neither group (annat, not stated), however few they are.

The NNS table also has the four professional respondent groups (personal, remittent, chefsgrupp,
styrelse): anonymous responses (questionnaire.surveys), one `samtliga` row per item, n = the
responses to the form in the period, their own small-group threshold (`min_group_professional`,
default 5: NNS publishes a board of six). A response keeps only its month, so a period counts
the responses of every month it touches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from questionnaire import instruments, surveys
from questionnaire.casework.schedule import timeline
from questionnaire.extensions import db
from questionnaire.models import (
    EXIT_REASONS,
    TIMEPOINTS,
    Answer,
    Enrolment,
    Insats,
    Participant,
    Questionnaire,
    ScheduleEntry,
)
from questionnaire.reporting import breakdown

GROUPS = ("samtliga", "kvinnor", "man")
GENDER_OF_GROUP = {"kvinnor": "kvinna", "man": "man"}
NNS_FORMS = {"pagaende": "nns-pagaende", "avslut": "nns-avslut"}
#: The professional respondent groups' forms (domain.md part B: `form` of `report nns`).
NNS_PROFESSIONAL_FORMS = {"personal": "nns-personal", "remittent": "nns-remittent",
                          "chefsgrupp": "nns-chefsgrupp", "styrelse": "nns-styrelse"}
YES = 2

NNS_HEADER = ("form", "item", "group", "n", "answered", "negative_pct", "neutral_pct",
              "positive_pct", "clearly_positive_pct", "response_rate_pct", "change_pp")
SKAPA_HEADER = ("timepoint", "respondent", "item", "n", "mean", "median")
PROFILE_HEADER = SKAPA_HEADER
#: The self-rating instrument the reports are about when none is named (domain.md part B).
DEFAULT_INSTRUMENT = "skapa"
#: The end points stegförflyttning may be measured at (`report progression --end`).
END_TIMEPOINTS = ("exit", "exit+6m", "exit+12m")


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    insats: str | None = None
    min_group: int = 10
    #: Web reports (`disclosure`): who counts is decided over this whole window (an
    #: NNS year) and all insatser first, and only then narrowed to the period and insats, so that
    #: a report over a period is exactly the union of the cells (quarter x insats) it covers.
    population: tuple[dt.date, dt.date] | None = None
    #: The self-rating instrument (progression, profile, per-area change).
    instrument: str = DEFAULT_INSTRUMENT
    #: The small-group threshold of the professional NNS rows (`--min-group-professional`).
    min_group_professional: int = 5
    #: The end point of stegförflyttning: the exit rating, or a follow-up after exit.
    end_timepoint: str = "exit"
    #: Only participants referred by this category / of this age band at enrolment
    #: (questionnaire.reporting.breakdown; the web breakdowns).
    referrer: str | None = None
    age_band: str | None = None

    def narrowed(self, referrer_column, start_column, birth_year_column) -> list:
        """The WHERE conditions of the referrer and age band (none when not chosen)."""
        return breakdown.conditions(self.referrer, self.age_band, referrer_column,
                                    start_column, birth_year_column)

    def completed_in_period(self, query: sa.Select) -> sa.Select:
        """Only questionnaires completed in the period (both dates inclusive)."""
        if self.start is not None:
            query = query.where(
                Questionnaire.completed_at >= dt.datetime.combine(self.start, dt.time()))
        if self.end is not None:
            query = query.where(Questionnaire.completed_at < dt.datetime.combine(
                self.end + dt.timedelta(days=1), dt.time()))
        return query

    def year_earlier(self) -> Filters | None:
        if self.start is None or self.end is None:
            return None
        population = None if self.population is None else (
            _minus_year(self.population[0]), _minus_year(self.population[1]))
        return dataclasses.replace(self, start=_minus_year(self.start), end=_minus_year(self.end),
                                   population=population)

    def self_rating(self) -> instruments.Instrument:
        """The instrument a self-rating report is about (KeyError if unknown)."""
        return instruments.get(self.instrument)


def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def pct(part: int, whole: int) -> Decimal | None:
    """A share in percent with one decimal (half up, as people round)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def completed(filters: Filters, instrument_keys: Iterable[str], respondent: str = "deltagare",
              timepoints: Iterable[str] | None = None, per_timepoint: bool = True):
    """Completed questionnaires in the period, the latest per person and instrument (a subquery
    with questionnaire id, participant id, gender, instrument, timepoint, enrolment id).
    `per_timepoint`: the latest at each timepoint, else the latest of all (of `timepoints`)."""
    partition = (Enrolment.participant_id, Questionnaire.instrument, Questionnaire.respondent)
    rank = sa.func.row_number().over(
        partition_by=(*partition, Questionnaire.timepoint) if per_timepoint else partition,
        order_by=(Questionnaire.completed_at.desc(), Questionnaire.id.desc()),
    )
    query = (
        sa.select(
            Questionnaire.id.label("qid"), Enrolment.participant_id.label("pid"),
            Participant.gender.label("gender"), Questionnaire.instrument.label("instrument"),
            Questionnaire.timepoint.label("timepoint"), Questionnaire.enrolment_id.label("eid"),
            Questionnaire.respondent.label("respondent"), rank.label("rank"),
            Questionnaire.completed_at.label("completed_at"),
            Enrolment.insats_id.label("insats_id"), Enrolment.referrer.label("referrer"),
            Enrolment.start_date.label("start_date"), Participant.birth_year.label("birth_year"),
        )
        .join(Enrolment, Questionnaire.enrolment_id == Enrolment.id)
        .join(Participant, Enrolment.participant_id == Participant.id)
        .where(Questionnaire.completed_at.is_not(None),
               Questionnaire.instrument.in_(list(instrument_keys)))
    )
    if respondent != "*":
        query = query.where(Questionnaire.respondent == respondent)
    if timepoints is not None:
        query = query.where(Questionnaire.timepoint.in_(list(timepoints)))
    if filters.population is not None:
        query = Filters(*filters.population).completed_in_period(query)
        ranked = query.subquery()
        outer = sa.select(ranked).where(ranked.c.rank == 1)
        if filters.start is not None:
            outer = outer.where(
                ranked.c.completed_at >= dt.datetime.combine(filters.start, dt.time()))
        if filters.end is not None:
            outer = outer.where(ranked.c.completed_at < dt.datetime.combine(
                filters.end + dt.timedelta(days=1), dt.time()))
        if filters.insats is not None:
            outer = outer.where(ranked.c.insats_id == sa.select(Insats.id).where(
                Insats.name == filters.insats).scalar_subquery())
        outer = outer.where(*filters.narrowed(ranked.c.referrer, ranked.c.start_date,
                                              ranked.c.birth_year))
        return outer.subquery()
    query = filters.completed_in_period(query)
    if filters.insats is not None:
        query = query.join(Insats, Enrolment.insats_id == Insats.id).where(
            Insats.name == filters.insats)
    ranked = query.subquery()
    return sa.select(ranked).where(
        ranked.c.rank == 1,
        *filters.narrowed(ranked.c.referrer, ranked.c.start_date, ranked.c.birth_year),
    ).subquery()


def visible_groups(persons: dict[str, int], k: int) -> set[str]:
    """Which group rows may show figures, given how many persons each row is about."""
    shown = {"samtliga"} if persons.get("samtliga", 0) >= k else set()
    if persons.get("kvinnor", 0) >= k and persons.get("man", 0) >= k:
        shown |= {"kvinnor", "man"}
    return shown


def _group_sql(gender_column):
    return sa.case(
        (gender_column == "kvinna", "kvinnor"), (gender_column == "man", "man"), else_="other"
    )


def _nns_counts(filters: Filters):
    """(form, gender group) -> persons; (form, item, gender group, step) -> count."""
    latest = completed(filters, NNS_FORMS.values())
    group = _group_sql(latest.c.gender)
    persons: dict[tuple[str, str], int] = defaultdict(int)
    for instrument, g, count in db.session.execute(
        sa.select(latest.c.instrument, group, sa.func.count()).group_by(latest.c.instrument, group)
    ):
        persons[(instrument, g)] += count
    steps: dict[tuple[str, str, str, int], int] = defaultdict(int)
    for instrument, item, g, step, count in db.session.execute(
        sa.select(latest.c.instrument, Answer.item_key, group, Answer.step, sa.func.count())
        .join(Answer, Answer.questionnaire_id == latest.c.qid)
        .where(Answer.step.is_not(None))
        .group_by(latest.c.instrument, Answer.item_key, group, Answer.step)
    ):
        steps[(instrument, item, g, step)] += count
    return persons, steps


def _empty_hist() -> dict[str, defaultdict[int, int]]:
    """Counts per gender group ('kvinnor', 'man', 'other'), keyed by step or category."""
    return {g: defaultdict(int) for g in ("kvinnor", "man", "other")}


def _for_group(hist: dict[str, defaultdict[int, int]], group: str, keys) -> dict[int, int]:
    """The counts a report row is about: everyone for samtliga, else that gender's."""
    if group == "samtliga":
        return {k: sum(h[k] for h in hist.values()) for k in keys}
    return {k: hist[group][k] for k in keys}


def _by_group(counts: dict[str, int]) -> dict[str, int]:
    """Per-gender counts ('kvinnor', 'man', 'other') to report groups (samtliga = all)."""
    return {"samtliga": sum(counts.values()), "kvinnor": counts.get("kvinnor", 0),
            "man": counts.get("man", 0)}


def nns(filters: Filters) -> list[dict]:
    """The NNS table: the participant forms' rows, then the professional forms' rows."""
    earlier_filters = filters.year_earlier()
    earlier = ([*nns_rows(earlier_filters), *nns_professional_rows(earlier_filters)]
               if earlier_filters else [])
    return with_change([*nns_rows(filters), *nns_professional_rows(filters)], earlier)


def with_change(current: list[dict], earlier: list[dict]) -> list[dict]:
    """`change_pp`: positive_pct minus the same row's a year earlier, where both are shown."""
    before = {(r["form"], r["item"], r["group"]): r["positive_pct"] for r in earlier}
    for row in current:
        then = before.get((row["form"], row["item"], row["group"]))
        if row["positive_pct"] is not None and then is not None:
            row["change_pp"] = row["positive_pct"] - then
    return current


def nns_rows(filters: Filters) -> list[dict]:
    """The NNS table without `change_pp`."""
    persons, steps = _nns_counts(filters)
    rows = []
    for form, key in NNS_FORMS.items():
        inst = instruments.get(key)
        for item in inst.items:
            if item.is_text:
                continue
            hist = _empty_hist()
            for (instrument, item_key, g, step), count in steps.items():
                if instrument == key and item_key == item.key:
                    hist[g][step] += count
            if item.show_if is None:
                asked = _by_group({g: persons.get((key, g), 0) for g in hist})
            else:  # asked only of those who gave the triggering answer
                rule = item.show_if
                asked = _by_group({g: steps.get((key, rule.item, g, rule.step), 0) for g in hist})
            answered = _by_group({g: sum(h.values()) for g, h in hist.items()})
            shown = visible_groups(answered, filters.min_group)
            for group in GROUPS:
                row = dict.fromkeys(NNS_HEADER)
                row.update(form=form, item=item.key, group=group)
                if group in shown:
                    h = _for_group(hist, group, range(1, item.scale_max + 1))
                    row.update(_nns_figures(item, h, asked[group], answered[group]))
                rows.append(row)
    return rows


def _nns_figures(item: instruments.Item, h: dict[int, int], asked: int,
                 answered: int) -> dict:
    """n, answered and the shares of one NNS row (h: answers per step)."""
    a = answered
    figures = {"n": asked, "answered": a, "response_rate_pct": pct(a, asked)}
    if item.scale_max == 2:  # yes/no
        figures.update(negative_pct=pct(h[1], a), positive_pct=pct(h[YES], a))
    else:
        figures.update(
            negative_pct=pct(h[1] + h[2], a), neutral_pct=pct(h[3], a),
            positive_pct=pct(sum(h[s] for s in range(4, item.scale_max + 1)), a),
            clearly_positive_pct=pct(sum(h[s] for s in range(5, item.scale_max + 1)), a),
        )
    return figures


def nns_professional_rows(filters: Filters) -> list[dict]:
    """The professional forms' rows of the NNS table (without `change_pp`): one `samtliga` row
    per item; n = the form's responses in the period (of the insats, if one is chosen)."""
    responses, steps = surveys.counts(NNS_PROFESSIONAL_FORMS.values(), filters.start,
                                      filters.end, filters.insats)
    rows = []
    for form, key in NNS_PROFESSIONAL_FORMS.items():
        try:
            inst = instruments.get(key)
        except KeyError:  # a database where the form was never published
            continue
        for item in inst.items:
            if item.is_text:
                continue
            h = defaultdict(int, {s: steps.get((key, item.key, s), 0)
                                  for s in range(1, item.scale_max + 1)})
            if item.show_if is None:
                asked = responses.get(key, 0)
            else:
                asked = steps.get((key, item.show_if.item, item.show_if.step), 0)
            answered = sum(h.values())
            row = dict.fromkeys(NNS_HEADER)
            row.update(form=form, item=item.key, group="samtliga")
            if answered >= filters.min_group_professional:
                row.update(_nns_figures(item, h, asked, answered))
            rows.append(row)
    return rows


def _exit_and_intake(filters: Filters, outer: bool):
    """Exit self-ratings (or those of `filters.end_timepoint`) completed in the period, each
    joined to the intake self-rating of the same enrolment and to the answers of both, area by
    area (only areas answered both times;
    with `outer`, also exits with no such area). Returns (exits subquery, exit answer alias,
    intake answer alias, the joined FROM clause)."""
    exits = completed(filters, [filters.instrument])
    exits = sa.select(exits).where(exits.c.timepoint == filters.end_timepoint).subquery()
    intake_q = sa.orm.aliased(Questionnaire)
    intake_a = sa.orm.aliased(Answer)
    exit_a = sa.orm.aliased(Answer)
    joined = sa.join(exits, intake_q, sa.and_(
        intake_q.enrolment_id == exits.c.eid, intake_q.instrument == filters.instrument,
        intake_q.timepoint == "intake", intake_q.respondent == "deltagare",
        intake_q.completed_at.is_not(None)))
    joined = joined.join(exit_a, sa.and_(exit_a.questionnaire_id == exits.c.qid,
                                         exit_a.step.is_not(None)), isouter=outer)
    joined = joined.join(intake_a, sa.and_(intake_a.questionnaire_id == intake_q.id,
                                           intake_a.item_key == exit_a.item_key,
                                           intake_a.step.is_not(None)), isouter=outer)
    return exits, exit_a, intake_a, joined


def _pairs(filters: Filters):
    """Per person with an exit self-rating in the period and an intake self-rating in the same
    enrolment: how many areas improved. Counted in SQL; returns (gender group, improved)->n."""
    exits, exit_a, intake_a, joined = _exit_and_intake(filters, outer=True)
    improved = sa.func.sum(sa.case((exit_a.step > intake_a.step, 1), else_=0))
    per_person = (
        sa.select(exits.c.pid, _group_sql(exits.c.gender).label("grp"),
                  sa.func.coalesce(improved, 0).label("improved"))
        .select_from(joined)
        .group_by(exits.c.pid, exits.c.gender)
    ).subquery()
    return {
        (g, n_improved): count for g, n_improved, count in db.session.execute(
            sa.select(per_person.c.grp, per_person.c.improved, sa.func.count())
            .group_by(per_person.c.grp, per_person.c.improved))
    }


def progression_header(filters: Filters) -> tuple[str, ...]:
    """group, n, areas_0_pct … areas_N_pct, any_improved_pct (N: the instrument's rated areas)."""
    n = len(filters.self_rating().areas)
    return ("group", "n", *(f"areas_{k}_pct" for k in range(n + 1)), "any_improved_pct")


def progression(filters: Filters) -> list[dict]:
    header = progression_header(filters)
    areas = len(header) - 3
    counts = _pairs(filters)
    hist = _empty_hist()
    for (g, improved), count in counts.items():
        hist[g][int(improved)] += count
    persons = _by_group({g: sum(h.values()) for g, h in hist.items()})
    shown = visible_groups(persons, filters.min_group)
    rows = []
    for group in GROUPS:
        row = dict.fromkeys(header)
        row["group"] = group
        if group in shown:
            h = _for_group(hist, group, range(areas + 1))
            n = persons[group]
            row["n"] = n
            row.update({f"areas_{k}_pct": pct(h[k], n) for k in range(areas + 1)})
            row["any_improved_pct"] = pct(n - h[0], n)
        rows.append(row)
    return rows


def _median(hist: dict[int, int]) -> Decimal:
    n = sum(hist.values())
    ordered = sorted(hist.items())

    def nth(i: int) -> int:
        seen = 0
        for step, count in ordered:
            seen += count
            if i < seen:
                return step
        raise IndexError(i)

    if n % 2:
        return Decimal(nth(n // 2))
    return (Decimal(nth(n // 2 - 1)) + Decimal(nth(n // 2))) / 2


def profile(filters: Filters) -> list[dict]:
    """Mean and median per rated area, timepoint and respondent (the group profile)."""
    inst = filters.self_rating()
    latest = completed(filters, [inst.key], respondent="*")
    latest = sa.select(latest).subquery()
    hist: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for timepoint, respondent, item, step, count in db.session.execute(
        sa.select(latest.c.timepoint, latest.c.respondent, Answer.item_key, Answer.step,
                  sa.func.count())
        .join(Answer, Answer.questionnaire_id == latest.c.qid)
        .where(Answer.step.is_not(None))
        .group_by(latest.c.timepoint, latest.c.respondent, Answer.item_key, Answer.step)
    ):
        hist[(timepoint, respondent, item)][step] = count
    # Rows for every scheduled timepoint whether or not it has data, so that a blanked row looks
    # like an empty one; other timepoints only where they have figures to show.
    scheduled = sa.select(ScheduleEntry.timepoint).where(ScheduleEntry.instrument == inst.key)
    if filters.insats is not None:
        scheduled = scheduled.join(Insats).where(Insats.name == filters.insats)
    always = set(db.session.scalars(scheduled))
    rows = []
    items = [i.key for i in inst.areas]
    for timepoint in TIMEPOINTS:
        for respondent in ("deltagare", "handledare"):
            for item in items:
                h = hist.get((timepoint, respondent, item), {})
                if timepoint not in always and sum(h.values()) < filters.min_group:
                    continue
                row = dict.fromkeys(SKAPA_HEADER)
                row.update(timepoint=timepoint, respondent=respondent, item=item)
                n = sum(h.values())
                if n and n >= filters.min_group:
                    mean = Decimal(sum(s * c for s, c in h.items())) / n
                    row.update(n=n, mean=mean.quantize(Decimal("0.01"), ROUND_HALF_UP),
                               median=_median(h))
                rows.append(row)
    return rows


@dataclass(frozen=True)
class Report:
    header: Callable[[Filters], tuple[str, ...]]
    rows: Callable[[Filters], list[dict]]


def _fixed(header: tuple[str, ...]) -> Callable[[Filters], tuple[str, ...]]:
    return lambda _filters: header


def _skapa(filters: Filters) -> list[dict]:
    """`report skapa` of domain.md part B: the profile of SKAPA."""
    return profile(dataclasses.replace(filters, instrument=DEFAULT_INSTRUMENT))


def _paired(filters: Filters) -> list[dict]:
    """Paired self-rating change (questionnaire.reporting.paired, which builds on this module)."""
    from questionnaire.reporting import paired

    return paired.rows(filters)


#: Header of `report paired` (questionnaire.reporting.paired.HEADER).
PAIRED_HEADER = ("comparison", "item", "group", "n", "intake_mean", "end_mean", "mean_change",
                 "improved_pct", "unchanged_pct", "worse_pct")

#: The reports of domain.md part B (`flask report NAME`) and `paired`; the web pages show these
#: and more.
REPORTS = {
    "nns": Report(_fixed(NNS_HEADER), nns),
    "progression": Report(progression_header, progression),
    "profile": Report(_fixed(PROFILE_HEADER), profile),
    "skapa": Report(_fixed(SKAPA_HEADER), _skapa),
    "paired": Report(_fixed(PAIRED_HEADER), _paired),
}


AREAS_HEADER = ("item", "group", "n", "improved_pct", "unchanged_pct", "worse_pct")


def progression_areas(filters: Filters) -> list[dict]:
    """Per rated area: the shares of participants (exit in the period, with an intake rating,
    the area answered both times) whose rating improved, stayed the same or got worse."""
    exits, exit_a, intake_a, joined = _exit_and_intake(filters, outer=False)
    change = sa.case((exit_a.step > intake_a.step, 1), (exit_a.step < intake_a.step, -1),
                     else_=0)
    group = _group_sql(exits.c.gender)
    counts: dict[str, dict[str, defaultdict[int, int]]] = defaultdict(_empty_hist)
    for item, g, direction, count in db.session.execute(
        sa.select(exit_a.item_key, group, change, sa.func.count())
        .select_from(joined)
        .group_by(exit_a.item_key, group, change)
    ):
        counts[item][g][int(direction)] += count
    rows = []
    for item in filters.self_rating().areas:
        hist = counts[item.key]
        persons = _by_group({g: sum(h.values()) for g, h in hist.items()})
        shown = visible_groups(persons, filters.min_group)
        for g in GROUPS:
            row = dict.fromkeys(AREAS_HEADER)
            row.update(item=item.key, group=g)
            if g in shown:
                h = _for_group(hist, g, (-1, 0, 1))
                n = persons[g]
                row.update(n=n, improved_pct=pct(h[1], n), unchanged_pct=pct(h[0], n),
                           worse_pct=pct(h[-1], n))
            rows.append(row)
    return rows


RESPONSES_HEADER = ("instrument", "timepoint", "due", "overdue", "done", "missed")
EXITS_HEADER = ("reason_group", "reason", "samtliga", "kvinnor", "man", "samtliga_pct",
                "kvinnor_pct", "man_pct")


def responses(filters: Filters, today: dt.date | None = None) -> list[dict]:
    """Questionnaires due, overdue, done and missed today, per instrument and timepoint, over
    the enrolments of the insats: who is missing an exit rating shows here first."""
    today = today or dt.date.today()
    done: dict[int, set[tuple[str, str]]] = defaultdict(set)
    completed_q = (
        sa.select(Questionnaire.enrolment_id, Questionnaire.instrument, Questionnaire.timepoint)
        .where(Questionnaire.completed_at.is_not(None), Questionnaire.respondent == "deltagare")
    )
    enrolments = sa.select(Enrolment).options(sa.orm.selectinload(Enrolment.insats)
                                              .selectinload(Insats.schedule))
    if filters.insats is not None:
        enrolments = enrolments.join(Insats).where(Insats.name == filters.insats)
        completed_q = completed_q.join(Enrolment).join(Insats).where(Insats.name == filters.insats)
    for eid, instrument, timepoint in db.session.execute(completed_q):
        done[eid].add((instrument, timepoint))
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for enrolment in db.session.scalars(enrolments.execution_options(yield_per=2000)):
        for slot in timeline(enrolment, enrolment.insats, done[enrolment.id], today):
            counts[(slot.instrument, slot.timepoint)][slot.status] += 1
    return [
        {"instrument": i, "timepoint": t, **{s: c.get(s, 0) for s in RESPONSES_HEADER[2:]}}
        for (i, t), c in sorted(counts.items(), key=lambda kv: (
            TIMEPOINTS.index(kv[0][1]), instruments.order_key(kv[0][0])))
    ]


EXIT_SHARES = ("samtliga_pct", "kvinnor_pct", "man_pct")


def exits(filters: Filters) -> list[dict]:
    """Exits in the period by reason and gender, each reason group's total and all exits; small
    cells blank, kvinnor/män blank together. `*_pct`: the share of all exits of that group (the
    positive group's row: the share with a positive exit), see `exit_shares`."""
    group = _group_sql(Participant.gender)  # one expression: PostgreSQL matches it by its binds
    query = (
        sa.select(Enrolment.exit_reason, group, sa.func.count())
        .join(Participant, Enrolment.participant_id == Participant.id)
        .where(Enrolment.exit_reason.is_not(None),
               *filters.narrowed(Enrolment.referrer, Enrolment.start_date,
                                 Participant.birth_year))
        .group_by(Enrolment.exit_reason, group)
    )
    if filters.start is not None:
        query = query.where(Enrolment.exit_date >= filters.start)
    if filters.end is not None:
        query = query.where(Enrolment.exit_date <= filters.end)
    if filters.insats is not None:
        query = query.join(Insats, Enrolment.insats_id == Insats.id).where(
            Insats.name == filters.insats)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for reason, g, count in db.session.execute(query):
        counts[reason][g] = count

    def row(reason_group: str, reason: str | None, found: dict[str, int]) -> dict:
        persons = _by_group(found)
        shown = visible_groups(persons, filters.min_group)
        return {"reason_group": reason_group, "reason": reason,
                **{g: persons[g] if g in shown else None for g in GROUPS}}

    rows = []
    everyone: dict[str, int] = defaultdict(int)
    for reason_group, reasons in EXIT_REASONS.items():
        subtotal: dict[str, int] = defaultdict(int)
        for reason in reasons:
            rows.append(row(reason_group, reason, counts.get(reason, {})))
            for g, n in counts.get(reason, {}).items():
                subtotal[g] += n
                everyone[g] += n
        rows.append(row(reason_group, None, subtotal))
    rows.append(row("total", None, everyone))
    return exit_shares(rows)


def exit_shares(rows: list[dict]) -> list[dict]:
    """`*_pct` of the exits report: the row's count as a share of all exits of the same gender
    group, shown only where both the count and the total are (after any blanking)."""
    total = next(r for r in rows if r["reason_group"] == "total")
    for r in rows:
        for g in GROUPS:
            r[f"{g}_pct"] = (pct(r[g], total[g]) if r[g] is not None and total[g] is not None
                             else None)
    return rows


#: Reports the web pages show besides the contract's three.
WEB_REPORTS = {
    "areas": Report(_fixed(AREAS_HEADER), progression_areas),
    "responses": Report(_fixed(RESPONSES_HEADER), responses),
    "exits": Report(_fixed(EXITS_HEADER), exits),
}


def _participants(filters: Filters) -> list[dict]:
    from questionnaire.reporting import halfyear  # it builds on this module

    return halfyear.participants(filters)


#: Participants per period (questionnaire.reporting.halfyear): `report participants` and on the web.
PARTICIPANTS_HEADER = ("status", "samtliga", "kvinnor", "man")
REPORTS["participants"] = Report(_fixed(PARTICIPANTS_HEADER), _participants)
