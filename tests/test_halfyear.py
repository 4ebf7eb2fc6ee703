"""The half-year report (issue 16 items 1-3, issue 18 items 11-12): participants per period,
exits by category, breakdowns by insats, referrer and age band, and downloads made for people."""

import csv
import datetime as dt
import io
import itertools

import openpyxl
import pytest
import sqlalchemy as sa

from questionnaire.casework import codes
from questionnaire.casework.schedule import default_schedule
from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, Participant
from questionnaire.reporting import periods, reports
from questionnaire.reporting.reports import GROUPS
from tests.reportdata import load_nns_and_skapa

TODAY = dt.date.today()
YEAR = periods.last_complete(TODAY)
H1, H2 = YEAR.parts("half")


def enrol(insats: str, gender: str | None, start: dt.date, exit_day: dt.date | None = None,
          reason: str = "arbete", referrer: str | None = None, birth_year: int = 1990) -> None:
    found = db.session.scalar(sa.select(Insats).filter_by(name=insats))
    if found is None:
        found = Insats(name=insats, schedule=default_schedule())
        db.session.add(found)
    person = Participant(code=codes.generate(), gender=gender, birth_year=birth_year)
    db.session.add(Enrolment(participant=person, insats=found, start_date=start,
                             exit_date=exit_day, exit_reason=reason if exit_day else None,
                             referrer=referrer))
    db.session.commit()


@pytest.fixture
def halfyear_data(app):
    """Alfa, hand-counted for the first half-year H1:
    A kvinna, in before H1, stays           -> at start, at end
    B man, new in H1, leaves in H1 (studier) -> new, exited
    C annat, new in H1, stays               -> new, at end
    D kvinna, in before H1, leaves in H2    -> at start, at end
    E man, new in H2                        -> not in H1 at all
    Beta: F kvinna new in H1 (not in Alfa's figures)."""
    before = H1.start - dt.timedelta(days=30)
    enrol("Alfa", "kvinna", before)
    enrol("Alfa", "man", H1.start + dt.timedelta(days=10), H1.start + dt.timedelta(days=100),
          reason="studier")
    enrol("Alfa", "annat", H1.start + dt.timedelta(days=20))
    enrol("Alfa", "kvinna", before, H2.start + dt.timedelta(days=5))
    enrol("Alfa", "man", H2.start + dt.timedelta(days=1))
    enrol("Beta", "kvinna", H1.start + dt.timedelta(days=3))


def _by_status(rows):
    return {r["status"]: (r["samtliga"], r["kvinnor"], r["man"]) for r in rows}


def test_participants_per_period_hand_counted(halfyear_data):
    rows = reports.REPORTS["participants"].rows(
        reports.Filters(H1.start, H1.end, "Alfa", min_group=1))
    counts = _by_status(rows)
    assert counts["active"] == (4, 2, 1)  # A B C D; C (annat) only in the total
    assert counts["new"] == (2, None, None)  # B and C: no woman new, so no gender split
    assert counts["exited"] == (1, None, None)
    assert counts["at_start"] == (2, None, None)
    assert counts["at_end"] == (3, None, None)
    everyone = _by_status(reports.REPORTS["participants"].rows(
        reports.Filters(H1.start, H1.end, None, min_group=1)))
    assert everyone["new"] == (3, 1, 1)  # F of Beta too
    assert everyone["active"] == (5, 3, 1)
    # at K = 2: the men's column has one person only, so neither gender column is shown
    assert _by_status(reports.REPORTS["participants"].rows(
        reports.Filters(H1.start, H1.end, "Alfa", min_group=2)))["active"] == (4, None, None)


