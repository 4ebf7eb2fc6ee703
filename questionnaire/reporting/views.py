"""Group results and the pseudonymised export, for samordnare and analytiker.

The pages show the same numbers as `flask report` (same functions, same small-group rule), as a
table with numbers formatted for the reader's language, a chart where one helps, and CSV/Excel
downloads with the contract's columns. Every view and download is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request, send_file
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit, instruments, surveys
from questionnaire.auth import role_required
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import N_, tr
from questionnaire.models import EXIT_REASON_LABELS, Enrolment, Insats, Questionnaire
from questionnaire.reporting import (
    breakdown,
    disclosure,
    export,
    nns,
    paired,
    periods,
    reports,
    tables,
)

bp = Blueprint("analysis", __name__, url_prefix="/personal")

REPORT_TITLES = {
    "nns": N_("NNS indikatorenkät"),
    "progression": N_("Stegförflyttning"),
    "areas": N_("Stegförflyttning per område"),
    "profile": N_("Profil för självskattning"),
    "responses": N_("Svarsöversikt"),
    "exits": N_("Avslut per orsak"),
    "paired": N_("Förändring i självskattning, samma personer"),
    "participants": N_("Deltagare per period"),
}
COLUMN_LABELS = {
    "form": N_("Formulär"), "item": N_("Fråga"), "group": N_("Grupp"), "n": N_("n"),
    "answered": N_("Svarat"), "negative_pct": N_("% negativt"), "neutral_pct": N_("% varken eller"),
    "positive_pct": N_("% positivt"), "clearly_positive_pct": N_("% klart positivt"),
    "response_rate_pct": N_("Svarsfrekvens %"), "change_pp": N_("Förändring (%-enheter)"),
    "any_improved_pct": N_("% förbättrat minst ett område"), "timepoint": N_("Tidpunkt"),
    "respondent": N_("Vem skattar"), "mean": N_("Medel"), "median": N_("Median"),
    "instrument": N_("Enkät"), "due": N_("Aktuella"), "overdue": N_("Försenade"),
    "done": N_("Besvarade"), "missed": N_("Missade"), "reason": N_("Avslutsorsak"),
    "kvinnor": N_("Kvinnor"), "man": N_("Män"), "samtliga": N_("Samtliga"),
    "reason_group": N_("Typ av avslut"),
    "improved_pct": N_("% bättre"), "unchanged_pct": N_("% oförändrat"), "worse_pct": N_("% sämre"),
    "comparison": N_("Jämförelse"), "intake_mean": N_("Medel vid inskrivning"),
    "end_mean": N_("Medel vid jämförelsen"), "mean_change": N_("Förändring i medel"),
    "status": N_("Deltagare"), "samtliga_pct": N_("Samtliga, andel av avslutade"),
    "kvinnor_pct": N_("Kvinnor, andel av avslutade"), "man_pct": N_("Män, andel av avslutade"),
    "breakdown": N_("Uppdelning"),
}
#: The comparisons of the paired report (questionnaire.reporting.paired).
COMPARISON_LABELS = {"latest": N_("Inskrivning → senaste"), "exit": N_("Inskrivning → avslut")}
MEAN_COLUMNS = {"intake_mean", "end_mean", "mean_change"}
VALUE_LABELS = {
    "samtliga": N_("Samtliga"), "kvinnor": N_("Kvinnor"), "man": N_("Män"),
    "pagaende": N_("Pågående"), "avslut": N_("Avslut"), "deltagare": N_("Deltagare"),
    "personal": N_("Personal"), "remittent": N_("Remittenter"),
    "chefsgrupp": N_("Parternas chefsgrupp"), "styrelse": N_("Styrelse"),
    "handledare": N_("Handledare"), **TIMEPOINT_LABELS, **EXIT_REASON_LABELS,
    **breakdown.LABELS, "total": N_("Samtliga"),
    "active": N_("I insatsen under perioden"), "at_start": N_("Inskrivna vid periodens början"),
    "new": N_("Nya under perioden"), "exited": N_("Avslutade under perioden"),
    "at_end": N_("Inskrivna vid periodens slut"),
}
#: What a total row is called per breakdown.
TOTAL_LABELS = {"insats": N_("Alla insatser"), "referrer": N_("Alla remittenter"),
                "age_band": N_("Alla åldrar")}
#: Reports about one self-rating instrument (the page offers a choice of instrument).
SELF_RATING_REPORTS = ("progression", "areas", "profile", "paired")
#: Reports of stegförflyttning, whose end point may be the exit or a follow-up after exit.
END_POINT_REPORTS = ("progression", "areas")


def _self_ratings() -> list[instruments.Instrument]:
    return [i for i in instruments.published() if i.individual_results and i.areas]


def nns_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The NNS measurement period (1 November – 31 October) that contains `today`."""
    start_year = today.year if today.month >= 11 else today.year - 1
    return dt.date(start_year, 11, 1), dt.date(start_year + 1, 10, 31)


