"""Web group reports over whole reporting periods: no two reports can be subtracted to reveal
a group smaller than K (questionnaire.reporting.disclosure)."""

import csv
import datetime as dt
import io
import itertools
import random

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import EXIT_REASONS, Enrolment, Participant
from questionnaire.reporting import disclosure, periods
from questionnaire.reporting.reports import GROUPS
from tests.reportdata import HEADER, Data

TODAY = dt.date.today()
YEAR = periods.last_complete(TODAY)  # the last NNS year that has ended


def day_in(period, rng):
    return period.start + dt.timedelta(days=rng.randrange((period.end - period.start).days + 1))


def nns_csv(client, query):
    response = client.get("/personal/rapporter",
                          query_string={"rapport": "nns", "format": "csv", **query})
    if response.status_code != 200:
        return response, {}
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    return response, {(r["form"], r["item"], r["group"]): r for r in rows}


def test_two_overlapping_day_ranges_cannot_be_subtracted(client, login, runner, tmp_path):
    """The issue's attack: 12 answered from the 12th of February, 11 from the 3rd of March: the
    difference was the NNS answers of the one person who completed on the 12th."""
    lone_day = YEAR.start + dt.timedelta(days=103)  # 12 February
    d = Data()
    d.form(d.person("kvinna"), "nns-avslut", "exit", str(lone_day), {"N1": 1, "N5": 1})
    for n in range(11):
        d.form(d.person("kvinna" if n % 2 else "man"), "nns-avslut", "exit",
               str(lone_day + dt.timedelta(days=19 + 9 * n)), {"N1": 6, "N5": 6})
    d.load(runner, tmp_path)
    login("samordnare")
    wide, _ = nns_csv(client, {"fran": str(lone_day), "till": str(YEAR.end)})
    narrow, _ = nns_csv(client, {"fran": str(lone_day + dt.timedelta(days=19)),
                                 "till": str(YEAR.end)})
    assert (wide.status_code, narrow.status_code) == (400, 400)
    assert "hela redovisningsperioder" in wide.get_data(as_text=True)
    # Over the whole periods a samordnare may choose, no two N1 rows differ by 1..9 persons.
    answered = []
    for period in periods.complete(TODAY, lone_day):
        response, rows = nns_csv(client, {"period": period.key})
        assert response.status_code == 200
        answered += [int(r["answered"]) for key, r in rows.items()
                     if key[:2] == ("avslut", "N1") and r["answered"]]
    assert 12 in answered  # the year, everyone: shown
    assert all(x - y == 0 or x - y >= 10 for x, y in itertools.permutations(answered, 2))


def test_the_page_offers_whole_periods_and_defaults_to_the_last_ended_nns_year(client, login):
    login("samordnare")
    page = client.get("/personal/rapporter")
    assert page.status_code == 200
    assert f'<option value="{YEAR.key}" selected>' in page.text
    assert 'type="date"' not in page.text
    assert f'value="{YEAR.key}-Q4"' in page.text
    running = periods.containing(TODAY)
    assert f'value="{running.key}"' not in page.text  # a year still running: not offered
    refused = client.get("/personal/rapporter", query_string={"period": running.key})
    assert refused.status_code == 400
    assert "är inte slut än" in refused.text


