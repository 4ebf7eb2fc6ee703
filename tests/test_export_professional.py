"""The export carries the professional groups' anonymous NNS responses as rows of their own,
with the form, the survey round (if any) and the month only (issue 15, item 6)."""

import zipfile

import openpyxl
import pytest

from questionnaire import instruments, surveys
from questionnaire.extensions import db
from questionnaire.models import Insats
from questionnaire.reporting import periods
from tests.reportdata import HEADER, Data
from tests.test_export import read_zip

EMPTY = ("pseudonym", "gender", "age_band", "insats", "timepoint", "declined", "referrer",
         "exit_reason", "exit_group", "enrolment_month", "exit_month")


@pytest.fixture
def mixed(app, runner, tmp_path):
    """A participant's SKAPA rating; two staff paper forms (numbers 4711, 4712) for the insats
    'Styrgruppen Norr' in March 2026; one board response in a round in May 2026."""
    d = Data()
    d.form(d.person("kvinna", "1991"), "skapa", "intake", "2026-02-14", {"S1": 3, "S2": 4})
    d.lines += [
        "4711,,,Styrgruppen Norr,nns-personal,,,P3,5,2026-03-17",
        "4711,,,Styrgruppen Norr,nns-personal,,,P6,2,2026-03-17",
        "4712,,,Styrgruppen Norr,nns-personal,,,P3,1,2026-03-18",
    ]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([HEADER, *d.lines]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output
    board = surveys.open_round(instruments.get("nns-styrelse"), periods.parse("2025"), 7)
    surveys.record(instruments.get("nns-styrelse"), {"B12": 6, "B14a": 4}, month="2026-05",
                   source="web", round_id=board.id)
    db.session.commit()
    return board.id


def export(runner, tmp_path, *args):
    out = tmp_path / "export.zip"
    result = runner.invoke(args=["export", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist()).decode()
    return read_zip(out), blob


def test_professional_answers_are_rows_with_form_round_and_month_only(runner, tmp_path, mixed):
    files, blob = export(runner, tmp_path)
    answers = files["answers.csv"]
    assert list(answers[0])[-1] == "round"
    staff = [r for r in answers if r["instrument"] == "nns-personal"]
    assert sorted((r["item"], r["value"], r["answered_month"]) for r in staff) == [
        ("P3", "1", "2026-03"), ("P3", "5", "2026-03"), ("P6", "2", "2026-03")]
    assert {r["respondent"] for r in staff} == {"personal"}
    assert {r["round"] for r in staff} == {""}  # paper, no round
    board = [r for r in answers if r["instrument"] == "nns-styrelse"]
    assert sorted((r["item"], r["value"], r["answered_month"], r["round"]) for r in board) == [
        ("B12", "6", "2026-05", str(mixed)), ("B14a", "4", "2026-05", str(mixed))]
    for row in staff + board:
        assert {c: row[c] for c in EMPTY} == dict.fromkeys(EMPTY, ""), row
        assert row["instrument_version"] == "1"
    # the participant's rows are as before, with no round
    skapa = [r for r in answers if r["instrument"] == "skapa"]
    assert len(skapa) == 2
    assert {r["round"] for r in skapa} == {""}
    assert all(r["pseudonym"] for r in skapa)
    # nothing that could point at the respondent: no paper number, insats, title or day
    for secret in ("4711", "4712", "Styrgruppen Norr", "2025/26", "2026-03-17"):
        assert secret not in blob, secret


def test_assessments_have_one_row_per_response(runner, tmp_path, mixed):
    files, _blob = export(runner, tmp_path)
    rows = files["assessments.csv"]
    staff = sorted((r["P3"], r["P6"]) for r in rows if r["instrument"] == "nns-personal")
    assert staff == [("1", ""), ("5", "2")]
    board = next(r for r in rows if r["instrument"] == "nns-styrelse")
    assert (board["B12"], board["B14a"], board["respondent"], board["round"],
            board["answered_month"], board["pseudonym"]) == ("6", "4", "styrelse", str(mixed),
                                                             "2026-05", "")
    assert len(rows) == 1 + 3


def test_the_period_and_insats_choose_professional_rows_by_month(runner, tmp_path, mixed):
    files, _blob = export(runner, tmp_path, "--from", "2026-04-01", "--to", "2026-05-31")
    assert {r["instrument"] for r in files["answers.csv"]} == {"nns-styrelse"}
    files, _blob = export(runner, tmp_path, "--insats", "Styrgruppen Norr")
    assert {r["instrument"] for r in files["answers.csv"]} == {"nns-personal"}
    assert db.session.scalar(db.select(Insats).filter_by(name="Styrgruppen Norr")) is not None


def test_codebook_explains_the_professional_rows(runner, tmp_path, mixed):
    files, _blob = export(runner, tmp_path)
    book = {r["item"]: r for r in files["codebook.csv"]}
    assert "omgång" in book["round"]["wording"]
    assert "personal=" in book["respondent"]["steps"]
    assert "styrelse=" in book["respondent"]["steps"]
    assert "anonyma" in book["(professionella svar)"]["wording"]


def test_xlsx_has_the_professional_rows(runner, tmp_path, mixed):
    out = tmp_path / "export.xlsx"
    assert runner.invoke(args=["export", "--out", str(out), "--format", "xlsx"]).exit_code == 0
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book["answers"].iter_rows(values_only=True))
    header = rows[0]
    board = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[4] == "nns-styrelse"]
    assert sorted((r["item"], r["value"], r["round"]) for r in board) == [
        ("B12", 6, mixed), ("B14a", 4, mixed)]


def test_a_typed_professional_answer_holding_a_control_character_is_exported(runner, tmp_path,
                                                                             mixed):
    """Instruments are data: a förbund's anonymous staff form may ask a free-text question. A
    typed answer holding the character the export packs a response's answers with is read
    again one answer at a time, as a participant's is (it was a server error)."""
    from tests.xlsforms import SV, workbook

    form = tmp_path / "vardag.xlsx"
    form.write_bytes(workbook(
        [{"type": "select_one steg", "name": "V1", f"label::{SV}": "Hur går samarbetet?"},
         {"type": "text", "name": "V2", f"label::{SV}": "Något mer?"}],
        [{"list_name": "steg", "name": str(n), f"label::{SV}": str(n)} for n in range(1, 5)],
        {"form_id": "vardag", "form_title": "Vardagen i insatsen", "version": "2026-01",
         "default_language": "sv", "results": "group", "respondents": "personal"}))
    result = runner.invoke(args=["instrument", "add", str(form)])
    assert result.exit_code == 0, result.output
    surveys.record(instruments.get("vardag"), {"V1": 3, "V2": "Bra\x01 stöd"}, month="2026-05",
                   source="web")
    db.session.commit()
    files, _blob = export(runner, tmp_path, "--include-free-text")
    response = next(r for r in files["assessments.csv"] if r["instrument"] == "vardag")
    assert (response["V1"], response["V2"]) == ("3", "Bra\x01 stöd")
    assert [r["value"] for r in files["answers.csv"] if r["instrument"] == "vardag"] == [
        "3", "Bra\x01 stöd"]
