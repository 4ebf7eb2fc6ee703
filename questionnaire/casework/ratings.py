"""The handledare's parallel rating of the areas the participant rates (`/skattning`), their own
forms about the participant beside it (`/bedomning`, e.g. the BIP rating), the dialogue view and
the printout to take home. Routes of the `staff` blueprint (`blueprint.py`), registered when
`views.py` imports this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit
from questionnaire.answering import answers
from questionnaire.auth import role_required
from questionnaire.casework import caseload, codes, schedule, staff_forms
from questionnaire.casework.blueprint import CASEWORK, _enrolment, _self_ratings, bp
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import available_locales, language_name, text_direction, tr, tr_in
from questionnaire.i18n import language as language_info
from questionnaire.instruments import Instrument
from questionnaire.models import Enrolment, Questionnaire


def _chosen_rating(enrolment: Enrolment) -> Instrument | None:
    """The self-rating a page is about: ?instrument=KEY, else the insats's first."""
    options = _self_ratings(enrolment)
    key = request.values.get("instrument")
    return next((i for i in options if i.key == key), options[0] if options else None)


def _timepoints(enrolment: Enrolment, inst: Instrument
                ) -> tuple[list[str], str | None, set[str]]:
    """The rating page's timepoints of `inst`: every one that has opened (staff may rate any;
    the participant's answers do not matter here), the one due now (else the latest), and
    those the handledare has rated."""
    slots = [s for s in schedule.timeline(enrolment, enrolment.insats, (), dt.date.today())
             if s.instrument == inst.key and s.status != "upcoming"]
    choices = [s.timepoint for s in slots]
    due = next((s.timepoint for s in slots if s.status in ("due", "overdue")),
               choices[-1] if choices else None)
    done = {t for i, t in answers.completed_slots(enrolment, "handledare") if i == inst.key}
    return choices, due, done


def _values(q: Questionnaire | None) -> dict[str, str]:
    """A stored rating's answers as the form shows them ("" for Vet inte)."""
    if q is None:
        return {}
    return {k: str(a.step) if a.step is not None else ""
            for k, a in answers.current_answers(q).items()}


def _staff_rating_of(enrolment: Enrolment, inst: Instrument,
                     timepoint: str | None) -> Questionnaire | None:
    """The handledare's completed rating of this instrument at this timepoint, if any."""
    return db.session.scalar(sa.select(Questionnaire).filter_by(
        enrolment_id=enrolment.id, instrument=inst.key, timepoint=timepoint,
        respondent="handledare").where(Questionnaire.completed_at.is_not(None)))


@bp.route("/deltagare/<code>/skattning", methods=["GET", "POST"])
@role_required(*CASEWORK)
def staff_rating(code: str) -> Any:
    """The handledare's own rating of the areas the participant rates, for the timepoint that is
    open now (or an earlier one); their own rating of a timepoint can be corrected."""
    enrolment = _enrolment(code)
    inst = _chosen_rating(enrolment)
    if inst is None:
        abort(404)
    choices, due, done = _timepoints(enrolment, inst)
    errors: list[str] = []
    timepoint = request.values.get("timepoint") or due
    if timepoint not in choices:
        if request.method == "POST":
            errors.append(_("Välj en av tidpunkterna i listan."))
        timepoint = due
    existing = _staff_rating_of(enrolment, inst, timepoint)
    stored = _values(existing)
    if request.method == "POST":
        steps: dict[str, int | None] = {}
        for item in inst.areas:
            raw = request.form.get(item.key, "")
            if raw == "":
                steps[item.key] = None
            elif raw.isdigit() and item.scale_min <= int(raw) <= item.scale_max:
                steps[item.key] = int(raw)
            else:
                errors.append(_("Ogiltigt svar för %(area)s.", area=tr(item.area)))
        if not errors and all(step is None for step in steps.values()):
            errors.append(_("Skatta minst ett område. En skattning med bara ”Vet inte” sparas "
                            "inte."))
        if existing is not None and existing.rated_by not in (None, current_user.id):
            errors.append(_("En kollega har redan skattat den här tidpunkten. Bara den som "
                            "skattade kan ändra skattningen."))
        if not errors:
            staff_forms.store(enrolment, inst, timepoint, steps, current_user, existing)
            db.session.commit()
            return redirect(url_for(".dialogue", code=enrolment.participant.code,
                                    instrument=inst.key))
    values = request.form if request.method == "POST" else stored
    return render_template("staff/rating.html", e=enrolment, inst=inst, choices=choices,
                           timepoint=timepoint, done=done, due=due, existing=existing,
                           labels=TIMEPOINT_LABELS, errors=errors, form=values,
                           display=codes.display,
                           **_staff_forms(enrolment, timepoint)), 400 if errors else 200


def _staff_forms(enrolment: Enrolment, timepoint: str | None,
                 posted: Any = None) -> dict[str, Any]:
    """The handledare's own forms about the participant (e.g. the BIP rating) for the rating
    page: each with its stored values at this timepoint, or what was just posted."""
    if timepoint not in staff_forms.timepoints(enrolment, dt.date.today()):
        return {"staff_forms": []}
    shown = []
    for inst in staff_forms.forms():
        q = staff_forms.existing(enrolment, inst, timepoint)
        values = _values(q)
        if posted is not None and posted.get("form") == inst.key:
            values = posted
        shown.append({"inst": inst, "questions": staff_forms.questions(inst), "existing": q,
                      "values": values})
    return {"staff_forms": shown}


