"""The staff workspace: caseload, registering a participant, the participant's page, the tablet
hand-over, the parallel rating, the dialogue view with the action plan; and for samordnare the
insatser and the users.

Handledare and samordnare see only the participants of the insatser they work in; anyone else's
participant is a 404. Every view of a participant's page and every change is audited. NNS
answers are never shown here: only that a form was completed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.security import check_password_hash, generate_password_hash

from questionnaire import audit, instruments, lockout, privacy
from questionnaire.answering import answers, followup, links
from questionnaire.answering.views import SCOPE, grant
from questionnaire.auth import end_sessions, role_required
from questionnaire.casework import assignment, caseload, codes, overview, schedule, staff_forms
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import (
    LANGUAGES,
    available_locales,
    language_name,
    text_direction,
    tr,
    tr_in,
)
from questionnaire.i18n import language as language_info
from questionnaire.instruments import Instrument
from questionnaire.models import (
    ALL_EXIT_REASONS,
    EXIT_REASON_LABELS,
    EXIT_REASONS,
    GENDERS,
    REFERRERS,
    ROLES,
    TIMEPOINTS,
    ActionNote,
    Enrolment,
    Insats,
    InsatsStaff,
    Participant,
    Questionnaire,
    ScheduleEntry,
    User,
    utcnow,
)
from questionnaire.pages import wants_json

bp = Blueprint("staff", __name__, url_prefix="/personal")

CASEWORK = ("handledare", "samordnare")
HANDOVER = "handover"


def qr_svg(url: str) -> Markup:
    """A QR code of a link, as inline SVG (Jinja filter `qr`)."""
    import segno  # only where a QR code is drawn

    return Markup(segno.make(url, error="m").svg_inline(scale=5, dark="#111827",
                                                        title=_("QR-kod för länken")))


def _enrolment(code: str) -> Enrolment:
    enrolment = caseload.visible_enrolment(current_user, code)
    if enrolment is None:
        abort(404)
    return enrolment


def _parse_date(raw: str | None, errors: list[str], label: str, required: bool = True,
                latest: dt.date | None = None) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors.append(_("%(label)s saknas.", label=label))
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(label)s: skriv datumet som ÅÅÅÅ-MM-DD.", label=label))
        return None
    if latest is not None and day > latest:
        errors.append(_("%(label)s kan inte ligga i framtiden.", label=label))
    return day


#: The server-error page's words for staff (a participant is told their answers are kept).
SERVER_ERROR = _l("Något gick fel hos oss. Försök igen om en stund. Händer det igen: kontakta den "
                  "som sköter Stegvis hos er och berätta vad du gjorde och när.")


@bp.get("/")
@login_required
def home() -> Any:
    if current_user.role == "handledare":
        return redirect(url_for(".participants"))
    if current_user.role == "samordnare":
        return render_template("staff/home.html", **overview.start_page(current_user,
                                                                         dt.date.today()))
    return render_template("staff/home.html")


@bp.get("/deltagare")
@role_required(*CASEWORK)
def participants() -> Any:
    insatser = db.session.scalars(
        sa.select(Insats).where(Insats.id.in_(caseload.my_insats_ids(current_user)))
        .order_by(Insats.name)).all()
    insats_id = request.args.get("insats", type=int)
    status = request.args.get("status") or None
    if status not in (None, "due", "overdue", "upcoming", "exited"):
        status = None
    # A handledare sees their own by default, a samordnare the whole insats.
    scope = request.args.get("urval")
    if scope not in caseload.SCOPES:
        scope = "mina" if current_user.role == "handledare" else "insatsen"
    today = dt.date.today()
    every = caseload.caseload(current_user, today, insats_id, scope=scope)
    rows = [r for r in every if caseload.matches(r, status)]
    query = (request.args.get("q") or "").strip()[:20]
    if query:
        rows = caseload.search(rows, query)
    rows, page, pages = caseload.page(rows, request.args.get("sida", 1, type=int))
    return render_template("staff/participants.html", rows=rows, insatser=insatser,
                           counts=caseload.counts(every), query=query, page=page, pages=pages,
                           insats_id=insats_id, status=status, labels=TIMEPOINT_LABELS,
                           titles=_titles(), display=codes.display, scope=scope,
                           week=caseload.week(every, today), week_days=caseload.WEEK_DAYS)


@bp.route("/deltagare/ny", methods=["GET", "POST"])
@role_required(*CASEWORK)
def register() -> Any:
    insatser = db.session.scalars(
        sa.select(Insats).where(Insats.id.in_(caseload.my_insats_ids(current_user)))
        .order_by(Insats.name)).all()
    answer_languages = [(c, language_name(c), language_info(c)) for c in available_locales()]
    form = request.form
    errors: list[str] = []
    if request.method == "POST":
        today = dt.date.today()
        insats = next((i for i in insatser if str(i.id) == form.get("insats")), None)
        if insats is None:
            errors.append(_("Välj en insats."))
        gender = form.get("gender") or None
        if gender not in (None, *GENDERS):
            errors.append(_("Välj kön."))
        birth_year = None
        if form.get("birth_year"):
            raw = form["birth_year"].strip()
            if not (raw.isdigit() and today.year - 80 <= int(raw) <= today.year - 14):
                errors.append(_("Födelseåret måste vara ett år mellan %(a)s och %(b)s.",
                                a=today.year - 80, b=today.year - 14))
            else:
                birth_year = int(raw)
        referrer = form.get("referrer") or None
        if referrer not in (None, *REFERRERS):
            errors.append(_("Välj vem som remitterade."))
        start = _parse_date(form.get("start"), errors, _("Inskrivningsdatum"), latest=today)
        language = form.get("language") or None
        if language not in (None, *available_locales()):
            errors.append(_("Välj ett språk i listan."))
        label = (form.get("staff_label") or "").strip()
        if len(label) > 12:
            errors.append(_("Den interna märkningen får vara högst 12 tecken."))
        if not errors:
            person = caseload.register(insats=insats, gender=gender, birth_year=birth_year,
                                       referrer=referrer, start=start, language=language,
                                       staff_label=label,
                                       handledare=current_user
                                       if current_user.role == "handledare" else None)
            audit.record("register_participant", user_id=current_user.id, subject=person.code)
            db.session.commit()
            flash(_("Deltagaren är registrerad med koden %(code)s. Skriv in koden i akten.",
                    code=codes.display(person.code)))
            return redirect(url_for(".participant", code=person.code))
    unreviewed = [name for _c, name, lang in answer_languages if not lang.reviewed]
    return render_template("staff/register.html", insatser=insatser,
                           answer_languages=answer_languages, errors=errors, form=form,
                           unreviewed=unreviewed,
                           referrers=REFERRERS,
                           today=dt.date.today()), 400 if errors else 200


@bp.get("/deltagare/<code>")
@role_required(*CASEWORK)
def participant(code: str) -> Any:
    return _participant_page(_enrolment(code))


def _participant_page(enrolment: Enrolment, link_url: str | None = None,
                      follow_up_url: str | None = None) -> Any:
    """The participant's page; with `link_url`, a new one-time link shown this once (rendered
    straight from the POST, so the link is never kept in the session cookie); with
    `follow_up_url`, the new follow-up link, its QR code and a text to send."""
    done = answers.completed_slots(enrolment)
    slots = schedule.timeline(enrolment, enrolment.insats, done, dt.date.today())
    staff_done = answers.completed_slots(enrolment, "handledare")
    audit.record("view_participant", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    return render_template(
        "staff/participant.html", e=enrolment, p=enrolment.participant, slots=slots,
        staff_done=staff_done, labels=TIMEPOINT_LABELS, titles=_titles(),
        self_ratings=_self_ratings(enrolment),
        display=codes.display, exit_reasons=EXIT_REASONS, exit_labels=EXIT_REASON_LABELS,
        today=dt.date.today(), link_url=link_url, follow_up_url=follow_up_url,
        follow_up_text=_follow_up_text(enrolment, follow_up_url) if follow_up_url else None,
        follow_ups=followup.follow_ups(enrolment) if enrolment.exit_date else [],
        follow_up_link=followup.current(enrolment) if enrolment.exit_date else None,
        language_name=language_name(enrolment.participant.language or "sv"),
        language_reviewed=language_info(enrolment.participant.language).reviewed,
        colleagues=assignment.colleagues(enrolment),
        may_reassign=assignment.may_reassign(current_user, enrolment),
    )


@bp.post("/deltagare/<code>/avslut")
@role_required(*CASEWORK)
def record_exit(code: str) -> Any:
    enrolment = _enrolment(code)
    errors: list[str] = []
    day = _parse_date(request.form.get("exit_date"), errors, _("Avslutsdatum"),
                      latest=dt.date.today())
    reason = request.form.get("exit_reason")
    if reason not in ALL_EXIT_REASONS:
        errors.append(_("Välj en avslutsorsak."))
    if day is not None and day < enrolment.start_date:
        errors.append(_("Avslutsdatum kan inte ligga före inskrivningen."))
    if enrolment.exit_date is not None:
        errors.append(_("Deltagaren är redan avslutad."))
    if errors:
        for e in errors:
            flash(e)
        return redirect(url_for(".participant", code=enrolment.participant.code)), 303
    caseload.record_exit(enrolment, day, reason)
    audit.record("exit", user_id=current_user.id, subject=enrolment.participant.code,
                 reason=reason)
    flash(_("Avslutet är registrerat. Enkäterna vid avslut är nu aktuella."))
    if followup.follow_ups(enrolment) and followup.expires(enrolment) > utcnow():
        # the follow-up link to hand out now, shown this once
        return _participant_page(enrolment, follow_up_url=_new_follow_up(enrolment))
    db.session.commit()
    return redirect(url_for(".participant", code=enrolment.participant.code))


def _new_follow_up(enrolment: Enrolment) -> str:
    token = followup.create(enrolment)
    audit.record("create_follow_up_link", user_id=current_user.id,
                 subject=enrolment.participant.code)
    return followup.url(token)


def _follow_up_text(enrolment: Enrolment, url: str) -> str:
    """The text the handledare sends by SMS or e-mail, in Swedish: no name, no code."""
    months = [schedule.AFTER_EXIT[t] for t in followup.follow_ups(enrolment)]
    with force_locale("sv"):
        if len(months) > 1:
            when = _("Om %(a)s och %(b)s månader", a=months[0], b=months[1])
        else:
            when = _("Om %(a)s månader", a=months[0])
        return _("Hej! %(when)s vill vi gärna veta hur det går för dig. Öppna länken %(url)s "
                 "så kommer några frågor. Länken säger när det är dags, spara den gärna. "
                 "Hälsningar, din handledare", when=when, url=url)


@bp.post("/deltagare/<code>/uppfoljningslank")
@role_required(*CASEWORK)
def create_follow_up_link(code: str) -> Any:
    """A new follow-up link (the participant lost theirs): the earlier ones stop working."""
    enrolment = _enrolment(code)
    if enrolment.exit_date is None:
        flash(_("Uppföljningslänken skapas när avslutet är registrerat."))
    elif not followup.follow_ups(enrolment):
        flash(_("Insatsen har ingen uppföljning efter avslut i sitt schema."))
    elif followup.expires(enrolment) <= utcnow():
        flash(_("Uppföljningarna efter avslutet är redan passerade."))
    else:
        return _participant_page(enrolment, follow_up_url=_new_follow_up(enrolment))
    return redirect(url_for(".participant", code=enrolment.participant.code)), 303


@bp.post("/deltagare/<code>/uppfoljningslank/aterkalla")
@role_required(*CASEWORK)
def revoke_follow_up_link(code: str) -> Any:
    enrolment = _enrolment(code)
    if followup.revoke(enrolment):
        audit.record("revoke_follow_up_link", user_id=current_user.id,
                     subject=enrolment.participant.code)
        flash(_("Uppföljningslänken är återkallad och fungerar inte längre."))
    db.session.commit()
    return redirect(url_for(".participant", code=enrolment.participant.code))


@bp.post("/deltagare/<code>/lank")
@role_required(*CASEWORK)
def create_link(code: str) -> Any:
    enrolment = _enrolment(code)
    token = links.create(enrolment.participant)
    audit.record("create_link", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    return _participant_page(enrolment, link_url=links.url(token))  # shown once


# --- Tablet hand-over ------------------------------------------------------------------------

def _participant_endpoint(endpoint: str | None) -> bool:
    return bool(endpoint) and (endpoint.startswith("participant.") or endpoint in (
        "static", "staff.handback"))


#: Posting an answer: refused once the tablet is locked, and the lock screen then says so.
ANSWER_ENDPOINTS = ("participant.save", "participant.question")
#: Fetched by the browser on its own (service worker updates, the manifest): not a sign that
#: someone is using the tablet.
BACKGROUND_ENDPOINTS = ("participant.service_worker", "participant.manifest",
                        "participant.offline_page", "static")


def handover_lock() -> Any:
    """Before each request: while a tablet is handed over, only the participant's questions and
    the hand-back screen are reachable; after a while without a tap the tablet locks."""
    state = session.get(HANDOVER)
    if not state:
        return None
    now = utcnow().timestamp()
    idle = now - state.get("seen", now) > current_app.config["HANDOVER_IDLE_MINUTES"] * 60
    if request.endpoint == "staff.handback":
        return None
    if idle or state.get("locked") or not _participant_endpoint(request.endpoint):
        state["locked"] = True
        asked = (request.view_args or {}).get("code")
        if (request.method == "GET" and (request.endpoint or "").startswith("staff.")
                and asked and codes.normalise(asked) == state.get("code")
                and not wants_json()):
            # the first page about this participant asked for (the dialogue view, say) is
            # opened once the tablet is handed back
            state.setdefault("next", request.full_path)
        if request.method == "POST" and request.endpoint in ANSWER_ENDPOINTS:
            state["unsaved"] = True  # the lock screen must not say this answer was saved
        session[HANDOVER] = state
        if wants_json():
            return {"code": "locked", "lock_url": url_for("staff.handback")}, 401
        return redirect(url_for("staff.handback"))
    if request.endpoint not in BACKGROUND_ENDPOINTS:
        state["seen"] = now
    session[HANDOVER] = state
    return None


def _lock_to_participant(person: Participant, questionnaire_ids: list[int],
                         access: int | None = None) -> None:
    """Hand the tablet over: only these questionnaires (and, with `access`, the participant's own
    data) are reachable until the handledare's password; the staff language is kept aside."""
    session[HANDOVER] = {"by": current_user.id, "code": person.code,
                         "seen": utcnow().timestamp(), "staff_lang": session.pop("lang", None)}
    grant(questionnaire_ids, access=access)


