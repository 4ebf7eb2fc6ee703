"""Writing tables: no row lost at Excel's row limit, text never evaluated, CSV for Swedish Excel."""

import io
import zipfile

import openpyxl
import pytest

from questionnaire.reporting import tables


def _read(path):
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.mark.parametrize(("rows", "sheets"), [
    (4, {"answers": 4}),
    (5, {"answers": 4, "answers (2)": 1}),
    (6, {"answers": 4, "answers (2)": 2}),
    (11, {"answers": 4, "answers (2)": 4, "answers (3)": 3}),
])
def test_a_sheet_at_the_row_limit_continues_on_the_next(tmp_path, rows, sheets):
    """With a limit of 5 rows per sheet (header + 4), every row is written exactly once."""
    path = tmp_path / "t.xlsx"
    book = tables.Workbook(str(path), max_rows=5)
    written = book.sheet("answers", ("n", "text"), ([i, f"rad {i}"] for i in range(rows)))
    book.sheet("codebook", ("item",), [["S1"]])
    book.close()
    assert written == rows
    found = _read(path)
    assert list(found) == [*sheets, "codebook"]
    assert {name: len(found[name]) - 1 for name in sheets} == sheets
    assert all(found[name][0] == ("n", "text") for name in sheets)
    numbers = [r[0] for name in sheets for r in found[name][1:]]
    assert numbers == list(range(rows))
    assert len(found["answers"]) <= 5


