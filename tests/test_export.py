"""The pseudonymised export: what leaves, and what never does."""

import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from questionnaire.reporting.export import pseudonym
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


def test_age_band_at_intake(runner, tmp_path):
    """The five-year band of the age at intake (the start date's year minus the birth year),
    at the bands' edges; empty without a birth year."""
    d = Data()
    bands = {"1991": "35-39", "1992": "30-34", "1996": "30-34", "1997": "25-29",
             "2026": "0-4", "": ""}
    people = {year: d.person("kvinna", year) for year in bands}
    for person in people.values():
        d.form(person, "skapa", "intake", "2026-02-14", {"S1": 2})
    d.load(runner, tmp_path)
    out = tmp_path / "export.zip"
    assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
    found = {r["pseudonym"]: r["age_band"] for r in read_zip(out)["answers.csv"]}
    assert {year: found[pseudonym(person[0], "test-pseudonym-key")]
            for year, person in people.items()} == bands


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_answers_keep_the_order_they_were_given(runner, tmp_path, fmt):
    """Each questionnaire's answers come out together, in the order they were given (not by
    item key), and its assessment row has each answer in its item's column. An answer changed
    afterwards keeps its place (PostgreSQL keeps the changed row at the end of the table)."""
    from questionnaire.models import Answer

    d = Data()
    first, second = d.person("kvinna", "1990"), d.person("man", "1980")
    d.form(first, "skapa", "intake", "2026-02-14", {"S3": 1, "S1": 2, "S6": 3, "S2": 4})
    d.form(second, "skapa", "intake", "2026-02-15", {"S5": 5, "S4": 1})
    d.load(runner, tmp_path)
    given = {}
    for qid, key in db.session.execute(sa.select(Answer.questionnaire_id, Answer.item_key)
                                       .order_by(Answer.id)):
        given.setdefault(qid, []).append(key)
    assert sorted(given.values()) == [["S3", "S1", "S6", "S2"], ["S5", "S4"]]  # not by key
    db.session.execute(sa.update(Answer).where(Answer.item_key == "S3").values(step=5))
    db.session.commit()
    out = tmp_path / f"export.{fmt}"
    assert runner.invoke(args=["export", "--out", str(out), "--format", fmt]).exit_code == 0
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        files = {}
        for name in ("answers", "assessments"):
            rows = list(book[name].iter_rows(values_only=True))
            files[name] = [{k: "" if v is None else str(v) for k, v in zip(rows[0], row,
                                                                          strict=True)}
                           for row in rows[1:]]
    else:
        files = {name.removesuffix(".csv"): rows for name, rows in read_zip(out).items()}
    answers = files["answers"]
    assert [(r["answered_month"], r["item"], r["value"]) for r in answers] == [
        ("2026-02", "S3", "5"), ("2026-02", "S1", "2"), ("2026-02", "S6", "3"),
        ("2026-02", "S2", "4"), ("2026-02", "S5", "5"), ("2026-02", "S4", "1")]
    assert [r["gender"] for r in answers] == ["kvinna"] * 4 + ["man"] * 2
    rows = {r["gender"]: r for r in files["assessments"]}
    assert {k: rows["kvinna"][k] for k in ("S1", "S2", "S3", "S4", "S5", "S6")} == {
        "S1": "2", "S2": "4", "S3": "5", "S4": "", "S5": "", "S6": "3"}
    assert {k: rows["man"][k] for k in ("S1", "S4", "S5")} == {"S1": "", "S4": "1", "S5": "5"}
    assert rows["man"]["pseudonym"] == pseudonym(second[0], "test-pseudonym-key")
    assert rows["man"]["referrer"] == answers[-1]["referrer"]


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


def test_a_full_disk_midway_stops_the_export_and_leaves_the_database_usable(
        runner, data, tmp_path, monkeypatch):
    """The disk fills while answers.csv is written, with the answers' query still sending rows
    (on PostgreSQL it streams them): the export says why it stopped, logs no export, and the
    next export finds the connection ready and writes every answer."""
    from questionnaire.reporting import export, tables

    writes = {"n": 0}
    write = tables._Background.write

    def full_after_the_header(self, chunk):
        writes["n"] += 1
        if writes["n"] == 2:
            raise OSError(28, "No space left on device")
        write(self, chunk)

    monkeypatch.setattr(export, "BATCH", 1)  # a write per questionnaire: rows are left
    monkeypatch.setattr(tables._Background, "write", full_after_the_header)
    result = runner.invoke(args=["export", "--out", str(tmp_path / "full.zip")])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert writes["n"] == 2
    monkeypatch.undo()
    out = tmp_path / "export.zip"
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_zip(out)["answers.csv"]) == 6 + 3 + 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .filter_by(action="export")) == 1