@bp.post("/deltagare/<code>/lamna-over")
@role_required(*CASEWORK)
def handover(code: str) -> Any:
    enrolment = _enrolment(code)
    person = enrolment.participant
    with force_locale(person.language or "sv"):
        due = answers.start_due(enrolment, dt.date.today(), language=person.language or "sv",
                                source="tablet")
    if not due:
        flash(_("Det finns ingen enkät att fylla i just nu."))
        return redirect(url_for(".participant", code=person.code))
    audit.record("handover", user_id=current_user.id, subject=person.code,
                 questionnaires=[q.id for q in due])
    db.session.commit()
    _lock_to_participant(person, [q.id for q in due])
    return redirect(url_for("participant.resume", qid=due[0].id))


@bp.route("/lamna-tillbaka", methods=["GET", "POST"])
def handback() -> Any:
    """The locked screen: back to the staff view only with the handledare's password. Wrong
    passwords lock it per handledare, not per address (tablets share the proxy's address), counted
    in the database (questionnaire/lockout.py)."""
    state = session.get(HANDOVER)
    if not state or not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.args.get("las") and not state.get("locked"):  # locked by the tablet's own timer
        state["locked"] = True
        session[HANDOVER] = state
    person = db.session.scalar(sa.select(Participant).where(Participant.code == state["code"]))
    g.participant_language = person.language if person else None  # the screen is theirs
    error = None
    if request.method == "POST":
        keys = lockout.handback_keys(current_user.id)
        if lockout.locked(keys):  # refused before the password is checked
            audit.record("handback_refused", user_id=current_user.id, subject=state["code"])
            db.session.commit()
            abort(429)
        if check_password_hash(current_user.password_hash, request.form.get("password", "")):
            lockout.succeeded(keys)
            session.pop(HANDOVER, None)
            session.pop(SCOPE, None)
            if state.get("staff_lang"):
                session["lang"] = state["staff_lang"]
            else:
                session.pop("lang", None)
            audit.record("handback", user_id=current_user.id, subject=state["code"])
            db.session.commit()
            # where the handledare was going when the tablet locked, else the participant
            going = state.get("next")
            if going and going.startswith(bp.url_prefix + "/") and not going.startswith("//"):
                return redirect(going.rstrip("?"))
            return redirect(url_for(".participant", code=state["code"]))
        lockout.failed(keys)
        audit.record("handback_failed", user_id=current_user.id, subject=state["code"])
        db.session.commit()
        error = _("Fel lösenord.")
    open_q = next((qid for qid in session.get(SCOPE, {}).get("qs", [])
                   if answers.is_open(qid)), None)
    return render_template("staff/handback.html", error=error, open_q=open_q,
                           locked=state.get("locked"), unsaved=state.get("unsaved")
                           ), 401 if error else 200