def _earliest() -> dt.date | None:
    """The first day with anything to report (a completed questionnaire or an exit)."""
    first = [db.session.scalar(sa.select(sa.func.min(Questionnaire.completed_at))),
             db.session.scalar(sa.select(sa.func.min(Enrolment.exit_date))),
             surveys.earliest()]
    days = [d.date() if isinstance(d, dt.datetime) else d for d in first if d is not None]
    return min(days) if days else None


def _choices() -> tuple[list[str], list[periods.Period], dict[str, Any], list[str]]:
    errors: list[str] = []
    insatser = list(db.session.scalars(sa.select(Insats.name).order_by(Insats.name)))
    today = dt.date.today()
    allowed = periods.complete(today, _earliest())
    period = periods.last_complete(today)
    if "fran" in request.args or "till" in request.args:
        errors.append(_("Rapporterna visas bara för hela redovisningsperioder (NNS-år, halvår "
                        "och kvartal), inte för valfria datum: välj en period."))
    raw = request.args.get("period", "").strip()
    if raw:
        asked = periods.parse(raw)
        if asked is None:
            errors.append(_("Perioden %(v)s finns inte.", v=raw[:20]))
        elif asked.nns_year.end >= today:
            errors.append(_("NNS-året %(v)s är inte slut än: välj en period i ett avslutat "
                            "NNS-år.", v=asked.nns_year.label()))
        else:
            period = asked
    if period not in allowed:
        allowed.append(period)  # an ended year before the first data: empty, but allowed
    insats = request.args.get("insats") or None
    if insats is not None and insats not in insatser:
        errors.append(_("Insatsen finns inte."))
        insats = None
    name = request.args.get("rapport", "nns")
    if name not in REPORT_TITLES:
        errors.append(_("Rapporten finns inte."))
        name = "nns"
    options = _self_ratings()
    instrument = request.args.get("instrument") or (options[0].key if options else "")
    if instrument not in {i.key for i in options}:
        errors.append(_("Självskattningen finns inte."))
        instrument = options[0].key if options else ""
    split = request.args.get("uppdelning") or None
    if split is not None and (split not in disclosure.SPLITS or name == "responses"):
        errors.append(_("Uppdelningen finns inte."))
        split = None
    end = request.args.get("slut") or "exit"
    if end not in reports.END_TIMEPOINTS:
        errors.append(_("Slutpunkten finns inte."))
        end = "exit"
    if name not in END_POINT_REPORTS:
        end = "exit"  # the other reports have no end point (a choice left from another one)
    chosen = {"rapport": name, "period": period, "insats": insats, "instrument": instrument,
              "uppdelning": split, "slut": end}
    return insatser, allowed, chosen, errors


TEXT_COLUMNS = {"form", "item", "group", "timepoint", "respondent", "instrument", "reason_group",
                "reason", "comparison", "status", "breakdown"}


def _display(value: Any, column: str, inst: instruments.Instrument | None = None,
             split: str | None = None) -> str:
    if column == "reason" and value is None:
        return _("Summa")
    if value is None or value == "":
        return ""
    if column == "breakdown" and value == "total" and split in TOTAL_LABELS:
        return _(TOTAL_LABELS[split])
    if column == "breakdown" and split == "insats":
        return value  # an insats's own name
    if column == "reason_group" and value == "total":
        return _("Alla avslut")
    if column == "item":
        item = inst.item(value) if inst is not None else None
        return f"{value} {tr(item.area)}" if item is not None and item.area else value
    if column == "instrument":
        names = {i.key: i.name for i in instruments.published()}
        return tr(names[value]) if value in names else value
    if column == "comparison":
        return _(COMPARISON_LABELS.get(value, value))
    if isinstance(value, str):
        return _(VALUE_LABELS.get(value, value))
    if column in MEAN_COLUMNS:
        shown = format_decimal(value, format="#,##0.00")
        return "+" + shown if column == "mean_change" and value > 0 else shown
    if column == "change_pp" and value > 0:
        return "↑ +" + format_decimal(value, format="#,##0.0")
    if column == "change_pp":
        return ("↓ " if value < 0 else "→ ") + format_decimal(value, format="#,##0.0")
    if isinstance(value, int):
        return format_decimal(value)
    return format_decimal(value, format="#,##0.0#")


