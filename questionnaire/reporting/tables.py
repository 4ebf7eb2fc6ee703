"""Writing tables as CSV or Excel, for the reports and the export. Streams rows: memory stays flat.

CSV comes in two forms. The contract's (domain.md part B), for programs: UTF-8 without a
byte-order mark, comma-separated, decimal point. And one that opens right when double-clicked in
Excel with Swedish settings (`excel=True`): a UTF-8 byte-order mark (else å/ä/ö turn into
mojibake), semicolons (the Swedish list separator) and decimal commas. In both, a text cell that
starts like a formula (= + - @, tab or carriage return) gets a leading apostrophe, so that a
spreadsheet shows it as text and never runs it.

In a workbook text is written as a string cell, which Excel never evaluates: no apostrophe there.
A sheet holds at most MAX_ROWS rows (Excel's limit); a longer table goes on in `NAME (2)`,
`NAME (3)`, … each with the header again, so no row is ever lost.

For the export the database renders each cell as the text it is written as (`CsvCells`,
`XlsxCells`): Python only puts rendered cells together, with no work per value.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import math
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa

from questionnaire.reporting.archive import Archive

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Rows per worksheet, the header included: Excel's (and LibreOffice's) limit.
MAX_ROWS = 1_048_576
#: The byte-order mark that makes Excel read a CSV file as UTF-8.
BOM = "\ufeff"


def excel_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _excel_cell(value: Any) -> Any:
    """A CSV cell for Swedish Excel: formula guard and decimal comma."""
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return excel_safe(value)


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any] | dict],
              excel: bool = False, title: Sequence[str] = ()) -> int:
    """Rows are sequences in header order or dicts keyed by header; None is written as an empty
    cell. `excel`: the variant for Swedish Excel (BOM, `;`, decimal comma). `title`: lines above
    the header (a download made for people; then an empty line). Returns the row count."""
    if excel:
        stream.write(BOM)
    writer = csv.writer(stream, delimiter=";" if excel else ",", lineterminator="\r\n")
    for line in title:
        writer.writerow([excel_safe(line)])
    if title:
        writer.writerow([])
    writer.writerow(header)
    cell = _excel_cell if excel else excel_safe
    count = 0
    for row in rows:
        values = [row.get(h) for h in header] if isinstance(row, dict) else row
        writer.writerow([cell(v) for v in values])
        count += 1
    return count


class Workbook:
    """An XLSX file streamed row by row (memory stays flat): text as inline string cells, which
    a spreadsheet never evaluates (no apostrophe needed), numbers as numbers, a bold and frozen
    header row. A sheet that reaches the row limit goes on in `NAME (2)`, `NAME (3)`, … with the
    header again.

    Written here rather than with XlsxWriter because the export's rows arrive already rendered
    as cells by the database (`XlsxCells`) and go into the file as they are: XlsxWriter's call
    per cell made the export about 100 times slower than the database's own dump
    (bench/reports.py). Cells carry no reference (`r`): ECMA-376 makes it optional, and Excel,
    LibreOffice and openpyxl place a cell after the one before it."""

    def __init__(self, target: str | IO[bytes], max_rows: int | None = None) -> None:
        self.zip = Archive(target)
        self.names: list[str] = []
        self.max_rows = max_rows or MAX_ROWS  # read when used: a test may lower MAX_ROWS

    def sheet(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any] | dict],
              title: Sequence[str] = ()) -> int:
        """Write the rows (values) under `header`, on as many sheets as the row limit needs;
        `title`: lines above the header of the first sheet (a table made for people). Returns
        the number of rows written (every one of them)."""
        return self.rendered(name, header, (
            "".join(map(cell, [row.get(h) for h in header] if isinstance(row, dict) else row))
            for row in rows), title)

    def rendered(self, name: str, header: Sequence[str], rows: Iterable[str],
                 title: Sequence[str] = (), typed: bool = False) -> int:
        """As `sheet`, for rows whose cells are rendered already (a row's `<c>` elements).
        `typed`: the cells may hold text someone typed, with control characters XML cannot
        hold (the markup never has any): they are escaped as `_escape` does."""
        return self.blocks(name, header, ((1, row.encode()) for row in rows), title, typed)

    def blocks(self, name: str, header: Sequence[str], blocks: Iterable[tuple[int, bytes]],
               title: Sequence[str] = (), typed: bool = False) -> int:
        """As `rendered`, for rows that come in blocks: a number of rows and the rows, UTF-8,
        joined by ROW (as the database gives them: the export neither decodes nor encodes
        them). A block that reaches the row limit is split there."""
        left: Iterator[tuple[int, bytes]] | None = iter(blocks)
        count, part = 0, 1
        while left is not None:
            suffix = f" ({part})" if part > 1 else ""
            written, left = self._worksheet(name[:31 - len(suffix)] + suffix, header, left,
                                            title if part == 1 else (), typed)
            count += written
            part += 1
        return count

    def _worksheet(self, name: str, header: Sequence[str], blocks: Iterator[tuple[int, bytes]],
                   title: Sequence[str] = (), typed: bool = False
                   ) -> tuple[int, Iterator[tuple[int, bytes]] | None]:
        """One sheet: the title lines, the header, then rows until the limit. Returns the number
        of rows written and the blocks left for the next sheet (None when there are none)."""
        self.names.append(name)
        top = len(title) + 1 if title else 0
        head = [f"<row>{cell(line, HEADING if n == 0 else None)}</row>"
                for n, line in enumerate(title)]
        if title:
            head.append("<row/>")
        head.append("<row>" + "".join(cell(h, BOLD) for h in header) + "</row>")
        count = 0
        with (self.zip.open(f"xl/worksheets/sheet{len(self.names)}.xml") as raw,
              background(raw) as out):
            out.write((_SHEET_START.format(split=top + 1, top=f"A{top + 2}") + _columns(header)
                       + "<sheetData>" + "".join(head)).encode())
            room = self.max_rows - top - 1
            while count < room:
                batch, rows = [b"<row>"], 0
                for size, text in blocks:
                    if count + rows + size > room:  # the rest of the block on the next sheet
                        fit = room - count - rows
                        split = text.split(_ROW)
                        batch += (_ROW.join(split[:fit]), _ROW)
                        blocks = itertools.chain([(size - fit, _ROW.join(split[fit:]))], blocks)
                        rows += fit
                        break
                    batch += (text, _ROW)
                    rows += size
                    if rows >= BATCH or count + rows == room:
                        break
                if not rows:
                    break
                batch[-1] = b"</row>"
                chunk = b"".join(batch)  # the one copy of the rows
                out.write(_CONTROL_BYTES.sub(_control_bytes, chunk) if typed else chunk)
                count += rows
            out.write(_SHEET_END)
        return count, (_rest(blocks) if count == room else None)

    def close(self) -> None:
        sheets = range(1, len(self.names) + 1)
        self.zip.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(
            _SHEET_TYPE.format(n=n) for n in sheets)))
        self.zip.writestr("_rels/.rels", _ROOT_RELS)
        self.zip.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{_escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in zip(sheets, self.names, strict=True))))
        self.zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            sheets="".join(_SHEET_REL.format(n=n) for n in sheets), styles=len(self.names) + 1))
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.close()


class _Background:
    """Writes to a stream from a thread of its own, in the order written: a ZIP entry's
    compression (zlib, which lets other threads run) goes on beside the database's work on the
    next rows, on a second core. An error in the thread is raised on the next write or at the
    end: nothing is lost silently."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # memory stays flat
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="stegvis-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:  # after an error: only take what comes, so no one waits
                try:
                    self.stream.write(chunk)
                except BaseException as error:  # raised in the writing thread
                    self.error = error

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put(chunk)

    def finish(self) -> None:
        self.chunks.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def background(stream: IO[bytes]) -> Iterator[_Background]:
    """`stream`, written from a thread of its own (_Background) until the block ends."""
    writer = _Background(stream)
    try:
        yield writer
    finally:
        writer.finish()


#: Cell styles (xl/styles.xml's cellXfs): 0 plain, then these.
BOLD, HEADING, DECIMAL = 1, 2, 3
BATCH = 5000
#: Between two rows of a sheet's XML (a rendered cell never holds it: `<` is escaped in text).
ROW = "</row><row>"
_ROW = ROW.encode()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
#: The same in UTF-8 (whose multi-byte characters have no byte below 0x80).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f]")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def _escape(text: str) -> str:
    """Text for an XML element: &, < and > escaped; Excel's own escape sequence (_xHHHH_) kept
    as literal text and a control character (which XML cannot hold) written as one, as Excel
    and XlsxWriter do."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
    return _CONTROL.sub(_control, text)


def _control(match: re.Match) -> str:
    return f"_x{ord(match.group()):04X}_"


def _control_bytes(match: re.Match) -> bytes:
    return b"_x%04X_" % match.group()[0]


def cell(value: Any, style: int | None = None) -> str:
    """One cell: empty for None or "", a number for int, float and Decimal (decimals shown with
    one or two places), a string cell for anything else."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f"<c{s}/>"
    if isinstance(value, Decimal | float) and math.isfinite(value):
        return f'<c s="{style or DECIMAL}"><v>{float(value)!r}</v></c>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f"<c{s}><v>{value}</v></c>"
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{s} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


class Cells:
    """How the database renders the cells of the export as the text they are written as (no
    value is formatted in Python). A code (a key, a timepoint, a month: letters, digits,
    `-` and `_` only) is written as it is; a text someone typed as `cell` or `csv_field` would
    write it; `join` makes the row."""

    empty: str
    separator: str
    #: Between two rendered rows.
    row_separator: str
    #: Around a code written as a cell: code(expr) in Python, for an item key.
    code_start: str
    code_end: str

    def code(self, expr: Any) -> Any:
        raise NotImplementedError

    def typed(self, expr: Any) -> Any:
        raise NotImplementedError

    def number(self, expr: Any) -> Any:
        raise NotImplementedError

    def value(self, step: Any, text: Any) -> Any:
        """An answer: its step as a number, else its text."""
        return sa.case((step.is_not(None), self.number(step)), else_=self.typed(text))

    def join(self, cells: Sequence[Any]) -> Any:
        joined = None
        for c in (sa.literal(c) if isinstance(c, str) else c for c in cells):
            if joined is not None and self.separator:
                joined = joined + sa.literal(self.separator)
            joined = c if joined is None else joined + c
        return joined


class CsvCells(Cells):
    """A CSV line as Python's csv writer writes it (QUOTE_MINIMAL) with the formula guard."""

    def __init__(self, excel: bool) -> None:
        self.separator = ";" if excel else ","
        self.empty = self.code_start = self.code_end = ""
        self.row_separator = "\r\n"

    def code(self, expr: Any) -> Any:
        return sa.func.coalesce(expr, "")

    def number(self, expr: Any) -> Any:
        return sa.func.coalesce(sa.cast(expr, sa.String), "")

    def typed(self, expr: Any) -> Any:
        guarded = sa.case((sa.func.substr(expr, 1, 1).in_(FORMULA_START),
                           sa.literal("'") + expr), else_=expr)
        special = sa.or_(*(expr.contains(c, autoescape=True) for c in _quoted(self.separator)))
        return sa.case((expr.is_(None), ""), (special, sa.literal('"') + sa.func.replace(
            guarded, '"', '""') + '"'), else_=guarded)


def _quoted(separator: str) -> tuple[str, ...]:
    """The characters that make the csv writer quote a field (QUOTE_MINIMAL, CRLF lines)."""
    return (separator, '"', "\r", "\n")


def csv_field(value: Any, separator: str = ",") -> str:
    """One CSV field as Python's csv writer writes it, with the formula guard."""
    if value is None:
        return ""
    text = str(excel_safe(value))
    if any(c in text for c in _quoted(separator)):
        return '"' + text.replace('"', '""') + '"'
    return text


class XlsxCells(Cells):
    """The `<c>` elements of a worksheet row, as `cell` writes them."""

    empty = "<c/>"
    separator = ""
    row_separator = ROW
    code_start, code_end = '<c t="inlineStr"><is><t>', "</t></is></c>"

    def code(self, expr: Any) -> Any:
        return sa.case((sa.func.coalesce(expr, "") == "", self.empty),
                       else_=sa.literal(self.code_start) + expr + self.code_end)

    def number(self, expr: Any) -> Any:
        return sa.case((expr.is_(None), self.empty),
                       else_=sa.literal("<c><v>") + sa.cast(expr, sa.String) + "</v></c>")

    def typed(self, expr: Any) -> Any:
        """&, < and > escaped, Excel's escape sequence kept literal (as `_escape`); control
        characters are escaped by `Workbook.rendered(typed=True)` (SQLite's parser cannot nest
        that many replaces)."""
        escaped = expr
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("_x", "_x005F_x")):
            escaped = sa.func.replace(escaped, old, new)
        return sa.case((sa.func.coalesce(expr, "") == "", self.empty),
                       else_=sa.literal('<c t="inlineStr"><is><t xml:space="preserve">')
                       + escaped + "</t></is></c>")