@bp.post("/deltagare/<code>/mina-uppgifter")
@role_required(*CASEWORK)
def show_own_data(code: str) -> Any:
    """Hand the tablet over to show the participant everything Stegvis holds about them."""
    enrolment = _enrolment(code)
    person = enrolment.participant
    audit.record("right_of_access", user_id=current_user.id, subject=person.code)
    db.session.commit()
    _lock_to_participant(person, [], access=person.id)
    return redirect(url_for("participant.my_data"))


@bp.post("/deltagare/<code>/radera")
@role_required("samordnare")
def erase(code: str) -> Any:
    enrolment = _enrolment(code)
    person = enrolment.participant
    if codes.normalise(request.form.get("confirm", "")) != codes.normalise(person.code):
        flash(_("Skriv deltagarens kod för att bekräfta raderingen."))
        return redirect(url_for(".participant", code=person.code)), 303
    privacy.erase(person, user_id=current_user.id)
    db.session.commit()
    flash(_("Deltagaren %(code)s och alla svar är raderade.", code=codes.display(code)))
    return redirect(url_for(".participants"))


@bp.post("/deltagare/<code>/handledare")
@role_required(*CASEWORK)
def assign_handledare(code: str) -> Any:
    """A samordnare assigns the participant a handledare; a handledare hands their own over to a
    colleague in the same insats (audited)."""
    enrolment = _enrolment(code)
    back = url_for(".participant", code=enrolment.participant.code)
    raw = request.form.get("handledare", "")
    to = next((u for u in assignment.colleagues(enrolment) if str(u.id) == raw), None)
    error = None
    if not assignment.may_reassign(current_user, enrolment):
        error = _("Bara deltagarens handledare eller en samordnare kan byta handledare.")
    elif to is None:
        error = _("Välj en kollega som arbetar i insatsen.")
    elif to.id == enrolment.handledare_id:
        error = _("%(email)s är redan deltagarens handledare.", email=to.email)
    if error:
        flash(error)
        return redirect(back), 303
    assignment.assign(enrolment, to, current_user)
    db.session.commit()
    flash(_("%(email)s är nu deltagarens handledare.", email=to.email))
    return redirect(back)


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


