"""The samordnare's pages: the insatser (with their schedules and staff), the users, the audit
log and the translations overview. Routes of the `staff` blueprint (`blueprint.py`), registered
when `views.py` imports this module.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.security import generate_password_hash

from questionnaire import audit, instruments
from questionnaire.auth import end_sessions, role_required
from questionnaire.casework import codes, schedule
from questionnaire.casework.blueprint import CASEWORK, _parse_date, _titles, bp
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import LANGUAGES, available_locales, language_name, text_direction, tr_in
from questionnaire.models import ROLES, TIMEPOINTS, Insats, InsatsStaff, ScheduleEntry, User

#: The audit log's actions as staff read them (an action not named here is shown as recorded).
ACTION_LABELS = {
    "add_note": _l("Ny anteckning i planen"), "edit_note": _l("Ändrade en anteckning"),
    "delete_note": _l("Tog bort en anteckning"), "finish_note": _l("Anteckning klar"),
    "answer_changed": _l("Ändrat svar"), "create_link": _l("Ny engångslänk"),
    "create_follow_up_link": _l("Ny uppföljningslänk"),
    "revoke_follow_up_link": _l("Återkallade uppföljningslänken"),
    "participant_link": _l("Deltagaren öppnade sin länk"), "create_user": _l("Nytt konto"),
    "erase": _l("Raderade deltagaren"), "exit": _l("Avslut registrerat"),
    "export": _l("Export"), "report": _l("Rapport"), "import_answers": _l("Import av svar"),
    "instrument_add": _l("Ny enkätversion"), "instrument_export": _l("Enkätfil hämtad"),
    "handover": _l("Lämnade över surfplattan"), "handback": _l("Tog tillbaka surfplattan"),
    "handback_failed": _l("Fel lösenord vid återlämning"),
    "handback_refused": _l("Återlämning spärrad"), "login": _l("Inloggning"),
    "login_failed": _l("Misslyckad inloggning"), "login_refused": _l("Inloggning spärrad"),
    "logout": _l("Utloggning"), "logout_idle": _l("Utloggad efter inaktivitet"),
    "own_data": _l("Deltagaren såg sina uppgifter"),
    "right_of_access": _l("Visade deltagaren sina uppgifter"),
    "password_changed": _l("Bytte lösenord"), "print_dialogue": _l("Utskrift till deltagaren"),
    "register_participant": _l("Registrerade en deltagare"),
    "save_insats": _l("Sparade en insats"), "user_active": _l("Kontot aktiverat"),
    "user_inactive": _l("Kontot avstängt"), "view_dialogue": _l("Öppnade samtalsvyn"),
    "view_participant": _l("Öppnade deltagarsidan"),
    "staff_rating": _l("Handledarens skattning"),
    "staff_rating_changed": _l("Ändrade handledarens skattning"),
    "assign_handledare": _l("Ny handledare"),
}


@bp.get("/logg")
@role_required("samordnare")
def audit_log() -> Any:
    from questionnaire.models import AuditEvent

    query = (sa.select(AuditEvent, User.email).outerjoin(User, AuditEvent.user_id == User.id)
             .order_by(AuditEvent.id.desc()))
    action = request.args.get("action") or None
    subject = (request.args.get("subject") or "").strip()
    if action:
        query = query.where(AuditEvent.action == action)
    if subject:
        query = query.where(AuditEvent.subject.in_({subject, codes.normalise(subject)}))
    errors: list[str] = []
    day = _parse_date(request.args.get("day"), errors, _("Datum"), required=False)
    if day is not None:
        query = query.where(AuditEvent.at >= dt.datetime.combine(day, dt.time()),
                            AuditEvent.at < dt.datetime.combine(day + dt.timedelta(days=1),
                                                                dt.time()))
    events = db.session.execute(query.limit(500)).all()
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(
        AuditEvent.action)).all()
    return render_template("staff/audit.html", events=events, actions=actions, action=action,
                           action_labels=ACTION_LABELS,
                           subject=subject, day=request.args.get("day", ""), errors=errors), (
        400 if errors else 200)


@bp.get("/oversattningar")
@role_required("samordnare")
def translations() -> Any:
    """The reviewer's page: every scale's steps side by side in every language, so that one
    sees at once whether the steps read in order, and whether each language has been reviewed
    by a native speaker (questionnaire/i18n.py)."""
    languages = [{"lang": lang, "name": language_name(lang.code),
                  "dir": text_direction(lang.code)}
                 for lang in LANGUAGES if lang.code in available_locales()]
    scales: dict[str, dict[str, Any]] = {}
    for inst in instruments.for_participants():  # professional forms are Swedish only
        for item in inst.items:
            if item.scale is None:
                continue
            entry = scales.setdefault(f"{inst.key}:{item.scale.key}",
                                      {"scale": item.scale, "items": []})
            if item.key not in entry["items"]:
                entry["items"].append(item.key)
    for entry in scales.values():
        steps = entry["scale"].steps
        entry["rows"] = [{"step": step, "cells": []} for step in steps]
        for language in languages:
            code = language["lang"].code
            texts = [tr_in(code, s.label, context=entry["scale"].key) if code != "sv"
                     else s.label for s in steps]
            for row, text in zip(entry["rows"], texts, strict=True):
                same = [s.value for s, other in zip(steps, texts, strict=True)
                        if other.strip().casefold() == text.strip().casefold()
                        and s.value != row["step"].value]
                row["cells"].append({"text": text, "same_as": same})
    return render_template("staff/translations.html", locales=languages,
                           scales=list(scales.values()))


# --- Samordnare: insatser and users ---------------------------------------------------------

@bp.get("/insatser")
@role_required("samordnare")
def insatser() -> Any:
    rows = db.session.scalars(sa.select(Insats).order_by(Insats.name)).all()
    timepoints = {i.id: [_(TIMEPOINT_LABELS[t]) for t in TIMEPOINTS
                         if t in {e.timepoint for e in i.schedule}] for i in rows}
    return render_template("staff/insatser.html", insatser=rows, timepoints=timepoints)


@bp.route("/insatser/ny", methods=["GET", "POST"], defaults={"insats_id": None})
@bp.route("/insatser/<int:insats_id>", methods=["GET", "POST"])
@role_required("samordnare")
def edit_insats(insats_id: int | None) -> Any:
    insats = db.session.get(Insats, insats_id) if insats_id else None
    if insats_id and insats is None:
        abort(404)
    users = db.session.scalars(sa.select(User).where(User.role.in_(CASEWORK))
                               .order_by(User.email)).all()
    errors: list[str] = []
    if request.method == "POST":
        form = request.form
        name = (form.get("name") or "").strip()
        if not name or len(name) > 120:
            errors.append(_("Skriv ett namn (högst 120 tecken)."))
        elif db.session.scalar(sa.select(Insats.id).where(
                Insats.name == name, Insats.id != (insats.id if insats else -1))):
            errors.append(_("Det finns redan en insats med det namnet."))
        length = form.get("length_weeks", "").strip()
        if length and not (length.isdigit() and 1 <= int(length) <= 520):
            errors.append(_("Längden anges i veckor, 1–520, eller lämnas tom."))
        wanted = {tuple(v.split(":", 1)) for v in form.getlist("schedule")}
        valid = {(i.key, t) for i in instruments.for_participants() for t in TIMEPOINTS}
        if not wanted or not wanted <= valid:
            errors.append(_("Välj minst en enkät i schemat."))
        staff_ids = {int(v) for v in form.getlist("staff") if v.isdigit()}
        if not staff_ids <= {u.id for u in users}:
            errors.append(_("Okänd personal."))
        if not errors:
            if insats is None:
                insats = Insats(name=name)
                db.session.add(insats)
            insats.name = name
            insats.length_weeks = int(length) if length else None
            # Entries kept stay, dropped ones go first: one row per (instrument, timepoint)
            for entry in [e for e in insats.schedule if (e.instrument, e.timepoint) not in wanted]:
                insats.schedule.remove(entry)
            db.session.flush()
            kept = {(e.instrument, e.timepoint) for e in insats.schedule}
            insats.schedule.extend(
                ScheduleEntry(instrument=i, timepoint=t)
                for i, t in sorted(wanted - kept, key=lambda e: (
                    TIMEPOINTS.index(e[1]), instruments.order_key(e[0]))))
            db.session.flush()
            db.session.execute(sa.delete(InsatsStaff).where(InsatsStaff.insats_id == insats.id))
            db.session.add_all(InsatsStaff(insats_id=insats.id, user_id=u) for u in staff_ids)
            if current_user.id not in staff_ids and current_user.role == "samordnare":
                db.session.add(InsatsStaff(insats_id=insats.id, user_id=current_user.id))
            audit.record("save_insats", user_id=current_user.id, subject=name,
                         schedule=sorted(":".join(e) for e in wanted))
            db.session.commit()
            flash(_("Insatsen är sparad."))
            return redirect(url_for(".insatser"))
    current = {(e.instrument, e.timepoint) for e in (
        insats.schedule if insats else schedule.default_schedule())}
    members = set(db.session.scalars(sa.select(InsatsStaff.user_id).filter_by(
        insats_id=insats.id))) if insats else set()
    return render_template("staff/insats.html", insats=insats, users=users, errors=errors,
                           current=current, members=members, timepoints=TIMEPOINTS,
                           labels=TIMEPOINT_LABELS, titles=_titles(),
                           order=[i.key for i in instruments.for_participants()]), (
        400 if errors else 200)


@bp.route("/anvandare", methods=["GET", "POST"])
@role_required("samordnare")
def users() -> Any:
    errors: list[str] = []
    new_password = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        role = request.form.get("role")
        if "@" not in email or len(email) > 254 or " " in email:
            errors.append(_("Skriv en giltig e-postadress."))
        elif db.session.scalar(sa.select(User.id).filter_by(email=email)):
            errors.append(_("Det finns redan ett konto för %(email)s.", email=email))
        if role not in ROLES:
            errors.append(_("Välj en roll."))
        if not errors:
            new_password = secrets.token_urlsafe(12)
            db.session.add(User(email=email, role=role, must_change_password=True,
                                password_hash=generate_password_hash(new_password)))
            audit.record("create_user", user_id=current_user.id, subject=email, role=role)
            db.session.commit()
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.email)).all()
    # The temporary password is shown on this response only: never kept in the session cookie.
    created = (email, new_password) if new_password else None
    return render_template("staff/users.html", users=rows, errors=errors, roles=ROLES,
                           created=created), 400 if errors else 200


@bp.post("/anvandare/<int:user_id>/aktiv")
@role_required("samordnare")
def toggle_user(user_id: int) -> Any:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash(_("Du kan inte stänga av ditt eget konto."))
        return redirect(url_for(".users")), 303
    user.active = not user.active
    if not user.active:
        end_sessions(user)
    audit.record("user_active" if user.active else "user_inactive", user_id=current_user.id,
                 subject=user.email)
    db.session.commit()
    return redirect(url_for(".users"))
