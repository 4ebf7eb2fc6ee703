"""Paired self-rating change (issue 16, item 4): the same people at intake and later, by hand."""

import csv
import io

import pytest

from tests import xlsforms
from tests.reportdata import Data

YEAR = ["--from", "2025-11-01", "--to", "2026-10-31"]
FIGURES = ("n", "intake_mean", "end_mean", "mean_change", "improved_pct", "unchanged_pct",
           "worse_pct")


def report(runner, *args):
    result = runner.invoke(args=["report", "paired", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, list(csv.DictReader(io.StringIO(result.stdout)))


def row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def figures(r):
    return tuple(r[c] for c in FIGURES)


def skapa(data, person, timepoint, day, steps, respondent=""):
    data.form(person, "skapa", timepoint, day,
              {f"S{n}": s for n, s in enumerate(steps, start=1)}, respondent=respondent)


@pytest.fixture
def paired_data(runner, tmp_path):
    d = Data()
    a, b = d.person("kvinna"), d.person("kvinna")
    c, other = d.person("man"), d.person("annat")
    skapa(d, a, "intake", "2025-12-01", [1, 1, 1, 1, 1, None])
    skapa(d, a, "6m", "2026-03-01", [2, 2, 2, 2, 2, 2])
    skapa(d, a, "exit", "2026-06-01", [3, 1, 1, 1, 1, 5])
    skapa(d, b, "intake", "2025-12-01", [3, 3, 3, 3, 3, 3])
    skapa(d, b, "exit", "2026-06-01", [2, 3, 4, 3, 3, 3])
    skapa(d, c, "intake", "2025-12-01", [1, 1, 1, 1, 1, 1])
    skapa(d, c, "6m", "2026-05-01", [4, 4, 4, 4, 4, 4])  # no exit yet
    skapa(d, c, "6m", "2026-05-02", [1, 1, 1, 1, 1, 1], respondent="handledare")
    skapa(d, other, "intake", "2025-12-01", [2] * 6)
    skapa(d, other, "exit", "2026-06-01", [4] * 6)
    skapa(d, d.person("man"), "exit", "2026-06-01", [5] * 6)  # no intake: not paired
    late = d.person("man")
    skapa(d, late, "intake", "2025-12-01", [1] * 6)
    skapa(d, late, "exit", "2026-11-05", [5] * 6)  # after the period
    d.load(runner, tmp_path)


def test_header_and_the_exit_comparison_by_hand(runner, paired_data):
    text, rows = report(runner, *YEAR, "--min-group", "1")
    assert text.splitlines()[0] == ("comparison,item,group,n,intake_mean,end_mean,mean_change,"
                                    "improved_pct,unchanged_pct,worse_pct")
    # S1 intake -> exit: a 1->3, b 3->2, annat 2->4 (c has no exit, one has no intake)
    assert figures(row(rows, comparison="exit", item="S1", group="samtliga")) == (
        "3", "2.00", "3.00", "1.00", "66.7", "0.0", "33.3")
    # S6: a skipped it at intake, so only b 3->3 and annat 2->4
    assert figures(row(rows, comparison="exit", item="S6", group="samtliga")) == (
        "2", "2.50", "3.50", "1.00", "50.0", "50.0", "0.0")
    # no man has an exit pair: kvinnor and män are blank together
    assert figures(row(rows, comparison="exit", item="S1", group="kvinnor")) == ("",) * 7
    assert figures(row(rows, comparison="exit", item="S1", group="man")) == ("",) * 7


def test_intake_to_latest_and_by_gender(runner, paired_data):
    _text, rows = report(runner, *YEAR, "--min-group", "1")
    # a 1->3 (exit is her latest), b 3->2, c 1->4 (his 6m; the handledare's does not count),
    # annat 2->4
    assert figures(row(rows, comparison="latest", item="S1", group="samtliga")) == (
        "4", "1.75", "3.25", "1.50", "75.0", "0.0", "25.0")
    assert figures(row(rows, comparison="latest", item="S1", group="kvinnor")) == (
        "2", "2.00", "2.50", "0.50", "50.0", "0.0", "50.0")
    # S3: a 1->1, b 3->4
    assert figures(row(rows, comparison="latest", item="S3", group="kvinnor")) == (
        "2", "2.00", "2.50", "0.50", "50.0", "50.0", "0.0")
    assert figures(row(rows, comparison="latest", item="S2", group="man")) == (
        "1", "1.00", "4.00", "3.00", "100.0", "0.0", "0.0")
    assert {r["group"] for r in rows} == {"samtliga", "kvinnor", "man"}  # annat never alone


def test_small_groups_are_blank(runner, paired_data):
    _text, rows = report(runner, *YEAR, "--min-group", "2")
    assert row(rows, comparison="latest", item="S1", group="samtliga")["n"] == "4"
    # two women, one man: both gender rows blank, so neither can be derived from samtliga
    assert figures(row(rows, comparison="latest", item="S1", group="kvinnor")) == ("",) * 7
    assert figures(row(rows, comparison="latest", item="S1", group="man")) == ("",) * 7
    _text, rows = report(runner, *YEAR, "--min-group", "4")
    assert row(rows, comparison="exit", item="S1", group="samtliga")["n"] == ""
    assert row(rows, comparison="latest", item="S1", group="samtliga")["n"] == "4"
    _text, rows = report(runner, *YEAR)  # K = 10
    assert {r["n"] for r in rows} == {""}
    assert len(rows) == 2 * 6 * 3  # the rows are there, blank like rows without data


def test_a_forbunds_own_0_to_4_form(runner, tmp_path):
    form = tmp_path / "vellinge.xlsx"
    form.write_bytes(xlsforms.vellinge())
    assert runner.invoke(args=["instrument", "add", str(form)]).exit_code == 0
    d = Data()
    first, second = d.person("kvinna"), d.person("man")
    for person, intake, leaving in ((first, [0, 1, 2, 3], [1, 1, 1, 4]),
                                    (second, [4, 4, 4, 4], [3, 4, 4, 4])):
        d.form(person, "vellinge", "intake", "2026-01-10",
               {f"V{k}": v for k, v in enumerate(intake, start=1)})
        d.form(person, "vellinge", "exit", "2026-04-10",
               {f"V{k}": v for k, v in enumerate(leaving, start=1)})
    d.load(runner, tmp_path)
    _text, rows = report(runner, *YEAR, "--min-group", "1", "--instrument", "vellinge")
    assert {r["item"] for r in rows} == {"V1", "V2", "V3", "V4"}
    # V1: 0->1 better, 4->3 worse; the lowest step is 0
    assert figures(row(rows, comparison="exit", item="V1", group="samtliga")) == (
        "2", "2.00", "2.00", "0.00", "50.0", "0.0", "50.0")
    assert figures(row(rows, comparison="exit", item="V3", group="samtliga")) == (
        "2", "3.00", "2.50", "-0.50", "0.0", "50.0", "50.0")
    assert figures(row(rows, comparison="exit", item="V4", group="man")) == (
        "1", "4.00", "4.00", "0.00", "0.0", "100.0", "0.0")


def test_an_instrument_without_areas_is_refused(runner):
    result = runner.invoke(args=["report", "paired", "--instrument", "nns-avslut"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "nns-avslut" in result.output


def test_the_report_page_shows_the_table_and_a_spider_of_the_same_people(
        app, client, login, paired_data):
    app.config["REPORT_MIN_GROUP"] = 1
    login("samordnare")
    page = client.get("/personal/rapporter",
                      query_string={"rapport": "paired", "period": "2025", "instrument": "skapa"})
    assert page.status_code == 200
    assert "Inskrivning → senaste" in page.text
    assert "1,75" in page.text  # S1, intake -> latest, in Swedish
    assert "+1,50" in page.text
    assert 'data-traces="2"' in page.text  # intake and exit of the same people
    csv_page = client.get("/personal/rapporter", query_string={
        "rapport": "paired", "period": "2025", "instrument": "skapa", "format": "csv"})
    assert csv_page.text.splitlines()[0].startswith("comparison,item,group,n,intake_mean")
