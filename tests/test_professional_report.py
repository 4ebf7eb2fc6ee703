"""`report nns`: the professional forms' rows (domain.md part B), against hand counts."""

import pytest

from tests.reportdata import HEADER
from tests.test_reports import PCTS, figures, report, row


def load(runner, tmp_path, lines, name="prof.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output


def responses(form, day, answers, first=1, insats=""):
    """One paper response per entry of `answers` ({item: step}), numbered from `first`."""
    lines = []
    for n, values in enumerate(answers, start=first):
        for item, step in values.items():
            value = "" if step is None else step
            lines.append(f"{n},,,{insats},nns-{form},,,{item},{value},{day}")
    return lines


@pytest.fixture
def staff_2026(runner, tmp_path):
    """Seven staff answered in March 2026; the board of six in April 2026."""
    personal = [{"P3": s, "P8a": f} for s, f in ((1, 6), (2, 5), (3, 4), (4, 4), (5, None),
                                                (6, None), (6, None))]
    board = [{"B12": s} for s in (4, 4, 5, 6, 2, 3)]
    load(runner, tmp_path, [*responses("personal", "2026-03-10", personal),
                            *responses("styrelse", "2026-04-22", board)])


def test_professional_rows_by_hand(runner, staff_2026):
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31")
    # P3: steps 1,2,3,4,5,6,6 -> 2 negative, 1 neither, 4 positive, 3 clearly positive of 7
    assert figures(row(rows, form="personal", item="P3", group="samtliga"), *PCTS) == (
        "7", "7", "28.6", "14.3", "57.1", "42.9", "100.0")
    # P8a: 6,5,4,4 answered, three skipped -> n 7, answered 4 (below 5): no figures
    assert figures(row(rows, form="personal", item="P8a", group="samtliga"), *PCTS) == (
        "",) * 7
    # B12: 4,4,5,6,2,3 -> negative 1, neither 1, positive 4, clearly positive 2 of 6
    assert figures(row(rows, form="styrelse", item="B12", group="samtliga"), *PCTS) == (
        "6", "6", "16.7", "16.7", "66.7", "33.3", "100.0")
    # a form without responses: its rows are there, blank
    assert figures(row(rows, form="chefsgrupp", item="C9a", group="samtliga"), *PCTS) == (
        "",) * 7


def test_one_samtliga_row_per_item_after_the_participant_rows(runner, staff_2026):
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31")
    forms = [r["form"] for r in rows]
    professional = [r for r in rows if r["form"] in ("personal", "remittent", "chefsgrupp",
                                                     "styrelse")]
    assert {r["group"] for r in professional} == {"samtliga"}
    assert [(r["form"], r["item"]) for r in professional] == [
        ("personal", k) for k in ("P3", "P6", "P8a", "P8b", "P9", "P10", "P12", "P13a", "P13b",
                                  "P16a", "P16b")] + [
        ("remittent", k) for k in ("R3", "R6", "R8a", "R8b")] + [
        ("chefsgrupp", k) for k in ("C9a", "C9b", "C10", "C12", "C15a", "C15b", "C16a",
                                    "C16b")] + [
        ("styrelse", k) for k in ("B12", "B14a", "B14b", "B16a", "B16b")]
    first_professional = forms.index("personal")
    assert set(forms[:first_professional]) == {"pagaende", "avslut"}
    assert set(forms[first_professional:]) == {"personal", "remittent", "chefsgrupp", "styrelse"}


def test_min_group_professional(runner, staff_2026):
    period = ("--from", "2025-11-01", "--to", "2026-10-31")
    strict = report(runner, "nns", *period, "--min-group-professional", "7")
    assert row(strict, form="personal", item="P3")["n"] == "7"
    assert row(strict, form="styrelse", item="B12")["n"] == ""  # six answered: blank at 7
    loose = report(runner, "nns", *period, "--min-group-professional", "4")
    assert figures(row(loose, form="personal", item="P8a"), *PCTS) == (
        "7", "4", "0.0", "0.0", "100.0", "50.0", "57.1")
    # --min-group concerns the participant rows only
    assert row(report(runner, "nns", *period, "--min-group", "50"),
               form="styrelse", item="B12")["n"] == "6"


def test_the_period_counts_responses_by_their_month(runner, staff_2026):
    march = report(runner, "nns", "--from", "2026-03-01", "--to", "2026-03-31")
    assert row(march, form="personal", item="P3")["n"] == "7"
    assert row(march, form="styrelse", item="B12")["n"] == ""  # answered in April
    april = report(runner, "nns", "--from", "2026-04-01", "--to", "2026-04-30")
    assert row(april, form="personal", item="P3")["n"] == ""
    assert row(april, form="styrelse", item="B12")["n"] == "6"


def test_change_against_the_year_before(runner, tmp_path, staff_2026):
    # A year earlier the board answered 2,2,3,4,5,6: positive 3 of 6 = 50.0; now 66.7
    load(runner, tmp_path, responses("styrelse", "2025-05-02",
                                     [{"B12": s} for s in (2, 2, 3, 4, 5, 6)]), name="y.csv")
    rows = report(runner, "nns", "--from", "2025-11-01", "--to", "2026-10-31")
    assert row(rows, form="styrelse", item="B12")["change_pp"] == "16.7"
    assert row(rows, form="personal", item="P3")["change_pp"] == ""  # none a year earlier
    earlier = report(runner, "nns", "--from", "2024-11-01", "--to", "2025-10-31")
    assert row(earlier, form="styrelse", item="B12")["positive_pct"] == "50.0"


def test_insats_narrows_the_professional_rows(runner, tmp_path):
    load(runner, tmp_path, [
        *responses("remittent", "2026-02-02", [{"R3": 4}] * 5, insats="Steget"),
        *responses("remittent", "2026-02-02", [{"R3": 1}] * 5, first=6, insats="Vägen"),
        *responses("remittent", "2026-02-02", [{"R3": 6}] * 2, first=11),
    ])
    everyone = report(runner, "nns", "--from", "2026-01-01", "--to", "2026-12-31")
    assert figures(row(everyone, form="remittent", item="R3"), "n", "positive_pct") == (
        "12", "58.3")
    steget = report(runner, "nns", "--from", "2026-01-01", "--to", "2026-12-31",
                    "--insats", "Steget")
    assert figures(row(steget, form="remittent", item="R3"), "n", "positive_pct") == (
        "5", "100.0")