@bp.get("/rapporter")
@role_required("samordnare", "analytiker")
def report() -> Any:
    """A group report over a whole reporting period (`disclosure`: what may be
    shown so that no two reports can be subtracted to reveal a small group)."""
    insatser, allowed, chosen, errors = _choices()
    name, period = chosen["rapport"], chosen["period"]
    page = {"insatser": insatser, "periods": allowed, "chosen": chosen, "titles": REPORT_TITLES,
            "self_ratings": _self_ratings(), "self_rating_reports": SELF_RATING_REPORTS,
            "splits": disclosure.SPLITS, "split_labels": breakdown.LABELS,
            "end_points": reports.END_TIMEPOINTS, "end_point_reports": END_POINT_REPORTS,
            "timepoint_labels": TIMEPOINT_LABELS}
    if errors:
        return render_template("analysis/report.html", errors=errors, **page), 400
    k = current_app.config["REPORT_MIN_GROUP"]
    k_professional = current_app.config["REPORT_MIN_GROUP_PROFESSIONAL"]
    split = chosen["uppdelning"]
    end = chosen["slut"]
    filters = reports.Filters(insats=chosen["insats"], min_group=k,
                              instrument=chosen["instrument"] or reports.DEFAULT_INSTRUMENT,
                              end_timepoint=end)
    inst = filters.self_rating() if name in SELF_RATING_REPORTS else None
    chosen_report = {**reports.REPORTS, **reports.WEB_REPORTS}[name]
    header = chosen_report.header(filters)
    empty = False
    memo: dict = {}  # NNS tables counted once for this page (the annual table and its years)
    if name == "responses":  # today's due and overdue questionnaires: no period, no answers
        rows = chosen_report.rows(filters)
    elif not disclosure.has_data(name, period, chosen["insats"], filters.instrument, end):
        rows, empty = [], True
    elif split is not None:
        header = ("breakdown", *header)
        rows = disclosure.report_by(split, name, period, chosen["insats"], k, insatser,
                                    filters.instrument, k_professional, end=end)
    else:
        rows = disclosure.report(name, period, chosen["insats"], k, insatser, filters.instrument,
                                 k_professional, memo=memo, end=end)
    fmt = request.args.get("format", "html")
    audit.record("report", user_id=current_user.id, report=name, format=fmt,
                 period=period.key, start=period.start, end=period.end,
                 insats=chosen["insats"], rows=len(rows), instrument=inst.key if inst else None,
                 breakdown=split, end_point=end if name in END_POINT_REPORTS else None)
    db.session.commit()
    if name == "nns" and split is None and not empty and fmt not in ("csv", "csv-excel", "xlsx"):
        years = sorted(p for p in allowed if p.level == "year")  # as NNS lays it out
        return nns.respond(fmt, page, rows, period, chosen["insats"], k, k_professional,
                           insatser, years, memo)
    when = dt.date.today() if name == "responses" else period.key  # what is due today
    filename = (f"stegvis-{name}-{when}{'-' + split if split else ''}"
                f"{'-' + end.replace('+', '-') if end != 'exit' else ''}")
    labels = [_(COLUMN_LABELS.get(h, h)) if not h.startswith("areas_")
              else ngettext("%% %(num)s område", "%% %(num)s områden", int(h.split("_")[1]))
              for h in header]
    if split is not None:
        labels[0] = _(breakdown.LABELS.get(split, split))
    text_columns = [h in TEXT_COLUMNS for h in header]
    if fmt == "csv":  # for programs: the contract's columns and codes
        buffer = io.StringIO()
        tables.write_csv(buffer, header, rows)
        return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"'})
    title = _title_lines(name, chosen, inst, k, empty)
    # For people: headings and labels as on screen, numbers as numbers
    people_rows = [[_display(r.get(h), h, inst, split) if text else r.get(h)
                    for h, text in zip(header, text_columns, strict=True)] for r in rows]
    if fmt == "csv-excel":  # for Excel with Swedish settings
        buffer = io.StringIO()
        tables.write_csv(buffer, labels, people_rows, excel=True, title=title)
        return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{filename}-excel.csv"'})
    if fmt == "xlsx":
        buffer = io.BytesIO()
        book = tables.Workbook(buffer)
        book.sheet(name, labels, people_rows, title=title)
        book.close()
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"{filename}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    chart = None
    if name == "profile" and rows and split is None:
        from questionnaire.reporting import chart as chart_module  # Plotly only where shown

        chart = chart_module.group_chart(inst, rows)
    elif name == "paired" and rows and split is None:
        chart = paired.chart(inst, rows)
    shown = [[_display(r.get(h), h, inst, split) for h in header] for r in rows]
    return render_template(
        "analysis/report.html", errors=[], **page,
        header=labels, rows=shown, chart=chart, min_group=k, empty=empty,
        min_group_professional=k_professional, text_columns=text_columns,
    )


