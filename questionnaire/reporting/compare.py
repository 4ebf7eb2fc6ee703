"""The comparison between förbund as a page: benchmark files uploaded, validated whole and shown
beside this förbund's own figures (questionnaire.reporting.benchmark, docs/benchmark.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit
from questionnaire.auth import role_required
from questionnaire.extensions import db
from questionnaire.i18n import N_
from questionnaire.reporting import benchmark, periods
from questionnaire.reporting.views import VALUE_LABELS, bp

TABLES = {"participants": N_("Deltagare"), "nns": N_("NNS indikatorenkät"),
          "progression": N_("Stegförflyttning")}
FIGURES = {"new": N_("Nya"), "ongoing": N_("Deltagit"), "exited": N_("Avslutade"),
           "answered": N_("Svarat"), "positive_pct": N_("% positivt"), "n": N_("n"),
           "any_improved_pct": N_("% förbättrat minst ett område")}
#: At most this many files at once.
MAX_FILES = 20


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return format_decimal(value)
    return format_decimal(value, format="#,##0.0")


@bp.route("/jamforelse", methods=["GET", "POST"])
@role_required("samordnare", "analytiker")
def compare_page() -> Any:
    """Upload other förbund's benchmark files; see this förbund beside them and their median."""
    if request.method == "GET":
        return render_template("analysis/compare.html", errors=[])
    uploads = [f for f in request.files.getlist("filer") if f.filename]
    errors: list[str] = []
    if not uploads:
        errors.append(_("Välj en eller flera jämförelsefiler."))
    elif len(uploads) > MAX_FILES:
        errors.append(_("Högst %(n)s filer åt gången.", n=MAX_FILES))
    today = dt.date.today()
    others: list[dict] = []
    seen: dict[str, str] = {}
    for upload in uploads[:MAX_FILES]:
        name = (upload.filename or "")[:100]
        data, problems = benchmark.read(upload.read(benchmark.MAX_BYTES + 1), today)
        if data is not None and data["forbund"] in seen:
            problems = [_("%(name)s finns redan i %(other)s: ett förbund en gång",
                          name=data["forbund"], other=seen[data["forbund"]])]
        if problems:
            errors += [f"{name}: {p}" for p in problems]
            continue
        seen[data["forbund"]] = name
        others.append(data)
    if errors:
        return render_template("analysis/compare.html", errors=errors), 400
    years = sorted({periods.parse(p["period"]) for o in others for p in o["periods"]})
    here = benchmark.build("this", years, current_app.config["REPORT_MIN_GROUP"],
                           current_app.config["REPORT_MIN_GROUP_PROFESSIONAL"], "", today)
    header, rows = benchmark.compare(here, others)
    audit.record("compare", user_id=current_user.id, files=len(others), forbund=list(seen),
                 rows=len(rows))
    db.session.commit()
    shown = [[r["period"], _(TABLES[r["table"]]), _(VALUE_LABELS.get(r["form"], r["form"])),
              r["item"],
              _(VALUE_LABELS.get(r["group"], r["group"])), _(FIGURES[r["figure"]]),
              *(_cell(r[h]) for h in header[6:])] for r in rows]
    return render_template("analysis/compare.html", errors=[], names=list(seen), rows=shown,
                           min_group=current_app.config["REPORT_MIN_GROUP"])