#: Column widths (characters) for columns whose values are longer than their heading.
WIDTHS = {"pseudonym": 18, "insats": 24, "wording": 60, "steps": 40, "answered_month": 15,
          "enrolment_month": 16}


def _columns(header: Sequence[str]) -> str:
    """Each column wide enough for its heading (or as WIDTHS says), so that a person who opens
    the file sees whole headings and pseudonyms."""
    return "<cols>" + "".join(
        f'<col min="{n}" max="{n}" width="{WIDTHS.get(h, max(len(str(h)) + 3, 9))}" '
        'customWidth="1"/>' for n, h in enumerate(header, start=1)) + "</cols>"


def _rest(rows: Iterator) -> Iterator | None:
    """The rows again if any is left (the first one peeked at), else None."""
    for first in rows:
        return itertools.chain([first], rows)
    return None


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_START = (
    _XML + f'<worksheet {_NS}><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="{split}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
    '</sheetView></sheetViews>')
_SHEET_END = b"</sheetData></worksheet>"
_CONTENT_TYPES = (
    _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_WORKBOOK = (_XML + f'<workbook {_NS} xmlns:r="{_REL}"><sheets>{{sheets}}</sheets></workbook>')
_WORKBOOK_RELS = (
    _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'{{sheets}}<Relationship Id="rId{{styles}}" Type="{_REL}/styles" Target="styles.xml"/>'
    '</Relationships>')
_SHEET_REL = (f'<Relationship Id="rId{{n}}" Type="{_REL}/worksheet" '
              'Target="worksheets/sheet{n}.xml"/>')
_STYLES = (
    _XML + f'<styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0#"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>')


@dataclass(frozen=True)
class Column:
    """A column of a laid-out sheet: its heading, what its cells hold, its width (characters).
    Kinds: text, count, percent (a share in percent, shown as 12.5 %), percent_in_brackets
    (the same in brackets), change (percentage points with an arrow: ↑ +3.0, ↓ -3.0, → 0.0)."""

    heading: str
    kind: str = "text"
    width: float = 12


class LayoutWorkbook:
    """A small workbook laid out for people rather than programs (a table to paste into an
    annual report): a title row, notes, Swedish headings, bands merged across the table (a
    section's heading), label rows and rows of figures. Numbers stay numbers: shares are written
    as fractions in a percent format, changes with an arrow in their number format. For tables
    of a few hundred rows (XlsxWriter's normal mode: merged cells need it)."""

    def __init__(self, target: str | IO[bytes]) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(target, {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "in_memory": not isinstance(target, str)})
        add = self.book.add_format
        self.formats = {
            "title": add({"bold": True, "font_size": 14}),
            "note": add({"italic": True, "text_wrap": True, "valign": "top"}),
            "heading": add({"bold": True, "text_wrap": True, "valign": "bottom",
                            "bottom": 1}),
            "band": add({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4",
                         "top": 1}),
            "label": add({"italic": True, "text_wrap": True, "valign": "top"}),
            "text": add({"indent": 1}),
            "count": add({"num_format": "0"}),
            "percent": add({"num_format": "0.0%"}),
            "percent_in_brackets": add({"num_format": "(0.0%)"}),
            "change": add({"num_format": '"↑ "+0.0;"↓ "-0.0;"→ "0.0'}),
        }

    def sheet(self, name: str, columns: Sequence[Column]) -> LayoutSheet:
        return LayoutSheet(self, self.book.add_worksheet(name[:31]), list(columns))

    def close(self) -> None:
        self.book.close()


class LayoutSheet:
    def __init__(self, book: LayoutWorkbook, ws: Any, columns: list[Column]) -> None:
        self.book, self.ws, self.columns, self.row = book, ws, columns, 0
        for n, column in enumerate(columns):
            ws.set_column(n, n, column.width)

    def _across(self, text: str, fmt: str, height: float | None = None) -> None:
        last = len(self.columns) - 1
        style = self.book.formats[fmt]
        if last:
            self.ws.merge_range(self.row, 0, self.row, last, text, style)
        else:
            self.ws.write_string(self.row, 0, text, style)
        if height:
            self.ws.set_row(self.row, height)
        self.row += 1

    def _height(self, text: str) -> float:
        """A row tall enough for `text` wrapped across the whole table."""
        chars = sum(c.width for c in self.columns) * 1.1
        return 15 * max(1, -(-len(text) // int(chars)))

    def title(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.book.formats["title"])
        self.row += 1

    def note(self, text: str) -> None:
        self._across(text, "note", self._height(text))

    def headings(self) -> None:
        self.ws.write_row(self.row, 0, [c.heading for c in self.columns],
                          self.book.formats["heading"])
        self.ws.set_row(self.row, 45)
        self.row += 1

    def band(self, text: str) -> None:
        self._across(text, "band", self._height(text))

    def label(self, text: str) -> None:
        self._across(text, "label", self._height(text))

    def values(self, cells: Sequence[Any]) -> None:
        for n, (column, value) in enumerate(zip(self.columns, cells, strict=False)):
            style = self.book.formats[column.kind]
            if value is None or value == "":
                continue
            if column.kind == "text":
                self.ws.write_string(self.row, n, str(value), style)
            elif column.kind.startswith("percent"):
                self.ws.write_number(self.row, n, float(value) / 100, style)
            else:
                self.ws.write_number(self.row, n, float(value), style)
        self.row += 1