# --- Parallel rating and dialogue ------------------------------------------------------------

def _titles() -> dict[str, str]:
    """Every instrument's short name for staff, by key."""
    return {i.key: i.name for i in instruments.published()}


def _self_ratings(enrolment: Enrolment) -> list[Instrument]:
    """The self-rating instruments (individual results, rated areas) this insats gives."""
    scheduled = {e.instrument for e in enrolment.insats.schedule}
    return [i for i in instruments.published()
            if i.individual_results and i.areas and i.key in scheduled]


def _chosen_rating(enrolment: Enrolment) -> Instrument | None:
    """The self-rating a page is about: ?instrument=KEY, else the insats's first."""
    options = _self_ratings(enrolment)
    key = request.values.get("instrument")
    return next((i for i in options if i.key == key), options[0] if options else None)


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
    # Staff may rate whatever timepoint has opened; the participant's answers do not matter here.
    slots = [s for s in schedule.timeline(enrolment, enrolment.insats, (), dt.date.today())
             if s.instrument == inst.key and s.status != "upcoming"]
    choices = [s.timepoint for s in slots]
    due = next((s.timepoint for s in slots if s.status in ("due", "overdue")),
               choices[-1] if choices else None)
    done = {t for i, t in answers.completed_slots(enrolment, "handledare") if i == inst.key}
    errors: list[str] = []
    timepoint = request.values.get("timepoint") or due
    if timepoint not in choices:
        if request.method == "POST":
            errors.append(_("Välj en av tidpunkterna i listan."))
        timepoint = due
    existing = _staff_rating_of(enrolment, inst, timepoint)
    stored = {k: str(a.step) if a.step is not None else ""
              for k, a in answers.current_answers(existing).items()} if existing else {}
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
        values = ({k: str(a.step) if a.step is not None else ""
                   for k, a in answers.current_answers(q).items()} if q else {})
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
    slots = [s for s in schedule.timeline(enrolment, enrolment.insats, (), dt.date.today())
             if s.instrument == rating.key and s.status != "upcoming"]
    choices = [s.timepoint for s in slots]
    due = next((s.timepoint for s in slots if s.status in ("due", "overdue")),
               choices[-1] if choices else None)
    shown = timepoint if timepoint in choices else due
    existing = _staff_rating_of(enrolment, rating, shown)
    stored = {k: str(a.step) if a.step is not None else ""
              for k, a in answers.current_answers(existing).items()} if existing else {}
    done = {t for i, t in answers.completed_slots(enrolment, "handledare") if i == rating.key}
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