def test_participants_report_on_the_command_line(runner, halfyear_data):
    result = runner.invoke(args=["report", "participants", "--from", str(H1.start),
                                 "--to", str(H1.end), "--insats", "Alfa", "--min-group", "1"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["status", "samtliga", "kvinnor", "man"]  # no column for annat
    assert _by_status(rows)["active"] == ("4", "2", "1")


@pytest.fixture
def exit_data(app):
    """Exits in H2, hand-counted: arbete 2 women 1 man, kommun_ips 1 man, lss 2 women,
    sjukskrivning_behandling 1 man; one exit in H1 (not counted)."""
    start = YEAR.start - dt.timedelta(days=60)
    day = H2.start + dt.timedelta(days=20)
    for gender, reason in [("kvinna", "arbete"), ("kvinna", "arbete"), ("man", "arbete"),
                           ("man", "kommun_ips"), ("kvinna", "lss"), ("kvinna", "lss"),
                           ("man", "sjukskrivning_behandling")]:
        enrol("Alfa", gender, start, day, reason=reason)
    enrol("Alfa", "man", start, H1.start + dt.timedelta(days=2), reason="arbete")


def test_exits_have_the_sources_categories_and_the_share_positive(exit_data):
    rows = reports.exits(reports.Filters(H2.start, H2.end, min_group=1))
    by_reason = {(r["reason_group"], r["reason"]): r for r in rows}
    assert by_reason[("positive", "kommun_ips")]["samtliga"] == 1
    lss = by_reason[("other", "lss")]
    assert (lss["samtliga"], lss["kvinnor"], lss["man"]) == (2, None, None)  # no man: no split
    assert by_reason[("other", "sjukskrivning_behandling")]["samtliga"] == 1
    positive = by_reason[("positive", None)]  # the group's total row
    assert (positive["samtliga"], positive["kvinnor"], positive["man"]) == (4, 2, 2)
    assert (str(positive["samtliga_pct"]), str(positive["kvinnor_pct"]),
            str(positive["man_pct"])) == ("57.1", "50.0", "66.7")
    total = by_reason[("total", None)]
    assert (total["samtliga"], total["kvinnor"], total["man"]) == (7, 4, 3)


def test_the_exit_form_offers_the_new_categories(handledare, client):
    person = db.session.scalar(sa.select(Participant))
    page = client.get(f"/personal/deltagare/{person.code}")
    for code in ("sjukskrivning_behandling", "kommun_ips", "lss"):
        assert f'value="{code}"' in page.text
    assert "Fortsatt insats inom kommunen / IPS" in page.text


# --- The web page: breakdowns, empty periods, downloads ---------------------------------------


@pytest.fixture
def many(app):
    """12 women and 12 men in each of Alfa and Beta, all new in the year's first quarter;
    Alfa's people referred by AF, Beta's by FK; all born 1990 (one age band)."""
    for insats, count, referrer in (("Alfa", 24, "af"), ("Beta", 24, "fk")):
        for n in range(count):
            enrol(insats, "kvinna" if n % 2 else "man", YEAR.start + dt.timedelta(days=n),
                  referrer=referrer)
    enrol("Beta", "man", YEAR.start, referrer="region")  # a lone region referral


def _table(page: str) -> str:
    return page[page.index("<table"):page.index("</table>")]


def test_participants_by_insats_side_by_side(client, login, many):
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={
        "rapport": "participants", "period": YEAR.key, "uppdelning": "insats"})
    assert page.status_code == 200
    table = _table(page.text)
    assert "Alfa" in table
    assert "Beta" in table
    assert "Alla insatser" in table
    assert ">24<" in table
    assert ">25<" in table
    assert ">49<" in table


def test_referrer_breakdown_hides_a_small_category_and_what_would_reveal_it(client, login, many):
    login("samordnare")
    response = client.get("/personal/rapporter", query_string={
        "rapport": "participants", "period": YEAR.key, "uppdelning": "referrer",
        "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    new = {r["breakdown"]: r["samtliga"] for r in rows if r["status"] == "new"}
    # the lone region referral is a cell of 1: no referrer row may be shown (AF 24 and FK 24
    # would give region = 49 - 24 - 24)
    assert new["af"] == new["fk"] == new["region"] == ""
    assert new["total"] == "49"


def test_age_band_breakdown_shows_figures_when_every_cell_is_large(client, login, many):
    login("samordnare")
    response = client.get("/personal/rapporter", query_string={
        "rapport": "participants", "period": YEAR.key, "uppdelning": "age_band",
        "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    new = {r["breakdown"]: r["samtliga"] for r in rows if r["status"] == "new"}
    band = next(b for b in new if b != "total" and new[b])
    assert new[band] == "49"


def test_an_empty_period_says_so(client, login, app):
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns",
                                                           "period": YEAR.key})
    assert page.status_code == 200
    assert "Inga svar i perioden" in page.text
    assert "<table" not in page.text


def test_a_suppressed_period_is_not_called_empty(client, login, app):
    enrol("Alfa", "kvinna", YEAR.start + dt.timedelta(days=3))  # one person: blank, not empty
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "participants",
                                                           "period": YEAR.key})
    assert "Inga svar i perioden" not in page.text
    assert "<table" in page.text


def test_excel_download_has_swedish_headings_and_a_title_row(client, login, runner, tmp_path):
    load_nns_and_skapa(runner, tmp_path)
    login("samordnare")
    response = client.get("/personal/rapporter", query_string={
        "rapport": "nns", "period": "2025", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    title = " ".join(str(c) for row in rows[:4] for c in row if c)
    assert "NNS indikatorenkät" in title
    assert "1 november 2025" in title
    assert "31 oktober 2026" in title
    assert "Alla insatser" in title
    assert "färre än 10 personer" in title
    header = next(r for r in rows if r[0] == "Formulär")
    assert "% positivt" in header
    assert "positive_pct" not in header
    start = rows.index(header)
    body = [r for r in rows[start + 1:] if r[1] == "N1 " or (r[1] or "").startswith("N1")]
    avslut = next(r for r in body if r[0] == "Avslut" and r[2] == "Samtliga")
    assert avslut[header.index("% positivt")] == 75.0  # a number, formatted by Excel


def test_csv_for_excel_has_swedish_headings_title_and_decimal_comma(client, login, runner,
                                                                    tmp_path):
    load_nns_and_skapa(runner, tmp_path)
    login("samordnare")
    response = client.get("/personal/rapporter", query_string={
        "rapport": "nns", "period": "2025", "format": "csv-excel"})
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert "NNS indikatorenkät" in lines[0][0]
    header = next(r for r in lines if r and r[0] == "Formulär")
    row = next(r for r in lines if r[:1] == ["Avslut"] and r[1].startswith("N1")
               and r[2] == "Samtliga")
    assert row[header.index("% positivt")] == "75,0"
    # the plain CSV stays the contract's, for programs
    plain = client.get("/personal/rapporter", query_string={
        "rapport": "nns", "period": "2025", "format": "csv"}).get_data(as_text=True)
    assert plain.splitlines()[0] == ",".join(reports.NNS_HEADER)


# --- The differencing rule over every allowed pair, with breakdowns ----------------------------

from tests.test_report_periods import INSATSER, K, generated, members  # noqa: E402, F401

REFERRERS = ["af", "af", "af", "fk", "fk", "kommun", "region", None]  # region: rare


@pytest.fixture
def split_people(generated):  # noqa: F811 (the imported fixture)
    """The generated people of test_report_periods, with referrers and birth years (some rare
    categories, so that the rule has something to hide)."""
    import random

    rng = random.Random(16)
    for p in generated:
        p["referrer"] = rng.choice(REFERRERS)
        p["birth_year"] = rng.choice([1960, 1980, 1980, 1990, 1990, 2004])
        enrolment = db.session.scalar(sa.select(Enrolment).join(Participant)
                                      .where(Participant.code == p["code"]))
        enrolment.referrer = p["referrer"]
        enrolment.participant.birth_year = p["birth_year"]
        p["start"] = enrolment.start_date
    db.session.commit()
    return generated


def in_category(p, split, category) -> bool:
    if split is None or category == "total":
        return True
    if split == "referrer":
        return (p["referrer"] or "annan") == category
    if category == "okand":
        return p["birth_year"] is None
    age = p["start"].year - p["birth_year"]
    bands = {"16-24": (0, 24), "25-34": (25, 34), "35-44": (35, 44), "45-54": (45, 54),
             "55-67": (55, 200)}
    low, high = bands[category]
    return low <= age <= high


def participant_members(people, status, group, period, insats):
    def counted(p):
        start, end = p["start"], p["exit"]
        return {"new": period.start <= start <= period.end,
                "exited": period.start <= end <= period.end,
                "at_start": start < period.start <= end,
                "at_end": start <= period.end < end,
                "active": start <= period.end and end >= period.start}[status]
    return {p["code"] for p in people if counted(p) and insats in (None, p["insats"])
            and group in ("samtliga", {"kvinna": "kvinnor", "man": "man"}.get(p["gender"]))}


@pytest.mark.parametrize(("name", "split"), [
    ("participants", None), ("participants", "referrer"), ("participants", "age_band"),
    ("exits", "referrer"), ("nns", "age_band"), ("progression", "referrer"),
])
def test_breakdowns_cannot_be_subtracted(split_people, name, split):
    from questionnaire.reporting import disclosure

    shape = disclosure.SHAPES[name]
    allowed = periods.complete(TODAY, min(p["intake"] for p in split_people))
    shown: dict[tuple, set[str]] = {}
    blank = 0
    cache: dict = {}  # the grids of each NNS year, found once
    for period, insats in itertools.product(allowed, (None, *INSATSER)):
        views = [(None, None, disclosure.report(name, period, insats, K, list(INSATSER),
                                                _grids=cache))]
        if split:
            rows = disclosure.report_by(split, name, period, insats, K, list(INSATSER),
                                        cache=cache)
            views += [(split, c, [r for r in rows if r["breakdown"] == c])
                      for c in disclosure.breakdown.DIMENSIONS[split]]
        for view_split, category, rows in views:
            people = [p for p in split_people if in_category(p, view_split, category)]
            for row in rows:
                key = tuple(row[c] for c in shape.key)
                if name == "nns" and key[0] != "avslut":
                    continue
                for group in (GROUPS if shape.group_columns else [row[shape.group]]):
                    value = row[group] if shape.group_columns else row[shape.persons]
                    if name == "participants":
                        who = participant_members(people, key[0], group, period, insats)
                    elif name == "exits" and key[1] is None:
                        continue  # totals: sums of the reasons' rows
                    else:
                        who = members(people, name, key, group, period, insats)
                    if value is None:
                        blank += bool(who)
                        continue
                    assert value == len(who), (key, group, period, insats, category)
                    shown[(key, group, period, insats, category)] = who
    assert blank
    assert len(shown) > 5
    by_key: dict[tuple, list[set[str]]] = {}
    for (key, *_view), who in shown.items():
        by_key.setdefault(key, []).append(who)
    for key, sets in by_key.items():
        for a, b in itertools.permutations(sets, 2):
            if b <= a:
                assert len(a - b) == 0 or len(a - b) >= K, key


def test_demo_data_makes_every_report_show_figures(runner, client, login):
    import re
    import time

    began = time.monotonic()
    result = runner.invoke(args=["demo-data", "--seed", "1"])  # the default size (make run)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 60
    login("samordnare")
    for name in ("nns", "progression", "areas", "profile", "exits", "participants"):
        page = client.get("/personal/rapporter", query_string={"rapport": name})
        assert page.status_code == 200
        assert f'<option value="{YEAR.key}" selected>' in page.text  # the last ended NNS year
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", _table(page.text))
        assert any(re.fullmatch(r"[\d\s,]+", c.strip()) for c in cells if c.strip()), name
