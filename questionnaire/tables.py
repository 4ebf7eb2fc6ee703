"""Writing tables as CSV or Excel, for the reports and the export. Streams rows: memory stays flat.

Every text cell is made safe to open in Excel: a cell that starts like a formula (= + - @, tab or
carriage return) gets a leading apostrophe, so it is shown as text and never run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any] | dict]) -> int:
    """Rows are sequences in header order or dicts keyed by header; None is written as an empty
    cell. Returns the row count."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        values = [row.get(h) for h in header] if isinstance(row, dict) else row
        writer.writerow([excel_safe(v) for v in values])
        count += 1
    return count


class Workbook:
    """An XLSX file written row by row (XlsxWriter's constant-memory mode)."""

    def __init__(self, target: str | IO[bytes]) -> None:
        import xlsxwriter  # imported only when a workbook is written

        self.book = xlsxwriter.Workbook(target, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "in_memory": not isinstance(target, str),
        })
        self.bold = self.book.add_format({"bold": True})

    def sheet(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any] | dict]) -> int:
        ws = self.book.add_worksheet(name[:31])
        ws.write_row(0, 0, list(header), self.bold)
        ws.freeze_panes(1, 0)
        count = 0
        for r, row in enumerate(rows, start=1):
            values = [row.get(h) for h in header] if isinstance(row, dict) else row
            for c, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, float(value))
                else:
                    ws.write_string(r, c, str(excel_safe(value)))
            count += 1
        return count

    def close(self) -> None:
        self.book.close()