def _note_fields(enrolment: Enrolment, errors: list[str]) -> dict[str, Any]:
    """An action note's fields from the form, checked (problems added to `errors`)."""
    form = request.form
    area = form.get("area") or None
    rated = {i.key for inst in _self_ratings(enrolment) for i in inst.areas}
    if area not in (None, *rated):
        errors.append(_("Okänt område."))
    goal = (form.get("goal") or "").strip()
    if not goal:
        errors.append(_("Skriv ett mål."))
    if len(goal) > 1000 or len(form.get("next_step") or "") > 1000 or len(
            form.get("who") or "") > 120:
        errors.append(_("Texten är för lång."))
    due_by = _parse_date(form.get("due_by"), errors, _("Klart senast"), required=False)
    return {"area": area, "goal": goal,
            "next_step": (form.get("next_step") or "").strip() or None,
            "who": (form.get("who") or "").strip() or None, "due_by": due_by}


def _back_to_plan(enrolment: Enrolment, errors: list[str] = ()) -> Any:
    for e in errors:
        flash(e)
    return redirect(url_for(".dialogue", code=enrolment.participant.code,
                            instrument=request.form.get("instrument") or None) + "#plan"), (
        303 if errors else 302)


@bp.post("/deltagare/<code>/anteckning")
@role_required(*CASEWORK)
def add_note(code: str) -> Any:
    enrolment = _enrolment(code)
    errors: list[str] = []
    fields = _note_fields(enrolment, errors)
    if errors:
        return _back_to_plan(enrolment, errors)
    db.session.add(ActionNote(enrolment_id=enrolment.id, created_by=current_user.id, **fields))
    audit.record("add_note", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    return _back_to_plan(enrolment)


def _own_note(enrolment: Enrolment, note_id: int, errors: list[str]) -> ActionNote:
    note = db.session.get(ActionNote, note_id)
    if note is None or note.enrolment_id != enrolment.id or note.deleted_at is not None:
        abort(404)
    if note.created_by != current_user.id:
        errors.append(_("Bara den som skrev anteckningen kan ändra eller ta bort den."))
    return note


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/andra")
@role_required(*CASEWORK)
def edit_note(code: str, note_id: int) -> Any:
    """The author corrects a note; the version it replaces is kept in the note's history."""
    enrolment = _enrolment(code)
    errors: list[str] = []
    note = _own_note(enrolment, note_id, errors)
    fields = _note_fields(enrolment, errors) if not errors else {}
    if errors:
        return _back_to_plan(enrolment, errors)
    caseload.edit_note(note, **fields)
    audit.record("edit_note", user_id=current_user.id, subject=enrolment.participant.code,
                 note=note.id)
    db.session.commit()
    return _back_to_plan(enrolment)


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/radera")
@role_required(*CASEWORK)
def delete_note(code: str, note_id: int) -> Any:
    """The author takes a note out of the plan; it is kept, with its history, for the record."""
    enrolment = _enrolment(code)
    errors: list[str] = []
    note = _own_note(enrolment, note_id, errors)
    if errors:
        return _back_to_plan(enrolment, errors)
    note.deleted_at = utcnow()
    audit.record("delete_note", user_id=current_user.id, subject=enrolment.participant.code,
                 note=note.id)
    db.session.commit()
    return _back_to_plan(enrolment)


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/klar")
@role_required(*CASEWORK)
def finish_note(code: str, note_id: int) -> Any:
    enrolment = _enrolment(code)
    note = db.session.get(ActionNote, note_id)
    if note is None or note.enrolment_id != enrolment.id or note.deleted_at is not None:
        abort(404)
    if note.done_at is None:
        note.done_at = utcnow()
        audit.record("finish_note", user_id=current_user.id, subject=enrolment.participant.code)
        db.session.commit()
    return redirect(url_for(".dialogue", code=enrolment.participant.code) + "#plan")


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
