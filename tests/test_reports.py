"""Reports against hand-computed numbers (domain.md part B)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.conftest import fill_in, skapa
from tests.reportdata import Data

AVSLUT = "nns-avslut"


def report(runner, *args):
    result = runner.invoke(args=["report", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def figures(r, *cols):
    return tuple(r[c] for c in cols)


PCTS = ("n", "answered", "negative_pct", "neutral_pct", "positive_pct", "clearly_positive_pct",
        "response_rate_pct")


@pytest.fixture
def nns_data(runner, tmp_path):
    data = Data()
    women_n1 = [1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, None]  # 11 answered of 12
    for n, step in enumerate(women_n1):
        data.form(data.person("kvinna"), AVSLUT, "exit", "2026-03-01",
                  {"N1": step, "N6a": 2 if n < 10 else 1, **({"N6b": 4} if n < 10 else {}),
                   "F11": "Något, viktigt"})
    for _ in range(11):
        data.form(data.person("man"), AVSLUT, "exit", "2026-03-02", {"N1": 4, "N6a": 1})
    data.form(data.person("annat"), AVSLUT, "exit", "2026-03-03", {"N1": 1, "N6a": 2, "N6b": 6})
    # outside the period, and in another insats: neither may count
    data.form(data.person("kvinna"), AVSLUT, "exit", "2025-10-31", {"N1": 1})
    data.form(data.person("man"), AVSLUT, "exit", "2026-03-01", {"N1": 1}, insats="Beta")
    data.load(runner, tmp_path)


def test_nns_header_is_exactly_the_contract(runner, nns_data):
    result = runner.invoke(args=["report", "nns"])
    assert result.stdout.splitlines()[0] == (
        "form,item,group,n,answered,negative_pct,neutral_pct,positive_pct,"
        "clearly_positive_pct,response_rate_pct,change_pp")


def test_nns_frequency_item_by_hand(runner, nns_data):
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31", "--insats", "Alfa")
    assert figures(row(rows, form="avslut", item="N1", group="samtliga"), *PCTS) == (
        "24", "23", "13.0", "4.3", "82.6", "26.1", "95.8")
    assert figures(row(rows, form="avslut", item="N1", group="kvinnor"), *PCTS) == (
        "12", "11", "18.2", "9.1", "72.7", "54.5", "91.7")
    assert figures(row(rows, form="avslut", item="N1", group="man"), *PCTS) == (
        "11", "11", "0.0", "0.0", "100.0", "0.0", "100.0")


def test_nns_yes_no_item_and_the_skip_rule(runner, nns_data):
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31", "--insats", "Alfa")
    assert figures(row(rows, form="avslut", item="N6a", group="samtliga"), *PCTS) == (
        "24", "24", "54.2", "", "45.8", "", "100.0")
    # N6b is asked only of those who said Ja: 10 women and 1 annat; men are 0: both blank
    assert figures(row(rows, form="avslut", item="N6b", group="samtliga"), *PCTS) == (
        "11", "11", "0.0", "0.0", "100.0", "9.1", "100.0")
    for group in ("kvinnor", "man"):
        assert set(row(rows, form="avslut", item="N6b", group=group).values()) == {
            "avslut", "N6b", group, ""}
    # free text is not in the table; the pågående form has rows but no figures
    assert not [r for r in rows if r["item"].startswith("F")]
    assert row(rows, form="pagaende", item="N1", group="samtliga")["n"] == ""


@pytest.mark.parametrize(("women", "shown"), [(9, False), (10, True), (11, True)])
def test_small_group_rule_at_k_minus_1_k_and_k_plus_1(runner, tmp_path, women, shown):
    data = Data()
    for _ in range(women):
        data.form(data.person("kvinna"), AVSLUT, "exit", "2026-03-01", {"N1": 6})
    for _ in range(10):
        data.form(data.person("man"), AVSLUT, "exit", "2026-03-01", {"N1": 1})
    data.load(runner, tmp_path)
    rows = report(runner, "nns")
    women_row = row(rows, form="avslut", item="N1", group="kvinnor")
    men_row = row(rows, form="avslut", item="N1", group="man")
    assert (women_row["n"] != "") is shown
    assert (men_row["n"] != "") is shown  # blank together, so neither is derived from samtliga
    assert row(rows, form="avslut", item="N1", group="samtliga")["n"] == str(women + 10)


def test_samtliga_below_k_is_blank_and_min_group_is_configurable(runner, tmp_path):
    data = Data()
    for _ in range(3):
        data.form(data.person("kvinna"), AVSLUT, "exit", "2026-03-01", {"N1": 5})
    data.load(runner, tmp_path)
    assert row(report(runner, "nns"), form="avslut", item="N1", group="samtliga")["n"] == ""
    rows = report(runner, "nns", "--min-group", "3")
    assert row(rows, form="avslut", item="N1", group="samtliga")["positive_pct"] == "100.0"


def test_change_against_the_same_period_a_year_earlier(runner, tmp_path):
    data = Data()
    for n in range(10):  # 2024/25: 6 of 10 positive
        data.form(data.person("kvinna"), AVSLUT, "exit", "2025-05-01", {"N1": 5 if n < 6 else 2})
    for n in range(10):  # 2025/26: 8 of 10 positive
        data.form(data.person("kvinna"), AVSLUT, "exit", "2026-05-01", {"N1": 5 if n < 8 else 2})
    data.load(runner, tmp_path)
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31")
    assert row(rows, form="avslut", item="N1", group="samtliga")["change_pp"] == "20.0"
    assert row(rows, form="avslut", item="N2", group="samtliga")["change_pp"] == ""
    rows = report(runner, "nns")  # no period, no year earlier
    assert row(rows, form="avslut", item="N1", group="samtliga")["change_pp"] == ""


def skapa_form(data, person, timepoint, day, steps, respondent=""):
    data.form(person, "skapa", timepoint, day,
              {f"S{n}": s for n, s in enumerate(steps, start=1)}, respondent=respondent)


@pytest.fixture
def progression_data(runner, tmp_path):
    data = Data()
    a, b, c = data.person("kvinna"), data.person("kvinna"), data.person("man")
    skapa_form(data, a, "intake", "2025-12-01", [1, 1, 1, 1, 1, None])
    skapa_form(data, a, "exit", "2026-06-01", [2, 2, 1, 1, 1, 5])  # S6 skipped at intake: 2
    skapa_form(data, b, "intake", "2025-12-01", [3, 3, 3, 3, 3, 3])
    skapa_form(data, b, "exit", "2026-06-01", [2, 2, 2, 2, 2, 2])  # 0
    skapa_form(data, c, "intake", "2025-12-01", [1, 1, 1, 1, 1, 1])
    skapa_form(data, c, "exit", "2026-06-01", [5, 5, 5, 5, 5, 5])  # 6
    skapa_form(data, c, "exit", "2026-06-02", [1, 1, 1, 1, 1, 1], respondent="handledare")
    skapa_form(data, data.person("man"), "intake", "2025-12-01", [1] * 6)  # only an intake
    late = data.person("man")
    skapa_form(data, late, "intake", "2025-12-01", [1] * 6)
    skapa_form(data, late, "exit", "2026-11-05", [5] * 6)  # exit outside the period
    data.load(runner, tmp_path)


PROG = ("n", *(f"areas_{k}_pct" for k in range(7)), "any_improved_pct")


def test_progression_by_hand(runner, progression_data):
    args = ["progression", "--from", "2025-11-01", "--to", "2026-10-31"]
    result = runner.invoke(args=["report", *args, "--min-group", "2"])
    assert result.stdout.splitlines()[0] == (
        "group,n,areas_0_pct,areas_1_pct,areas_2_pct,areas_3_pct,areas_4_pct,areas_5_pct,"
        "areas_6_pct,any_improved_pct")
    rows = report(runner, *args, "--min-group", "2")
    assert figures(row(rows, group="samtliga"), *PROG) == (
        "3", "33.3", "0.0", "33.3", "0.0", "0.0", "0.0", "33.3", "66.7")
    assert figures(row(rows, group="man"), *PROG) == ("",) * 9  # one man: both blank
    assert figures(row(rows, group="kvinnor"), *PROG) == ("",) * 9
    rows = report(runner, *args, "--min-group", "1")
    assert figures(row(rows, group="kvinnor"), *PROG) == (
        "2", "50.0", "0.0", "50.0", "0.0", "0.0", "0.0", "0.0", "50.0")
    assert figures(row(rows, group="man"), *PROG) == (
        "1", "0.0", "0.0", "0.0", "0.0", "0.0", "0.0", "100.0", "100.0")


def test_skapa_profile_keeps_participants_and_handledare_apart(runner, progression_data):
    rows = report(runner, "skapa", "--min-group", "1")
    assert figures(row(rows, timepoint="intake", respondent="deltagare", item="S1"),
                   "n", "mean", "median") == ("5", "1.40", "1")
    assert figures(row(rows, timepoint="exit", respondent="deltagare", item="S1"),
                   "n", "mean", "median") == ("4", "3.50", "3.5")  # 2, 2, 5, 5
    assert figures(row(rows, timepoint="exit", respondent="handledare", item="S1"),
                   "n", "mean", "median") == ("1", "1.00", "1")
    assert figures(row(rows, timepoint="intake", respondent="deltagare", item="S6"),
                   "n", "mean", "median") == ("4", "1.50", "1")
    blank = report(runner, "skapa")  # K = 10: every row blank, but the rows are there
    assert {r["n"] for r in blank} == {""}
    assert len(blank) == len(rows)


def test_xlsx_round_trip_and_audit(runner, nns_data, tmp_path):
    out = tmp_path / "nns.xlsx"
    result = runner.invoke(args=["report", "nns", "--from", "2025-11-01", "--to", "2026-10-31",
                                 "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("form", "item", "group", "n")
    first = next(r for r in rows if r[:3] == ("avslut", "N1", "kvinnor"))
    assert first[3] == 12
    assert first[7] == pytest.approx(72.7)  # positive_pct
    last = sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
    assert db.session.scalar(last) == "report"  # (after the fixture's import-answers)


@pytest.mark.parametrize("args", [
    ["nns", "--from", "2026-13-01"], ["nns", "--from", "2026-05-01", "--to", "2026-01-01"],
    ["nns", "--insats", "Finns inte"], ["nns", "--format", "xlsx"], ["weird"],
    ["nns", "--min-group", "0"],
])
def test_bad_report_options_fail_clearly(runner, args):
    result = runner.invoke(args=["report", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_exits_by_reason_and_gender(make_participant):
    from questionnaire.reporting import reports

    for _ in range(3):
        make_participant(days_ago=300, gender="kvinna", exit_days_ago=10)  # reason: arbete
    make_participant(days_ago=300, gender="man", exit_days_ago=10)
    rows = {r["reason"]: r for r in reports.exits(reports.Filters(min_group=1))}
    assert (rows["arbete"]["samtliga"], rows["arbete"]["kvinnor"], rows["arbete"]["man"]) == (
        4, 3, 1)
    assert rows["studier"]["samtliga"] is None  # no one: looks like a blanked cell
    rows = {r["reason"]: r for r in reports.exits(reports.Filters(min_group=2))}
    assert (rows["arbete"]["samtliga"], rows["arbete"]["kvinnor"], rows["arbete"]["man"]) == (
        4, None, None)


def test_response_overview_counts_due_done_and_missed(make_participant):
    import datetime as dt

    from questionnaire.reporting import reports

    make_participant(days_ago=5)  # intake due
    make_participant(days_ago=45)  # intake overdue
    make_participant(days_ago=190)  # 6m open: intake missed
    done = make_participant(days_ago=3)
    fill_in(done, "skapa", "intake", skapa(2, 2, 2, 2, 2, 2))
    rows = {(r["instrument"], r["timepoint"]): r
            for r in reports.responses(reports.Filters(), today=dt.date.today())}
    intake = rows[("skapa", "intake")]
    assert (intake["due"], intake["overdue"], intake["done"], intake["missed"]) == (1, 1, 1, 1)
    assert rows[("nns-pagaende", "6m")]["due"] == 1


def test_progression_per_area_by_hand(runner, progression_data):
    from questionnaire.reporting import reports

    rows = reports.progression_areas(reports.Filters(
        dt.date(2025, 11, 1), dt.date(2026, 10, 31), min_group=1))
    s1 = next(r for r in rows if (r["item"], r["group"]) == ("S1", "samtliga"))
    # S1: a 1->2 better, b 3->2 worse, c 1->5 better
    assert (s1["n"], str(s1["improved_pct"]), str(s1["unchanged_pct"]),
            str(s1["worse_pct"])) == (3, "66.7", "0.0", "33.3")
    s6 = next(r for r in rows if (r["item"], r["group"]) == ("S6", "samtliga"))
    assert s6["n"] == 2  # a skipped S6 at intake: not compared


@pytest.mark.parametrize(("men", "shown"), [(9, False), (10, True), (11, True)])
def test_small_group_rule_for_men_at_k_minus_1_k_and_k_plus_1(runner, tmp_path, men, shown):
    data = Data()
    for _ in range(10):
        data.form(data.person("kvinna"), AVSLUT, "exit", "2026-03-01", {"N1": 6})
    for _ in range(men):
        data.form(data.person("man"), AVSLUT, "exit", "2026-03-01", {"N1": 1})
    data.load(runner, tmp_path)
    rows = report(runner, "nns")
    for group in ("kvinnor", "man"):
        assert (row(rows, form="avslut", item="N1", group=group)["n"] != "") is shown
