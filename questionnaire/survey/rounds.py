"""The samordnare's survey rounds: open one (form, NNS year, optionally an insats, how many were
invited), share its link and QR code, follow responses against invited (never who), close it,
and print its paper form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit, instruments, surveys
from questionnaire.auth import role_required
from questionnaire.extensions import db
from questionnaire.i18n import tr
from questionnaire.models import Insats, SurveyRound
from questionnaire.reporting import periods, round_profile

bp = Blueprint("rounds", __name__, url_prefix="/personal/enkatomgangar")

#: Nobody invites more people than this to one round.
MAX_INVITED = 10000


def _forms() -> list[instruments.Instrument]:
    return [i for i in instruments.published() if i.answered_anonymously]


def _years() -> list[periods.Period]:
    """The NNS years a round can be opened for: the one running, the one before (a late round)
    and the next (opened in advance)."""
    now = periods.containing(dt.date.today())
    return [periods.Period(now.year + 1, "year"), now, now.year_earlier()]


def _number(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None


def _open(form: Any) -> tuple[SurveyRound | None, list[str]]:
    errors = []
    inst = next((i for i in _forms() if i.key == form.get("instrument")), None)
    if inst is None:
        errors.append(_("Välj ett formulär för en av de professionella grupperna."))
    year = periods.parse(form.get("period") or "")
    if year is None or year not in _years():
        errors.append(_("Välj ett NNS-år i listan."))
    insats = None
    if form.get("insats"):
        insats = db.session.get(Insats, _number(form.get("insats")) or 0)
        if insats is None:
            errors.append(_("Välj en insats i listan, eller ingen."))
    invited = _number(form.get("invited"))
    if invited is None or not 1 <= invited <= MAX_INVITED:
        errors.append(_("Antal inbjudna: skriv ett heltal från 1 till %(max)s.", max=MAX_INVITED))
    most = None
    if (form.get("max_responses") or "").strip():
        most = _number(form.get("max_responses"))
        if most is None or (invited is not None and not invited <= most <= 3 * MAX_INVITED):
            errors.append(_("Högst antal svar: skriv ett heltal, minst lika många som antalet "
                            "inbjudna, eller lämna tomt (tre gånger antalet inbjudna)."))
    if errors:
        return None, errors
    return surveys.open_round(inst, year, invited, insats=insats, max_responses=most), []


@bp.route("", methods=["GET", "POST"])
@role_required("samordnare")
def index() -> Any:
    errors: list[str] = []
    if request.method == "POST":
        survey_round, errors = _open(request.form)
        if survey_round is not None:
            audit.record("open_survey_round", user_id=current_user.id, subject=survey_round.title,
                         invited=survey_round.invited)
            db.session.commit()
            return redirect(url_for(".show", round_id=survey_round.id))
    rounds = db.session.scalars(sa.select(SurveyRound).order_by(
        SurveyRound.created_at.desc(), SurveyRound.id.desc())).all()
    insatser = db.session.scalars(sa.select(Insats).order_by(Insats.name)).all()
    return render_template("survey/rounds.html", rounds=rounds, errors=errors, forms=_forms(),
                           years=_years(), current_year=periods.containing(dt.date.today()),
                           insatser=insatser, counts=surveys.responses_per_round()), (
        400 if errors else 200)


def _round(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def link_of(survey_round: SurveyRound) -> str:
    return current_app.config["BASE_URL"] + url_for("survey.answer", token=survey_round.token)


@bp.get("/<int:round_id>")
@role_required("samordnare")
def show(round_id: int) -> Any:
    survey_round = _round(round_id)
    responses = surveys.responses_in(survey_round)
    rate = (round(100 * responses / survey_round.invited) if survey_round.invited else None)
    insats = db.session.get(Insats, survey_round.insats_id) if survey_round.insats_id else None
    return render_template("survey/round.html", round=survey_round, link=link_of(survey_round),
                           responses=responses, rate=rate, insats=insats,
                           year=periods.parse(survey_round.period), **_profile(survey_round))


def _profile(survey_round: SurveyRound) -> dict[str, Any]:
    """A form with rated areas (e.g. the organisation's BIP self-assessment): this round's group
    profile, mean and median per area, blank below the professional K, and its spider diagram."""
    inst = instruments.get(survey_round.instrument)
    if inst is None or not inst.areas:
        return {"profile": None, "chart": None}
    k = current_app.config["REPORT_MIN_GROUP_PROFESSIONAL"]
    rows = [r for r in round_profile.profile(inst, k) if r["round"] == survey_round.id]
    shown = [{"area": tr(inst.item(r["item"]).area), "n": r["n"],
              "mean": format_decimal(r["mean"], format="#,##0.00") if r["n"] else None,
              "median": format_decimal(r["median"]) if r["n"] else None} for r in rows]
    chart = None
    if any(r["n"] for r in rows):
        from questionnaire.reporting import chart as chart_module  # Plotly only with a chart

        values = [float(r["mean"]) if r["n"] else None for r in rows]
        traces = [chart_module.Trace(survey_round.title, values, strong=True)]
        chart = {"figure": chart_module.figure(inst, traces), "traces": 1}
    return {"profile": shown, "chart": chart, "min_group": k}


@bp.post("/<int:round_id>/stang")
@role_required("samordnare")
def close(round_id: int) -> Any:
    survey_round = _round(round_id)
    if survey_round.closed_at is None:
        surveys.close_round(survey_round)
        audit.record("close_survey_round", user_id=current_user.id, subject=survey_round.title)
        db.session.commit()
        flash(_("Enkätomgången är stängd. Länken tar inte emot fler svar."))
    return redirect(url_for(".show", round_id=round_id))


@bp.get("/<int:round_id>/papper")
@role_required("samordnare")
def paper(round_id: int) -> Any:
    survey_round = _round(round_id)
    inst = instruments.get(survey_round.instrument)
    insats = db.session.get(Insats, survey_round.insats_id) if survey_round.insats_id else None
    return render_template("survey/paper.html", round=survey_round, inst=inst, insats=insats,
                           year=periods.parse(survey_round.period))