@bp.post("/deltagare/<code>/bedomning")
@role_required(*CASEWORK)
def staff_form(code: str) -> Any:
    """The handledare's own form about the participant (e.g. the BIP rating), beside their
    parallel rating: stored as the handledare's, shown to staff only."""
    enrolment = _enrolment(code)
    inst = next((i for i in staff_forms.forms() if i.key == request.form.get("form")), None)
    timepoint = request.form.get("timepoint", "")
    errors = ([_("Välj ett av formulären på sidan.")] if inst is None else
              staff_forms.save(enrolment, inst, timepoint, request.form, current_user,
                               dt.date.today()))
    if not errors:
        db.session.commit()
        flash(_("Bedömningen är sparad."))
        return redirect(url_for(".dialogue", code=enrolment.participant.code))
    rating = _chosen_rating(enrolment)
    if rating is None:  # the form is offered beside a self-rating only
        abort(404)
    choices, due, done = _timepoints(enrolment, rating)
    shown = timepoint if timepoint in choices else due
    existing = _staff_rating_of(enrolment, rating, shown)
    stored = _values(existing)
    return render_template(
        "staff/rating.html", e=enrolment, inst=rating, choices=choices, timepoint=shown,
        done=done, due=due, existing=existing, labels=TIMEPOINT_LABELS, errors=[],
        form=stored, display=codes.display, staff_errors=errors,
        **_staff_forms(enrolment, shown, request.form)), 400


def _dialogue_context(enrolment: Enrolment) -> dict[str, Any]:
    from questionnaire.reporting import chart  # Plotly only where a chart is shown

    inst = _chosen_rating(enrolment)
    if inst is None:
        return {"e": enrolment, "inst": None, "instruments": [], "areas": [], "labels":
                TIMEPOINT_LABELS, "notes":
                caseload.notes(enrolment), "side_by_side": None, "figure": None, "traces": 0,
                "improved": 0, "compared": 0, "display": codes.display, "today": dt.date.today()}
    mine = answers.ratings(inst.key, "deltagare", enrolment_id=enrolment.id)
    staff = answers.ratings(inst.key, "handledare", enrolment_id=enrolment.id)
    items = inst.areas
    traces = [chart.Trace(f"{_(TIMEPOINT_LABELS[q.timepoint])} {q.completed_at:%Y-%m-%d}",
                          [s.get(i.key) for i in items], strong=n == len(mine) - 1)
              for n, (q, s) in enumerate(mine)]
    if staff:
        q, s = staff[-1]
        traces.append(chart.Trace(
            _("Handledarens skattning (%(tp)s)", tp=_(TIMEPOINT_LABELS[q.timepoint])),
            [s.get(i.key) for i in items], dashed=True))
    areas = caseload.areas(enrolment, inst)
    staff_latest = caseload.staff_rating(enrolment, inst)
    return {
        "staff_rating": staff_latest[0] if staff_latest else None, "labels": TIMEPOINT_LABELS,
        "earlier_plans": [(q, caseload.plan_at(enrolment, q.completed_at)) for q, _s in mine],
        "e": enrolment, "inst": inst, "instruments": _self_ratings(enrolment), "areas": areas,
        "notes": caseload.notes(enrolment),
        "side_by_side": _side_by_side(enrolment.participant.language, items),
        "figure": chart.figure(inst, traces) if traces else None, "traces": len(traces),
        # "Förra gången" only when a rating lies between the intake and the latest
        "has_previous": len(mine) > 2,
        "improved": sum(1 for a in areas if (a.since_intake or 0) > 0),
        "compared": sum(1 for a in areas if a.since_intake is not None),
        "display": codes.display, "today": dt.date.today(),
    }


def _side_by_side(code: str | None, items: Any) -> dict[str, Any] | None:
    """The rated questions in the participant's language beside the Swedish, for talking them
    through together (None when the participant answers in Swedish)."""
    if code in (None, "sv") or code not in available_locales():
        return None
    return {
        "language": language_info(code), "name": language_name(code), "dir": text_direction(code),
        "rows": [{"area": tr_in("sv", i.area), "text": tr_in("sv", i.text),
                  "area_theirs": tr_in(code, i.area), "text_theirs": tr_in(code, i.text)}
                 for i in items],
    }


@bp.get("/deltagare/<code>/dialog")
@role_required(*CASEWORK)
def dialogue(code: str) -> Any:
    enrolment = _enrolment(code)
    audit.record("view_dialogue", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    # the handledare's own forms (e.g. the BIP rating): here only, never in the printout
    return render_template("staff/dialogue.html", **_dialogue_context(enrolment),
                           staff_tables=staff_forms.tables(enrolment))


@bp.get("/deltagare/<code>/utskrift")
@role_required(*CASEWORK)
def print_view(code: str) -> Any:
    """One A4 page to take home: in the participant's language and in Swedish."""
    from questionnaire.casework import printout

    enrolment = _enrolment(code)
    context = _dialogue_context(enrolment)
    language = enrolment.participant.language or "sv"
    locales = [c for c in dict.fromkeys([language, "sv"]) if c in available_locales()]
    inst = context["inst"]
    if inst is not None:
        scale = inst.areas[0].scale
        context.update(star=printout.star_svg(enrolment, inst, locales),
                       meeting=printout.next_meeting(enrolment, inst, dt.date.today()),
                       lowest=scale.min, highest=scale.max)
    sections = []
    for locale in locales:
        with force_locale(locale):
            sections.append(render_template(
                "staff/print_section.html", **context, section_lang=language_info(locale),
                section_dir=text_direction(locale)))
    audit.record("print_dialogue", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    return render_template("staff/print.html", sections=sections, **context,
                           section_font=language_info(language).font)
