"""The pseudonymised export: what leaves, and what never does."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from questionnaire.export import age_band, pseudonym
from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.reportdata import Data

ANSWER_COLUMNS = ["pseudonym", "gender", "age_band", "insats", "instrument",
                  "instrument_version", "timepoint", "respondent", "item", "value",
                  "answered_month"]


@pytest.fixture
def data(runner, tmp_path):
    d = Data()
    anna = d.person("kvinna", "1991")
    d.form(anna, "skapa", "intake", "2026-02-14", {f"S{n}": n % 5 + 1 for n in range(1, 7)},
           insats="=HYPERLINK(\"http://x\")")
    d.form(anna, "nns-avslut", "exit", "2026-09-03",
           {"N1": 5, "N6a": 2, "N6b": 3, "F11": "Min dotter Lisa, 7 år", "F12": "-2+3"},
           insats="=HYPERLINK(\"http://x\")")
    d.form(d.person("man", ""), "skapa", "intake", "2025-06-30", {"S1": 3})
    d.load(runner, tmp_path)
    return anna


def read_zip(path):
    with zipfile.ZipFile(path) as zf:
        return {name: list(csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8")))
                for name in zf.namelist()}


def test_csv_export_has_three_files_and_the_contract_columns(runner, data, tmp_path):
    out = tmp_path / "export.zip"
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = read_zip(out)
    assert set(files) == {"answers.csv", "assessments.csv", "codebook.csv"}
    answers = files["answers.csv"]
    assert set(ANSWER_COLUMNS) <= set(answers[0])
    assert len(answers) == 6 + 3 + 1  # free text left out
    anna = [r for r in answers if r["gender"] == "kvinna"]
    assert {r["age_band"] for r in anna} == {"35-39"}
    assert {r["answered_month"] for r in anna} == {"2026-02", "2026-09"}
    assert len(files["assessments.csv"]) == 3
    assert {r["item"] for r in files["codebook.csv"]} >= {"S1", "N6b", "F13"}
    assert any("Har ni påbörjat en planering" in r["wording"] for r in files["codebook.csv"])


def test_nothing_identifying_leaves_by_default(runner, data, tmp_path):
    out = tmp_path / "export.zip"
    runner.invoke(args=["export", "--out", str(out)])
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist()).decode()
    code = data[0]
    for secret in (code, "1991", "2026-02-14", "2026-09-03", "Lisa", "handledare@"):
        assert secret not in blob
    assert pseudonym(code, "test-pseudonym-key") in blob


def test_free_text_only_when_asked_and_excel_safe(runner, data, tmp_path):
    out = tmp_path / "export.zip"
    runner.invoke(args=["export", "--out", str(out), "--include-free-text"])
    answers = read_zip(out)["answers.csv"]
    texts = {r["item"]: r["value"] for r in answers if r["item"].startswith("F")}
    assert texts == {"F11": "Min dotter Lisa, 7 år", "F12": "'-2+3"}
    insatser = {r["insats"] for r in answers}
    assert '\'=HYPERLINK("http://x")' in insatser


def test_pseudonyms_are_keyed():
    assert pseudonym("ABC1234", "k1") == pseudonym("ABC1234", "k1")
    assert pseudonym("ABC1234", "k1") != pseudonym("ABC1234", "k2")
    assert pseudonym("ABC1234", "k1") != pseudonym("ABC1235", "k1")


@pytest.mark.parametrize(("year", "band"), [(1991, "35-39"), (1996, "30-34"), (None, "")])
def test_age_band_at_intake(year, band):
    import datetime as dt

    assert age_band(year, dt.date(2026, 2, 14)) == band


def test_period_filter_xlsx_round_trip_and_audit(runner, data, tmp_path):
    out = tmp_path / "export.xlsx"
    result = runner.invoke(args=["export", "--out", str(out), "--format", "xlsx",
                                 "--from", "2026-01-01", "--to", "2026-12-31"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["answers", "assessments", "codebook"]
    answers = list(book["answers"].iter_rows(values_only=True))
    assert len(answers) == 1 + 6 + 3
    assert all(r[2] == "35-39" for r in answers[1:])
    # (the fixture's import-answers is audited too)
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="export")).one()
    details = json.loads(event.details)
    assert details["answers"] == 9
    assert details["start"] == "2026-01-01"
    assert event.actor_label.startswith("cli:")


def test_export_to_an_unwritable_place_fails_clearly(runner, data):
    result = runner.invoke(args=["export", "--out", "/nonexistent/dir/x.zip"])
    assert result.exit_code == 1
    assert "Kan inte skriva" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .filter_by(action="export")) == 0