def test_periods_nest():
    year = periods.Period(2025, "year")
    assert (year.start, year.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    quarters = year.parts("quarter")
    assert [(q.start, q.end) for q in quarters[1:2]] == [(dt.date(2026, 2, 1),
                                                         dt.date(2026, 4, 30))]
    assert all(year.contains(q) for q in quarters)
    assert [h.parts("quarter") for h in year.parts("half")] == [quarters[:2], quarters[2:]]
    for a, b in itertools.combinations(periods.complete(dt.date(2027, 1, 1),
                                                        dt.date(2024, 12, 1)), 2):
        disjoint = a.end < b.start or b.end < a.start
        assert disjoint or a.contains(b) or b.contains(a)
    assert periods.parse("2025-H2") == periods.Period(2025, "half", 2)
    assert periods.parse("2025-Q5") is None
    assert periods.parse("förra året") is None


# --- Every allowed pair, on generated data ---------------------------------------------------

K = 3
INSATSER = ("Alfa", "Beta")
NNS_ITEMS = ("N1", "N2", "N3", "N4", "N5", "N7", "N9")
REASONS = ("arbete", "studier", "flyttat")


@pytest.fixture
def generated(app, runner, tmp_path):
    """Two NNS years of participants: NNS avslut, SKAPA intake and exit, exits. Small groups on
    purpose (a small insats, a few of gender annat or not stated, skipped items)."""
    rng = random.Random(14)
    d = Data()
    people = []
    for year in (YEAR.year_earlier(), YEAR):
        for n in range(70):
            insats = "Beta" if n % 6 == 0 else "Alfa"
            gender = rng.choice(["kvinna", "man"] * 12 + ["annat", ""])
            person = d.person(gender)
            exit_day = day_in(year, rng)
            nns = {item: (rng.randint(1, 6) if rng.random() > 0.1 else None)
                   for item in NNS_ITEMS}
            nns["N6a"] = rng.randint(1, 2)
            if nns["N6a"] == 2:
                nns["N6b"] = rng.randint(1, 6)
            intake = {f"S{k}": rng.randint(1, 5) for k in range(1, 7)}
            leaving = {f"S{k}": (rng.randint(1, 5) if rng.random() > 0.1 else None)
                       for k in range(1, 7)}
            intake_day = exit_day - dt.timedelta(days=rng.randint(30, 300))
            d.form(person, "skapa", "intake", str(intake_day), intake, insats=insats)
            d.form(person, "skapa", "exit", str(exit_day), leaving, insats=insats)
            d.form(person, "nns-avslut", "exit", str(exit_day), nns, insats=insats)
            people.append({"code": person[0].replace("-", ""), "gender": gender,
                           "insats": insats, "exit": exit_day, "intake": intake_day,
                           "nns": nns, "skapa_intake": intake, "skapa_exit": leaving,
                           "reason": rng.choice(REASONS)})
    d.load(runner, tmp_path)
    for p in people:  # the exits, as a handledare records them
        enrolment = db.session.scalar(sa.select(Enrolment).join(Participant)
                                      .where(Participant.code == p["code"]))
        enrolment.exit_date, enrolment.exit_reason = p["exit"], p["reason"]
    db.session.commit()
    app.config["REPORT_MIN_GROUP"] = K
    return people


GROUP_OF = {"kvinna": "kvinnor", "man": "man"}


def members(people, name, key, group, period, insats):
    """Who a report row is about, from the generated data (not from the report code)."""
    def where(p, day):
        return (period.start <= day <= period.end and insats in (None, p["insats"])
                and group in ("samtliga", GROUP_OF.get(p["gender"])))

    if name == "nns":
        form, item = key
        if form != "avslut":
            return set()
        return {p["code"] for p in people
                if where(p, p["exit"]) and p["nns"].get(item) is not None}
    if name == "progression":
        return {p["code"] for p in people if where(p, p["exit"])}
    if name == "areas":
        (item,) = key
        return {p["code"] for p in people
                if where(p, p["exit"]) and p["skapa_exit"][item] is not None}
    if name == "profile":
        timepoint, respondent, item = key
        if respondent != "deltagare" or timepoint not in ("intake", "exit"):
            return set()
        return {p["code"] for p in people if where(p, p[timepoint])
                and p[f"skapa_{timepoint}"][item] is not None}
    if name == "paired":  # intake and exit only here: the latest rating is the exit one
        _comparison, item = key
        return {p["code"] for p in people
                if where(p, p["exit"]) and p["skapa_exit"][item] is not None
                and p["skapa_intake"][item] is not None}
    reason_group, reason = key
    if reason is None:  # a reason group's total, or all exits
        reasons = set(REASONS) if reason_group == "total" else set(EXIT_REASONS[reason_group])
    else:
        reasons = {reason}
    return {p["code"] for p in people if where(p, p["exit"]) and p["reason"] in reasons}


@pytest.mark.parametrize("name", ["nns", "progression", "areas", "profile", "exits", "paired"])
def test_no_two_allowed_reports_differ_by_a_small_group(generated, name):
    shape = disclosure.SHAPES[name]
    allowed = periods.complete(TODAY, min(p["intake"] for p in generated))
    shown: dict[tuple, set[str]] = {}  # (key, group, period, insats) -> who the figures are about
    blank = 0
    for period, insats in itertools.product(allowed, (None, *INSATSER)):
        for row in disclosure.report(name, period, insats, K, list(INSATSER)):
            key = tuple(row[c] for c in shape.key)
            groups = (GROUPS if shape.group_columns
                      else [row[shape.group] if shape.group else "samtliga"])
            for group in groups:
                value = row[group] if shape.group_columns else row[shape.persons]
                who = members(generated, name, key, group, period, insats)
                if value is None:
                    blank += bool(who)
                    continue
                assert value == len(who), (key, group, period, insats)  # the right people
                shown[(key, group, period, insats)] = who
    assert blank  # the rule had something to hide...
    assert len(shown) > 10  # ...and something to show
    levels = {p.level for (_k, _g, p, _i), who in shown.items() if who}
    assert "quarter" in levels or "half" in levels  # finer periods where the cells allow
    by_key: dict[tuple, list[set[str]]] = {}
    for (key, *_view), who in shown.items():
        by_key.setdefault(key, []).append(who)
    for key, sets in by_key.items():
        for a, b in itertools.permutations(sets, 2):
            if b <= a:  # one report's people inside the other's: the difference is a group
                assert len(a - b) == 0 or len(a - b) >= K, key
    for (key, group, period, insats), everyone in shown.items():
        if group == "samtliga" and (key, "kvinnor", period, insats) in shown:
            rest = everyone - shown[(key, "kvinnor", period, insats)] - shown[
                (key, "man", period, insats)]
            assert len(rest) == 0 or len(rest) >= K, key  # annat and not stated



# --- The professional NNS rows (anonymous responses, no gender, not split by insats) -----------

PROFESSIONAL_ITEMS = {"personal": ("P3", "P6", "P8a"), "styrelse": ("B12", "B14a")}


@pytest.fixture
def professional(app, runner, tmp_path):
    """Two NNS years of paper responses from staff (spread over the months, some for an insats,
    skipped items) and a board of six answering in one month."""
    rng = random.Random(15)
    lines, found, number = [], [], itertools.count(1)
    for year in (YEAR.year_earlier(), YEAR):
        answers = [("personal", day_in(year, rng)) for _ in range(30)]
        board_day = day_in(year, rng)
        answers += [("styrelse", board_day)] * 6
        for form, day in answers:
            insats = rng.choice(["", "", "Alfa", "Beta"])
            values = {item: (rng.randint(1, 6) if rng.random() > 0.15 else None)
                      for item in PROFESSIONAL_ITEMS[form]}
            n = next(number)
            lines += [f"{n},,,{insats},nns-{form},,,{item},{'' if v is None else v},{day}"
                      for item, v in values.items()]
            found.append({"form": form, "month": (day.year, day.month), "values": values})
    path = tmp_path / "professional.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output
    return found


def professional_members(found, key, period):
    """Which responses a professional row is about, from the generated data (by month)."""
    form, item = key

    def in_period(month):
        first = dt.date(*month, 1)
        return period.start <= first <= period.end

    return {n for n, r in enumerate(found) if r["form"] == form and in_period(r["month"])
            and r["values"].get(item) is not None}


def test_professional_rows_follow_the_rule_with_their_own_k(professional):
    kp = 4
    allowed = periods.complete(TODAY, YEAR.year_earlier().start)
    shown: dict[tuple, set[int]] = {}
    for period, insats in itertools.product(allowed, (None, *INSATSER)):
        rows = [r for r in disclosure.report("nns", period, insats, K, list(INSATSER),
                                             k_professional=kp)
                if r["form"] in ("personal", "remittent", "chefsgrupp", "styrelse")]
        assert {r["group"] for r in rows} == {"samtliga"}
        for row in rows:
            key = (row["form"], row["item"])
            if row["answered"] is None:
                continue
            assert insats is None, (key, period, insats)  # never for one insats
            who = professional_members(professional, key, period)
            assert row["answered"] == len(who), (key, period)
            assert row["answered"] >= kp
            shown[(key, period)] = who
    year_rows = {k for (k, p) in shown if p == YEAR}
    assert ("personal", "P3") in year_rows
    assert ("styrelse", "B12") in year_rows  # a board of six over the year: shown
    for (key, _p), who in shown.items():
        for (other, _q), them in shown.items():
            if other == key and them <= who:
                assert len(who - them) == 0 or len(who - them) >= kp, key


def test_the_page_shows_the_professional_rows(client, login, app, professional):
    app.config["REPORT_MIN_GROUP_PROFESSIONAL"] = 3
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns",
                                                           "period": YEAR.key})
    assert page.status_code == 200
    assert "Styrelse" in page.text
    assert "B14a" in page.text
    _response, rows = nns_csv(client, {"period": YEAR.key})
    board = rows[("styrelse", "B12", "samtliga")]
    assert int(board["n"]) == 6
    assert int(board["answered"]) == len(professional_members(professional, ("styrelse", "B12"),
                                                               YEAR))
    _response, alfa = nns_csv(client, {"period": YEAR.key, "insats": "Alfa"})
    assert alfa[("styrelse", "B12", "samtliga")]["n"] == ""
