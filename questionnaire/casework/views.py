"""The staff workspace: the participant's file. The start page, the caseload, registering a
participant, the participant's page, exit and the follow-up links, one-time links, the tablet
hand-over and hand-back, showing the participant their own data, erasure and the change of
handledare.

Handledare and samordnare see only the participants of the insatser they work in; anyone else's
participant is a 404. Every view of a participant's page and every change is audited. NNS
answers are never shown here: only that a form was completed.

The blueprint `bp` and the helpers the view modules share are in `blueprint.py`; the blueprint's
other pages are in `ratings.py`, `notes.py` and `settings.py`, imported here so that their routes
join `bp` whenever this module is imported (`questionnaire/__init__.py` registers `views.bp`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.security import check_password_hash

# The blueprint's other pages: importing them adds their routes to `bp`.
import questionnaire.casework.notes
import questionnaire.casework.ratings
import questionnaire.casework.settings  # noqa: F401
from questionnaire import audit, lockout, privacy
from questionnaire.answering import answers, followup, links
from questionnaire.answering.views import SCOPE, grant
from questionnaire.auth import role_required
from questionnaire.casework import assignment, caseload, codes, overview, schedule
from questionnaire.casework.blueprint import (
    CASEWORK,
    _enrolment,
    _parse_date,
    _self_ratings,
    _titles,
    bp,
)
from questionnaire.casework.schedule import TIMEPOINT_LABELS
from questionnaire.extensions import db
from questionnaire.i18n import available_locales, language_name, text_direction
from questionnaire.i18n import language as language_info
from questionnaire.models import (
    ALL_EXIT_REASONS,
    EXIT_REASON_LABELS,
    EXIT_REASONS,
    GENDERS,
    REFERRERS,
    Enrolment,
    Insats,
    Participant,
    utcnow,
)
from questionnaire.pages import wants_json

HANDOVER = "handover"


def qr_svg(url: str) -> Markup:
    """A QR code of a link, as inline SVG (Jinja filter `qr`)."""
    import segno  # only where a QR code is drawn

    return Markup(segno.make(url, error="m").svg_inline(scale=5, dark="#111827",
                                                        title=_("QR-kod för länken")))


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
        follow_up_texts=_follow_up_texts(enrolment, follow_up_url) if follow_up_url else [],
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


def _follow_up_texts(enrolment: Enrolment, url: str) -> list[dict[str, Any]]:
    """The text to send with the follow-up link, in the participant's language and Swedish."""
    return [{"text": text, "name": language_name(code), "language": language_info(code),
             "dir": text_direction(code)} for code, text in followup.messages(enrolment, url)]


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