CONTRACT_HEADER = ["pseudonym", "gender", "age_band", "insats", "instrument",
                   "instrument_version", "timepoint", "respondent", "item", "value", "declined",
                   "answered_month"]
ENROLMENT = ["referrer", "exit_reason", "exit_group", "enrolment_month", "exit_month"]


@pytest.fixture
def exited(data):
    """Anna was referred by AF and left for work on 20 September 2026."""
    from questionnaire.casework.caseload import find_participant
    from questionnaire.models import Enrolment

    person = find_participant(data[0])
    enrolment = db.session.scalars(sa.select(Enrolment).filter_by(participant_id=person.id)).one()
    enrolment.referrer = "af"
    enrolment.exit_date = __import__("datetime").date(2026, 9, 20)
    enrolment.exit_reason = "arbete"
    db.session.commit()
    return data


def test_enrolment_columns_follow_the_contract_columns(runner, exited, tmp_path):
    out = tmp_path / "export.zip"
    assert runner.invoke(args=["export", "--out", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as zf:
        header = zf.read("answers.csv").decode().splitlines()[0].split(",")
        blob = b"".join(zf.read(n) for n in zf.namelist()).decode()
    assert header == [*CONTRACT_HEADER, *ENROLMENT, "round"]  # round: professional responses
    files = read_zip(out)
    anna = [r for r in files["answers.csv"] if r["gender"] == "kvinna"]
    assert {(r["referrer"], r["exit_reason"], r["exit_group"], r["enrolment_month"],
             r["exit_month"]) for r in anna} == {("af", "arbete", "positive", "2026-02",
                                                 "2026-09")}
    other = next(r for r in files["answers.csv"] if r["gender"] == "man")
    assert (other["exit_reason"], other["exit_month"], other["enrolment_month"]) == (
        "", "", "2025-06")
    assessment = next(r for r in files["assessments.csv"] if r["instrument"] == "nns-avslut")
    assert (assessment["referrer"], assessment["exit_group"], assessment["N6b"]) == (
        "af", "positive", "3")
    assert list(files["assessments.csv"][0])[-6:] == [*ENROLMENT, "round"]
    assert "2026-09-20" not in blob
    assert "2026-02-14" not in blob


def test_codebook_explains_every_column_and_code(runner, exited, tmp_path):
    out = tmp_path / "export.zip"
    runner.invoke(args=["export", "--out", str(out)])
    files = read_zip(out)
    book = {r["item"]: r for r in files["codebook.csv"]}
    for column in [*files["answers.csv"][0], *files["assessments.csv"][0]]:
        if column in book and book[column]["instrument"]:
            continue  # an item column of assessments.csv: a question
        assert book[column]["wording"], column
    for column, code in [("gender", "annat="), ("timepoint", "exit=Avslut"),
                         ("respondent", "handledare="), ("declined", "1="), ("referrer", "af="),
                         ("exit_reason", "arbete="), ("exit_group", "positive=")]:
        assert code in book[column]["steps"], column
    assert "YN: 1=Nej | 2=Ja" in book["scale"]["steps"]
    assert "komma" in book["(fil)"]["wording"]
    assert "BOM" in book["(fil)"]["wording"]


def test_xlsx_text_is_shown_as_written(runner, data, tmp_path):
    """The CSV's apostrophe guard is not needed in a workbook: string cells are never run."""
    out = tmp_path / "export.xlsx"
    result = runner.invoke(args=["export", "--out", str(out), "--format", "xlsx",
                                 "--include-free-text"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["answers"]
    header = [c.value for c in sheet[1]]
    cells = {(r[header.index("item")].value, r[header.index("insats")].value):
             r[header.index("value")] for r in sheet.iter_rows(min_row=2)}
    assert cells[("F12", '=HYPERLINK("http://x")')].value == "-2+3"
    assert cells[("F12", '=HYPERLINK("http://x")')].data_type == "s"
    assert cells[("S1", "Alfa")].value == 3  # steps stay numbers


def test_xlsx_over_the_row_limit_keeps_every_answer(runner, data, tmp_path, monkeypatch):
    """With a limit of 4 rows a sheet (header + 3), the 10 answers fill four sheets: every one
    is in the workbook, and the count and the audit log say so."""
    from questionnaire.reporting import tables

    monkeypatch.setattr(tables, "MAX_ROWS", 4)
    out = tmp_path / "export.xlsx"
    result = runner.invoke(args=["export", "--out", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert "Exporterade 10 svar" in result.output
    book = openpyxl.load_workbook(out)
    answer_sheets = ["answers", "answers (2)", "answers (3)", "answers (4)"]
    assert book.sheetnames == [*answer_sheets, "assessments", "codebook", "codebook (2)",
                               *(f"codebook ({n})" for n in range(3, len(book.sheetnames) - 4))]
    rows = []
    for name in answer_sheets:
        found = list(book[name].iter_rows(values_only=True))
        assert len(found) <= 4
        assert list(found[0][:12]) == CONTRACT_HEADER
        rows += found[1:]
    assert sorted(r[8] for r in rows) == sorted(
        ["S1", "S2", "S3", "S4", "S5", "S6", "N1", "N6a", "N6b", "S1"])
    assert len(list(book["assessments"].iter_rows())) == 1 + 3
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="export")).one()
    assert json.loads(event.details)["answers"] == len(rows) == 10


def test_csv_for_swedish_excel(runner, data, tmp_path):
    plain, excel = tmp_path / "plain.zip", tmp_path / "excel.zip"
    assert runner.invoke(args=["export", "--out", str(plain)]).exit_code == 0
    result = runner.invoke(args=["export", "--out", str(excel), "--format", "csv-excel"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(plain) as p, zipfile.ZipFile(excel) as e:
        for name in ("answers.csv", "assessments.csv", "codebook.csv"):
            program, spreadsheet = p.read(name), e.read(name)
            assert not program.startswith(b"\xef\xbb\xbf")
            assert spreadsheet.startswith(b"\xef\xbb\xbf")
            assert b"\r\n" in spreadsheet
            text = spreadsheet.decode("utf-8-sig")
            same = list(csv.reader(io.StringIO(text), delimiter=";"))
            if name != "codebook.csv":  # (the codebook says which format this is)
                assert same == list(csv.reader(io.StringIO(program.decode())))
    with zipfile.ZipFile(excel) as e:
        codebook = list(csv.DictReader(io.StringIO(e.read("codebook.csv").decode("utf-8-sig")),
                                       delimiter=";"))
    assert "semikolon" in next(r["wording"] for r in codebook if r["item"] == "(fil)")


def test_report_for_swedish_excel_has_decimal_commas(runner, tmp_path):
    d = Data()
    for n in range(3):
        d.form(d.person("kvinna"), "skapa", "intake", "2026-03-01", {"S1": 1 + n % 2})
    d.load(runner, tmp_path)
    out = tmp_path / "skapa.csv"
    result = runner.invoke(args=["report", "skapa", "--min-group", "1", "--format", "csv-excel",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    s1 = next(r for r in rows if r["item"] == "S1" and r["timepoint"] == "intake")
    assert s1["mean"] == "1,33"  # 4/3, with two decimals as in the contract CSV


#: Typed texts that need every kind of care in a CSV line or a worksheet cell: separators,
#: quotes and a line break; XML's characters, Excel's escape sequence and control characters
#: (one is the separator the export packs an assessment's answers with); spaces at the ends.
TYPED = ['Ja, men; "kanske"\r\nrad två', " <&> _x0041_ \x01\x02\x07 slut "]


def _excel_text(value):
    """A workbook's text as Excel shows it: its _xHHHH_ escapes decoded (openpyxl does not)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


@pytest.mark.parametrize("fmt", ["csv", "csv-excel", "xlsx"])
def test_typed_text_reads_back_as_written(runner, data, tmp_path, fmt):
    """The database renders each row of the export as the text it is written as (a CSV line,
    a worksheet row's cells): every typed text reads back as it was written (the CSV's formula
    guard apart), in answers and in the assessment's own column."""
    from questionnaire.models import Answer, Insats

    db.session.execute(sa.update(Insats).where(Insats.name != "Alfa").values(
        name='Steg; för <alla>, "A"'))
    texts = dict(zip(["F11", "F12"], TYPED, strict=True))
    for key, text in texts.items():
        db.session.execute(sa.update(Answer).where(Answer.item_key == key).values(text=text))
    db.session.commit()
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(args=["export", "--out", str(out), "--format", fmt,
                                 "--include-free-text"])
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        files = {}
        for name in ("answers", "assessments"):
            rows = [[_excel_text(c) if isinstance(c, str) else c for c in row]
                    for row in book[name].iter_rows(values_only=True)]
            files[name] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    else:
        delimiter = ";" if fmt == "csv-excel" else ","
        with zipfile.ZipFile(out) as zf:
            files = {name: list(csv.DictReader(io.TextIOWrapper(
                zf.open(f"{name}.csv"), encoding="utf-8-sig", newline=""), delimiter=delimiter))
                for name in ("answers", "assessments")}
    answers = {r["item"]: r for r in files["answers"]}
    assert {key: answers[key]["value"] for key in texts} == texts
    assert {r["insats"] for r in files["answers"] if r["insats"]} == {'Steg; för <alla>, "A"',
                                                                      "Alfa"}
    exit_form = next(r for r in files["assessments"] if r["instrument"] == "nns-avslut")
    assert {key: exit_form[key] for key in texts} == texts
    assert exit_form["N1"] in (5, "5")
    assert exit_form["N6b"] in (3, "3")
    assert len(files["answers"]) == 6 + 5 + 1
