"""The NNS report page as NNS lays it out: the annual table per indicator, several years side by
side, and the same layout as an Excel workbook (questionnaire.reporting.nns_table)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask import render_template, send_file
from flask_babel import format_decimal
from flask_babel import gettext as _

from questionnaire.reporting import nns_table
from questionnaire.reporting.periods import Period

#: The `format` of the report page that downloads the annual table as a workbook.
XLSX = "nns-xlsx"


def pct(value: Decimal | None, brackets: bool = False) -> str:
    if value is None:
        return ""
    text = format_decimal(value, format="#,##0.0")
    return f"({text})" if brackets else text


def change(value: Decimal | None) -> str:
    """Percentage points with NNS's arrows: ↑ up, ↓ down, → unchanged."""
    if value is None:
        return ""
    arrow = "↑" if value > 0 else "↓" if value < 0 else "→"
    return f"{arrow} {format_decimal(abs(value), format='#,##0.0')}"


def change_label(value: Decimal | None) -> str:
    """The same for a screen reader (an arrow alone is read as "upwards arrow")."""
    if value is None:
        return ""
    points = format_decimal(abs(value), format="#,##0.0")
    if value > 0:
        return _("ökning med %(p)s procentenheter", p=points)
    if value < 0:
        return _("minskning med %(p)s procentenheter", p=points)
    return _("oförändrat")


def notes(k: int, k_professional: int) -> list[str]:
    return [
        _("Negativt: svarsalternativ 1–2 (aldrig, sällan / inte alls, till liten del). Varken "
          "eller: 3. Positivt: 4–6; klart positivt: 5–6. Andelar av dem som svarat på frågan."),
        _("Svarsfrekvens: andel av dem som fick frågan som svarade på den; för personal, "
          "remittenter, chefsgrupp och styrelse andel av de inbjudna när en enkätomgång anger "
          "hur många som bjöds in."),
        _("Tomma rader gäller färre än %(k)s deltagare (%(kp)s för de andra "
          "respondentgrupperna) eller grupper som skulle kunna räknas fram ur andra rapporter.",
          k=k, kp=k_professional),
    ]


def respond(fmt: str, page: dict[str, Any], rows: list[dict], period: Period,
            insats: str | None, k: int, k_professional: int, insatser: list[str],
            years: list[Period], memo: dict | None = None) -> Any:
    """The page (or, with `format=nns-xlsx`, the workbook) of the NNS report (`memo`: the NNS
    tables the rows were made from, see disclosure.nns_table)."""
    indicators = nns_table.from_rows(rows, period, insats)
    multi = nns_table.multi_year(years, insats, k, k_professional, insatser, memo)
    title = _("NNS indikatorenkät, %(period)s", period=period.label())
    if insats:
        title += ", " + insats
    if fmt == XLSX:
        buffer = io.BytesIO()
        nns_table.workbook(buffer, title, indicators, multi, notes(k, k_professional))
        buffer.seek(0)
        return send_file(
            buffer, as_attachment=True, download_name=f"stegvis-nns-tabell-{period.key}.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return render_template(
        "analysis/report.html", errors=[], **page, rows=rows, annual=indicators, multi=multi,
        nns=nns_table, pct=pct, change=change, change_label=change_label,
        notes=notes(k, k_professional), min_group=k, min_group_professional=k_professional,
        xlsx_format=XLSX)
