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
import io
import itertools
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
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
              excel: bool = False, prepared: bool = False) -> int:
    """Rows are sequences in header order or dicts keyed by header; None is written as an empty
    cell. `excel`: the variant for Swedish Excel (BOM, `;`, decimal comma). `prepared`: the rows
    are sequences already made safe (the formula guard done, e.g. by the database) with no
    decimals, and go to the writer as they are (fast). Returns the row count."""
    if excel:
        stream.write(BOM)
    writer = csv.writer(stream, delimiter=";" if excel else ",", lineterminator="\r\n")
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


_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Characters XML 1.0 cannot hold: Excel's own escape for them is _xHHHH_.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile("(_x[0-9A-Fa-f]{4}_)")
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" '
    'fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _column(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:  # a literal _x0041_ stays literal
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _string_cell(ref: str, text: str, style: str = "") -> str:
    """An inline string cell: shown as the text it is, never evaluated as a formula."""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


class Workbook:
    """An XLSX file written row by row, straight into the ZIP (memory stays flat).

    A minimal SpreadsheetML writer (what XlsxWriter writes in its constant-memory mode, without
    its per-cell overhead, which made the export 90 times slower than the database's dump): text
    as inline strings, numbers as numbers, a bold and frozen header row. Text is never evaluated.
    """

    def __init__(self, target: str | IO[bytes], max_rows: int | None = None) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=1)
        self.names: list[str] = []
        self.max_rows = max_rows or MAX_ROWS  # read when used: a test may lower MAX_ROWS

    def sheet(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any] | dict]) -> int:
        """Write the rows under `header`, on as many sheets as the row limit needs. Returns the
        number of rows written (every one of them)."""
        left: Iterator | None = iter(rows)
        count, part = 0, 1
        while left is not None:
            suffix = f" ({part})" if part > 1 else ""
            written, left = self._worksheet(name[:31 - len(suffix)] + suffix, header, left)
            count += written
            part += 1
        return count

    def _worksheet(self, name: str, header: Sequence[str], rows: Iterator
                   ) -> tuple[int, Iterator | None]:
        """One sheet: the header, then rows until the limit. Returns the number of rows written
        and the rows left for the next sheet (None when there are none)."""
        self.names.append(name)
        number = len(self.names)
        letters = [_column(c) for c in range(max(len(header), 1))]
        selected = ' tabSelected="1"' if number == 1 else ""
        count = 0
        with self.zip.open(f"xl/worksheets/sheet{number}.xml", "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
            write = out.write
            write(f'{_XML}<worksheet xmlns="{_NS}"><sheetViews><sheetView{selected} '
                  'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                  'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
                  '<sheetData><row r="1">')
            write("".join(_string_cell(f"{letters[c]}1", str(h), ' s="1"')
                          for c, h in enumerate(header)))
            write("</row>")
            left = None
            for row in rows:
                r = count + 2
                values = [row.get(h) for h in header] if isinstance(row, dict) else row
                if len(values) > len(letters):
                    letters += [_column(c) for c in range(len(letters), len(values))]
                cells = [f'<row r="{r}">']
                for c, value in enumerate(values):
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        cells.append(_string_cell(f"{letters[c]}{r}", value))
                    elif isinstance(value, int) and not isinstance(value, bool):
                        cells.append(f'<c r="{letters[c]}{r}"><v>{value}</v></c>')
                    elif isinstance(value, float | Decimal) and math.isfinite(value):
                        cells.append(f'<c r="{letters[c]}{r}"><v>{float(value)!r}</v></c>')
                    else:
                        cells.append(_string_cell(f"{letters[c]}{r}", str(value)))
                cells.append("</row>")
                write("".join(cells))
                count += 1
                if count + 1 >= self.max_rows:  # the sheet is full
                    left = _rest(rows)
                    break
            write("</sheetData></worksheet>")
        return count, left

    def close(self) -> None:
        sheets = range(1, len(self.names) + 1)
        self.zip.writestr("xl/workbook.xml", (
            f'{_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            "</bookViews><sheets>" + "".join(
                f'<sheet name="{_escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in zip(sheets, self.names, strict=True)) + "</sheets></workbook>"))
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            f'{_XML}<Relationships xmlns="{_PKG}/relationships">' + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>' for n in sheets)
            + f'<Relationship Id="rId{len(self.names) + 1}" Type="{_REL}/styles" '
              'Target="styles.xml"/></Relationships>'))
        self.zip.writestr("xl/styles.xml", _STYLES)
        self.zip.writestr("_rels/.rels", (
            f'{_XML}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        self.zip.writestr("[Content_Types].xml", (
            f'{_XML}<Types xmlns="{_PKG}/content-types"><Default Extension="rels" '
            f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                      f'ContentType="{sheet_type}.worksheet+xml"/>' for n in sheets)
            + "</Types>"))
        self.zip.close()


def _rest(rows: Iterator) -> Iterator | None:
    """The rows again if any is left (the first one peeked at), else None."""
    for first in rows:
        return itertools.chain([first], rows)
    return None