def _title_lines(name: str, chosen: dict[str, Any], inst: instruments.Instrument | None,
                 k: int, empty: bool) -> list[str]:
    """The title rows of a download made for people: what, when, which insats, the rule."""
    period = chosen["period"]
    what = _(REPORT_TITLES[name])
    if inst is not None:
        what += f" ({tr(inst.name)})"
    if chosen["uppdelning"]:
        what += " " + _("per %(what)s", what=_(breakdown.LABELS[chosen["uppdelning"]]).lower())
    if name in END_POINT_REPORTS:
        what += ", " + _("inskrivning → %(end)s", end=_(TIMEPOINT_LABELS[chosen["slut"]]).lower())
    lines = [what]
    if name != "responses":
        lines.append(_("Period: %(start)s – %(end)s", start=format_date(period.start, "long"),
                       end=format_date(period.end, "long")))
    lines.append(_("Insats: %(name)s", name=chosen["insats"] or _("Alla insatser")))
    lines.append(_("Inga svar i perioden.") if empty else _(
        "Tomma rader och celler gäller färre än %(k)s personer och visas inte, så att ingen "
        "enskild kan kännas igen.", k=k))
    return lines


@bp.route("/export", methods=["GET", "POST"])
@role_required("analytiker")
def export_page() -> Any:
    insatser = list(db.session.scalars(sa.select(Insats.name).order_by(Insats.name)))
    if request.method == "GET":
        start, end = nns_period(dt.date.today())
        return render_template("analysis/export.html", insatser=insatser, start=start, end=end,
                               errors=[])
    errors: list[str] = []
    values = {}
    for name in ("fran", "till"):
        raw = request.form.get(name, "").strip()
        try:
            values[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors.append(_("Datumet %(v)s går inte att läsa. Skriv ÅÅÅÅ-MM-DD.", v=raw[:20]))
            continue
        if values[name] is not None and not 1900 <= values[name].year <= 9998:
            errors.append(_("Datumet %(v)s ska ligga mellan år 1900 och 9998.", v=raw[:20]))
    if values.get("fran") and values.get("till") and values["fran"] > values["till"]:
        errors.append(_("Från-datumet ska vara före till-datumet."))
    insats = request.form.get("insats") or None
    if insats is not None and insats not in insatser:
        errors.append(_("Insatsen finns inte."))
    fmt = request.form.get("format", "csv")
    if fmt not in export.FORMATS:
        errors.append(_("Välj CSV eller Excel."))
    if errors:
        return render_template("analysis/export.html", insatser=insatser, errors=errors,
                               start=values.get("fran"), end=values.get("till")), 400
    filters = reports.Filters(values["fran"], values["till"], insats)
    suffix = "xlsx" if fmt == "xlsx" else "zip"
    handle, path = tempfile.mkstemp(suffix=f".{suffix}")
    os.close(handle)
    try:
        export.write(path, fmt, filters, request.form.get("fritext") == "1",
                     user_id=current_user.id)
        db.session.commit()
    except Exception:
        os.unlink(path)
        raise
    # Streamed from the file (memory stays flat) and removed once sent.
    response = send_file(path, as_attachment=True,
                         download_name=f"stegvis-export-{dt.date.today()}"
                                       f"{'-excel' if fmt == 'csv-excel' else ''}.{suffix}")
    response.call_on_close(lambda: os.unlink(path))
    return response



from questionnaire.reporting import compare  # noqa: E402, F401  (its routes are on bp)
