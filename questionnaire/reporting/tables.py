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
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

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
              excel: bool = False, prepared: bool = False, title: Sequence[str] = ()) -> int:
    """Rows are sequences in header order or dicts keyed by header; None is written as an empty
    cell. `excel`: the variant for Swedish Excel (BOM, `;`, decimal comma). `prepared`: the rows
    are sequences already made safe (the formula guard done, e.g. by the database) with no
    decimals, and go to the writer as they are (fast). `title`: lines above the header (a
    download made for people; then an empty line). Returns the row count."""
    if excel:
        stream.write(BOM)
    writer = csv.writer(stream, delimiter=";" if excel else ",", lineterminator="\r\n")
    for line in title:
        writer.writerow([excel_safe(line)])
    if title:
        writer.writerow([])
    writer.writerow(header)
    if prepared:
        counter = itertools.count()
        writer.writerows(_counted(rows, counter))
        return next(counter)
    cell = _excel_cell if excel else excel_safe
    count = 0
    for row in rows:
        values = [row.get(h) for h in header] if isinstance(row, dict) else row
        writer.writerow([cell(v) for v in values])
        count += 1
    return count


def _counted(rows: Iterable, counter: itertools.count) -> Iterator:
    for row in rows:
        next(counter)
        yield row


class Workbook:
    """An XLSX file written row by row with XlsxWriter in its constant-memory mode (memory stays
    flat): text as string cells, which Excel never evaluates (no apostrophe needed), numbers as
    numbers, a bold and frozen header row. A sheet that reaches the row limit goes on in
    `NAME (2)`, `NAME (3)`, … with the header again."""

    def __init__(self, target: str | IO[bytes], max_rows: int | None = None) -> None:
        import xlsxwriter  # imported only when a workbook is written

        self.book = xlsxwriter.Workbook(target, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "in_memory": not isinstance(target, str),
        })
        self.bold = self.book.add_format({"bold": True})
        self.heading = self.book.add_format({"bold": True, "font_size": 13})
        #: Decimals with one or two places as the reader's Excel shows them (decimal comma in
        #: Swedish), whole numbers without.
        self.decimal = self.book.add_format({"num_format": "0.0#"})
        self.max_rows = max_rows or MAX_ROWS  # read when used: a test may lower MAX_ROWS

    def sheet(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any] | dict],
              title: Sequence[str] = ()) -> int:
        """Write the rows under `header`, on as many sheets as the row limit needs; `title`:
        lines above the header of the first sheet (a table made for people). Returns the
        number of rows written (every one of them)."""
        left: Iterator | None = iter(rows)
        count, part = 0, 1
        while left is not None:
            suffix = f" ({part})" if part > 1 else ""
            written, left = self._worksheet(name[:31 - len(suffix)] + suffix, header, left,
                                            title if part == 1 else ())
            count += written
            part += 1
        return count

    def _worksheet(self, name: str, header: Sequence[str], rows: Iterator,
                   title: Sequence[str] = ()) -> tuple[int, Iterator | None]:
        """One sheet: the title lines, the header, then rows until the limit. Returns the number
        of rows written and the rows left for the next sheet (None when there are none)."""
        ws = self.book.add_worksheet(name)
        for r, line in enumerate(title):
            ws.write_string(r, 0, line, self.heading if r == 0 else None)
        top = len(title) + 1 if title else 0
        ws.write_row(top, 0, list(header), self.bold)
        ws.freeze_panes(top + 1, 0)
        count = 0
        for row in rows:
            r = top + count + 1
            values = [row.get(h) for h in header] if isinstance(row, dict) else row
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal | float):
                    ws.write_number(r, c, float(value), self.decimal)
                elif isinstance(value, int) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
            count += 1
            if top + count + 1 >= self.max_rows:  # the sheet is full
                return count, _rest(rows)
        return count, None

    def close(self) -> None:
        self.book.close()


def _rest(rows: Iterator) -> Iterator | None:
    """The rows again if any is left (the first one peeked at), else None."""
    for first in rows:
        return itertools.chain([first], rows)
    return None


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