@pytest.mark.parametrize("sizes", [
    [4, 1, 3],      # a block ends exactly at the limit
    [3, 3, 3, 2],   # blocks that straddle the limit are split there
    [11],           # one block over three sheets
    [1] * 9,
])
def test_blocks_are_split_at_the_row_limit(tmp_path, sizes):
    """The export writes a questionnaire's rows as one block: with a limit of 5 rows per sheet
    (header + 4), every row is written exactly once and in order, whatever the blocks."""
    path = tmp_path / "t.xlsx"
    book = tables.Workbook(str(path), max_rows=5)
    numbers = iter(range(sum(sizes)))
    blocks = [(size, tables.ROW.join(tables.cell(next(numbers)) + tables.cell(f"rad <{size}>")
                                     for _ in range(size)).encode()) for size in sizes]
    assert book.blocks("answers", ("n", "text"), iter(blocks)) == sum(sizes)
    book.close()
    found = _read(path)
    assert all(len(rows) <= 5 and rows[0] == ("n", "text") for rows in found.values())
    assert [r[0] for rows in found.values() for r in rows[1:]] == list(range(sum(sizes)))
    assert len(found) == -(-sum(sizes) // 4)


def test_a_failed_write_is_raised_not_lost():
    """Sheets and CSV files are compressed in a writing thread: when writing fails there (a
    full disk), the export stops with the error instead of reporting rows it did not write."""

    class Full(io.BytesIO):
        def write(self, data):
            if self.tell() > 10:
                raise OSError(28, "No space left on device")
            return super().write(data)

    def write_all(stream):
        with tables.background(stream) as out:
            for _ in range(100):
                out.write(b"0123456789")

    stream = Full()
    with pytest.raises(OSError, match="No space left"):
        write_all(stream)
    assert stream.getvalue() == b"0123456789" * 2


def test_the_default_limit_is_excels():
    assert tables.MAX_ROWS == 1_048_576


def test_xlsx_text_is_text_without_the_csv_apostrophe(tmp_path):
    path = tmp_path / "t.xlsx"
    book = tables.Workbook(str(path))
    book.sheet("s", ("a", "b", "c"), [["-bra stöd", '=HYPERLINK("http://x")', 2.5]])
    book.close()
    ws = openpyxl.load_workbook(path)["s"]
    assert ws["A2"].value == "-bra stöd"
    assert ws["B2"].value == '=HYPERLINK("http://x")'
    assert ws["B2"].data_type == "s"  # a string, never a formula
    assert ws["C2"].value == 2.5


def test_contract_csv_is_utf8_comma_no_bom():
    out = io.StringIO()
    tables.write_csv(out, ("a", "b", "c"), [["Åsa", 2.5, "-x"]])
    assert out.getvalue() == "a,b,c\r\nÅsa,2.5,'-x\r\n"


def test_csv_for_swedish_excel_has_bom_semicolon_and_decimal_comma():
    out = io.StringIO()
    count = tables.write_csv(out, ("a", "b", "c", "d"), [["Åsa; Öberg", 2.5, 7, "=1+1"]],
                             excel=True)
    assert count == 1
    assert out.getvalue() == '\ufeffa;b;c;d\r\n"Åsa; Öberg";2,5;7;\'=1+1\r\n'


def test_workbook_cells_read_back_exactly(tmp_path):
    """What a spreadsheet program reads is what was written: special characters, spaces,
    Excel's own escape sequence as literal text, numbers, and columns past Z."""
    from decimal import Decimal

    path = tmp_path / "t.xlsx"
    texts = ["a < b & c > d", "  indrag ", "_x0041_", "rad\nrad", "bell\x07", "Åsa Öberg"]
    header = [f"k{n}" for n in range(30)]
    row = [*texts, 7, 2.5, Decimal("75.0"), True, None, "", *range(18)]
    book = tables.Workbook(str(path))
    assert book.sheet("s", header, [row, {"k0": "dict", "k29": 1}]) == 2
    book.close()
    ws = openpyxl.load_workbook(path)["s"]
    values = [c.value for c in ws[2]]
    assert values[:6:3] == ["a < b & c > d", "rad\nrad"]
    assert values[1] == "  indrag "
    assert values[5] == "Åsa Öberg"
    # Excel's escapes (as XlsxWriter writes them; openpyxl does not decode them)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<t>_x005F_x0041_</t>" in xml  # Excel shows the literal _x0041_
    assert "<t>bell_x0007_</t>" in xml  # a control character XML cannot hold
    assert values[6:12] == [7, 2.5, 75, "True", None, None]
    assert values[29] == 17
    assert [c.value for c in ws[1]][28:] == ["k28", "k29"]
    assert ws["AD3"].value == 1
    assert ws["A1"].font.b
    assert ws.freeze_panes == "A2"


#: Texts a person may type, with everything a CSV field or a worksheet cell must take care of.
TYPED = ["plain", "a,b", "a;b", 'say "hi"', "line\r\nbreak", "=1+1", "-2", "@x", "\tTab",
         " spaces ", "<&>", "_x0041_", "bell\x07", "Åsa Öberg", "", None]


@pytest.mark.parametrize("excel", [False, True])
def test_the_database_renders_csv_as_pythons_writer(app, excel):
    """The export's CSV lines are rendered by the database (SQLite and PostgreSQL): byte for
    byte what Python's csv writer writes from the same values, the formula guard included."""
    import sqlalchemy as sa

    from questionnaire.extensions import db

    cells = tables.CsvCells(excel=excel)
    rendered = db.session.execute(sa.select(cells.join(
        [cells.typed(sa.literal(t, sa.String)) for t in TYPED]
        + [cells.number(sa.literal(7)), cells.code(sa.literal(None, sa.String)), cells.empty]
    ))).scalar_one()
    out = io.StringIO()
    tables.write_csv(out, ["h"], [[*TYPED, 7, None, None]], excel=excel)
    assert rendered + "\r\n" == out.getvalue().removeprefix("\ufeff").removeprefix("h\r\n")


def test_the_database_renders_cells_as_python_does(app, tmp_path):
    """A worksheet row rendered by the database reads back as the same row written from
    Python values."""
    import sqlalchemy as sa

    from questionnaire.extensions import db

    cells = tables.XlsxCells()
    rendered = db.session.execute(sa.select(cells.join(
        [cells.typed(sa.literal(t, sa.String)) for t in TYPED]
        + [cells.number(sa.literal(7)), cells.code(sa.literal("intake")), cells.empty]
    ))).scalar_one()
    path = tmp_path / "t.xlsx"
    book = tables.Workbook(str(path))
    header = [f"k{n}" for n in range(len(TYPED) + 3)]
    book.rendered("db", header, [rendered], typed=True)
    book.sheet("py", header, [[*TYPED, 7, "intake", None]])
    book.close()
    found = _read(path)
    assert found["db"] == found["py"]
    assert found["db"][1][:2] == ("plain", "a,b")


def test_columns_are_wide_enough_for_headings_and_pseudonyms(tmp_path):
    """Opened in Excel, every heading and a whole pseudonym (16 characters) can be read."""
    path = tmp_path / "t.xlsx"
    book = tables.Workbook(str(path))
    book.sheet("answers", ("pseudonym", "instrument_version", "item"),
               [["313be056877d3077", 1, "S1"]])
    book.close()
    ws = openpyxl.load_workbook(path)["answers"]
    widths = {c: ws.column_dimensions[c].width for c in "ABC"}
    assert widths["A"] >= 17
    assert widths["B"] >= len("instrument_version") + 1
    assert widths["C"] >= 8
