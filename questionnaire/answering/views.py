"""The participant's pages: one question per screen, built for a tablet.

A browser may open only the questionnaires put in its session scope (by a one-time link or, later,
by the handledare's tablet hand-over). Every page works as a plain form post; `static/js/answer.js`
turns a tap into a small JSON save so the next question shows at once.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy.orm as so
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from questionnaire import recordings
from questionnaire.answering import answers, followup, links
from questionnaire.answering.answers import AnswerRejected
from questionnaire.extensions import db, limiter
from questionnaire.i18n import available_locales, step_label, tr
from questionnaire.instruments.base import Item
from questionnaire.models import (
    Enrolment,
    Participant,
    ParticipantLink,
    Questionnaire,
    Recording,
    utcnow,
)
from questionnaire.pages import message_page

bp = Blueprint("participant", __name__)

SCOPE = "participant_scope"


def grant(questionnaire_ids: list[int], link_id: int | None = None,
          access: int | None = None, own: bool = False, follow_up: int | None = None) -> None:
    """Let this browser answer these questionnaires (and nothing else); with `access`, also show
    that participant their own data (right of access): with `own` (their own link, opened with
    no staff session) all of it, otherwise only what staff may see with them. `follow_up`: opened
    by this follow-up link (followup.py), which must stay in force for the session to go on."""
    session[SCOPE] = {"qs": questionnaire_ids, "link": link_id, "access": access, "own": own,
                      "follow_up": follow_up}


def staff_present() -> bool:
    """A staff member is logged in in this browser, or has handed the tablet over."""
    from flask_login import current_user

    return current_user.is_authenticated or session.get("handover") is not None


@bp.before_request
def end_with_the_link() -> Any:
    """A session opened by a one-time link ends when the link expires (or is gone); one opened
    by a follow-up link also when it is revoked."""
    follow_up = (session.get(SCOPE) or {}).get("follow_up")
    if follow_up is not None and request.endpoint != "participant.open_follow_up" and (
            not followup.in_force(follow_up)):
        session.pop(SCOPE, None)
        return message_page(_l("Länken fungerar inte"),
                            _l("Länken har slutat gälla. Be din handledare om en ny länk."), 410)
    link_id = (session.get(SCOPE) or {}).get("link")
    if link_id is None or request.endpoint == "participant.open_link":
        return None
    link = db.session.get(ParticipantLink, link_id)
    if link is not None and link.expires_at > utcnow():
        return None
    session.pop(SCOPE, None)
    return message_page(_l("Länken fungerar inte"),
                        _l("Länken har slutat gälla. Be din handledare om en ny länk."), 410)


def _scope() -> dict[str, Any]:
    return session.get(SCOPE) or {"qs": [], "link": None}


def _questionnaire(qid: int) -> Questionnaire:
    """The questionnaire, if this browser may answer it; 404 otherwise (someone else's)."""
    if qid not in _scope()["qs"]:
        abort(404)
    q = db.session.get(Questionnaire, qid, options=[  # what every participant page reads
        so.joinedload(Questionnaire.enrolment).joinedload(Enrolment.participant),
        so.joinedload(Questionnaire.version)])
    if q is None:
        abort(404)
    _remember_language(q.enrolment.participant)
    return q


def _remember_language(person: Participant) -> None:
    """Answer in the language picked on this visit (?lang=, kept in the session's scope), else in
    the participant's own. A pick is only a try until they answer a question in it: then it
    becomes theirs (_adopt_language), so that a language tapped by mistake on the way to the
    first answer does not open their next link too."""
    asked = request.args.get("lang")
    scope = session.get(SCOPE)
    if asked in available_locales() and scope is not None:
        session[SCOPE] = {**scope, "lang": asked}
    picked = (session.get(SCOPE) or {}).get("lang")
    g.participant_language = picked if picked in available_locales() else person.language


def _adopt_language(person: Participant) -> None:
    """An answer given in the language picked on this visit makes it the participant's own."""
    picked = _scope().get("lang")
    if picked in available_locales() and picked != person.language:
        person.language = picked


def _next_open() -> Questionnaire | None:
    for qid in _scope()["qs"]:
        q = db.session.get(Questionnaire, qid)
        if q is not None and q.completed_at is None:
            return q
    return None


def _link_limit() -> str:
    return current_app.config["LINK_LIMIT"]


@bp.get("/l/<token>")
@limiter.limit(_link_limit)
def open_link(token: str) -> Any:
    try:
        link = links.resolve(token)
    except links.LinkError as e:
        return message_page(_l("Länken fungerar inte"), e.message, e.status)
    # A new visit: the participant's own language (a tablet's earlier pick was someone else's),
    # or one the link asks for, which like any pick becomes theirs only when they answer in it.
    asked = request.args.get("lang")
    asked = asked if asked in available_locales() else None
    g.participant_language = asked or link.participant.language
    enrolment = answers.current_enrolment(link.participant_id)
    due = []
    if enrolment is not None:
        due = answers.start_due(
            enrolment, dt.date.today(), language=str(get_locale()), source="link"
        )
    # Opened on the participant's own device (no staff session), the link also shows them all
    # their own data, NNS answers included; in a staff session it never does.
    own = not staff_present()
    if not due and own:
        links.mark_used(link.id)  # nothing to answer: a one-time look at their own data
        grant([], link.id, access=link.participant_id, own=True)
        db.session.commit()
        return redirect(url_for(".my_data"))
    db.session.commit()
    if not due:
        return message_page(
            _l("Inget att fylla i"), _l("Just nu finns det ingen enkät för dig att fylla i."), 200
        )
    grant([q.id for q in due], link.id, access=link.participant_id if own else None, own=own)
    if asked:
        session[SCOPE] = {**session[SCOPE], "lang": asked}
    return redirect(_resume_url(due[0]))  # straight there: one round trip less on 4G


@bp.get("/u/<token>")
@limiter.limit(_link_limit)
def open_follow_up(token: str) -> Any:
    """The follow-up link handed out at exit: the follow-ups after exit that are due now, and
    nothing else (never the participant's own data); before one is due, when to come back."""
    session.pop(SCOPE, None)  # whatever this browser could open before, it cannot now
    try:
        link = followup.resolve(token)
    except links.LinkError as e:
        return message_page(_l("Länken fungerar inte"), e.message, e.status)
    person = link.enrolment.participant
    asked = request.args.get("lang")
    g.participant_language = asked if asked in available_locales() else person.language
    today = dt.date.today()
    due = followup.due(link, today, language=str(get_locale()))
    db.session.commit()
    if not due:
        coming = followup.next_date(link, today)
        if coming is None:
            return message_page(_l("Tack!"), _l("Det finns inga fler uppföljningar att fylla i. "
                                                "Tack för att du har svarat!"), 200)
        return message_page(_l("Välkommen tillbaka senare"), _l(
            "Tack för att du sparar länken! Uppföljningen går att fylla i från %(day)s. "
            "Öppna samma länk igen då.", day=format_date(coming, "long")), 200)
    grant([q.id for q in due], follow_up=link.id)
    if asked in available_locales():
        session[SCOPE] = {**session[SCOPE], "lang": asked}
    return redirect(_resume_url(due[0]))


@bp.get("/q/")
def current() -> Any:
    q = _next_open()
    if q is None:
        return message_page(_l("Klart"), _l("Det finns inga fler frågor att svara på."), 200)
    return redirect(url_for(".resume", qid=q.id))


@bp.get("/q/<int:qid>/")
def resume(qid: int) -> Any:
    return redirect(_resume_url(_questionnaire(qid)))


def _resume_url(q: Questionnaire) -> str:
    """Reopening goes to the first question not answered yet."""
    if q.completed_at is not None:
        return url_for(".done", qid=q.id)
    item = answers.first_unanswered(q)
    if item is None:
        return url_for(".summary", qid=q.id)
    return url_for(".question", qid=q.id, key=item.key)


def _neighbours(items: list[Item], key: str) -> tuple[Item | None, Item | None]:
    keys = [i.key for i in items]
    n = keys.index(key)
    return (items[n - 1] if n > 0 else None, items[n + 1] if n + 1 < len(items) else None)


def _after_save(qid: int, key: str, to_summary: bool, items: list[Item]) -> str:
    """Where to go after answering (`items`: the questions asked now): the next question, or the
    summary."""
    _, following = _neighbours(items, key)
    if to_summary or following is None:
        return url_for(".summary", qid=qid)
    return url_for(".question", qid=qid, key=following.key)


def _parse_step(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 2:
        return int(raw)
    raise AnswerRejected(_l("Välj ett av svarsalternativen."))


@bp.route("/q/<int:qid>/fraga/<key>", methods=["GET", "POST"])
def question(qid: int, key: str) -> Any:
    q = _questionnaire(qid)
    if q.completed_at is not None:
        return redirect(url_for(".done", qid=q.id))
    to_summary = (request.values.get("return") == "summary")
    error = None
    status = 200
    if request.method == "POST":
        try:
            items = answers.save_answer(
                q, key,
                step=_parse_step(request.form.get("step")),
                text=request.form.get("text"),
                declined=request.form.get("declined") == "1",
            )
            _adopt_language(q.enrolment.participant)
            db.session.commit()
            return redirect(_after_save(qid, key, to_summary, items))
        except AnswerRejected as e:
            db.session.rollback()
            error, status = e.message, e.status
    current = answers.current_answers(q)
    items = answers.visible_items(q, current)
    item = next((i for i in items if i.key == key), None)
    if item is None:
        return redirect(url_for(".resume", qid=q.id))
    previous, following = _neighbours(items, key)
    inst = answers.instrument_of(q)
    offline = _offline_data(q, current)
    parts = _scope()["qs"]
    return render_template(
        "participant/question.html", offline=offline,
        part=(parts.index(q.id) + 1, len(parts)) if len(parts) > 1 else None,
        q=q, instrument=inst, item=item, answer=current.get(key),
        position=[i.key for i in items].index(key) + 1, total=len(items),
        previous=previous, following=following if key in current else None,
        to_summary=to_summary, error=error,
        pictograms={i.scale.pictogram_set: i.scale for i in inst.items if i.scale is not None},
        heard=next(i for i in offline["items"] if i["key"] == item.key),
        unofficial=inst.unofficial_translations and str(get_locale()) != "sv",
        original=_original(item),
    ), status


#: Locales that reword the Swedish questions (rather than translate them): their question pages
#: keep the official Swedish wording one tap away.
REWORDED = ("sv@lattlast",)


def _original(item: Item) -> str | None:
    """The official Swedish wording, where the page shows a reworded one."""
    return item.text if str(get_locale()) in REWORDED and tr(item.text) != item.text else None


def _recordings(q: Questionnaire) -> dict[str, str]:
    """The approved recordings of the questionnaire's version in the page's language, as the
    address each is heard at (by part: recordings.item_part, step_part, "decline")."""
    takes = recordings.of_version(q.instrument_version_id, str(get_locale()), approved_only=True)
    return {part: url_for(".recording", qid=q.id, recording_id=take.id, v=take.digest[:16])
            for (part, _locale), take in takes.items()}


@bp.get("/q/<int:qid>/ljud/<int:recording_id>")
def recording(qid: int, recording_id: int) -> Any:
    """An approved recording of a text of this questionnaire's version: only for a browser that
    may answer the questionnaire (404 for anyone else, as for its pages). The address carries
    the take's digest (?v=), so it is cached as immutable; a new take is a new address."""
    q = _questionnaire(qid)
    take = db.session.get(Recording, recording_id)
    if take is None or not take.approved or take.instrument_version_id != q.instrument_version_id:
        abort(404)
    if request.args.get("v") != take.digest[:16]:  # an earlier take: replaced, not this one
        abort(404)
    return recordings.response(take, max_age=365 * 24 * 3600)


def _offline_data(q: Questionnaire, current: dict) -> dict[str, Any]:
    """The whole questionnaire for the tap script, so that it can show the next questions and
    queue the answers while the network is away (static/js/answer.js)."""
    inst = answers.instrument_of(q)
    heard = _recordings(q)
    return {
        "qid": q.id,
        "items": [{
            "key": i.key, "text": tr(i.text), "text_item": i.is_text, "original": _original(i),
            "audio": heard.get(recordings.item_part(i.key)),
            "pictograms": i.scale.pictogram_set if i.scale else None,
            "steps": [] if i.is_text else [
                {"value": s.value, "label": step_label(i.scale.key, s.label),
                 "audio": heard.get(recordings.step_part(i.scale.key, s.value))}
                for s in i.scale.steps],
            "decline_audio": heard.get("decline"),
            "show_if": [i.show_if.item, i.show_if.step] if i.show_if else None,
        } for i in inst.items],
        "answers": {k: ("declined" if a.declined else a.step if a.step is not None else a.text)
                    for k, a in current.items()},
        "question_url": url_for(".question", qid=q.id, key="KEY"),
        "summary_url": url_for(".summary", qid=q.id),
        "resume_url": url_for(".resume", qid=q.id),
        "token_url": url_for(".token", qid=q.id),
        "progress": _("Fråga %(n)s av %(total)s", n="{n}", total="{total}"),
        # Every count the queue can reach, each with its language's plural form.
        "queued": {n: ngettext("Sparas när nätet är tillbaka (%(num)s svar väntar)",
                               "Sparas när nätet är tillbaka (%(num)s svar väntar)", n)
                   for n in range(1, len(inst.items) + 1)},
        "retrying": _("Inte sparat än – försöker igen (%(n)s svar väntar)", n="{n}"),
        "gone": _("Inte sparat än. Öppna din länk igen eller be din handledare om hjälp. "
                  "Svaren finns kvar här."),
        "dropped": _("Svaret på ”%(question)s” sparades inte: %(reason)s",
                     question="{question}", reason="{reason}"),
        "no_connection": _("Ingen anslutning just nu. Du kan fortsätta svara."),
        "sent": _("Alla svar är sparade"),
        "offline_end": _("Du har svarat på alla frågor. Svaren skickas när nätet är tillbaka."),
        "leave": _("Några svar är inte sparade än. Stäng inte sidan."),
    }


@bp.post("/q/<int:qid>/svar")
def save(qid: int) -> Any:
    """The tablet's tap: {"item": "S1", "step": 4 | "declined": true | "text": "…",
    "client_id": "…"}. Answers {"next": url} or {"error": message}."""
    q = _questionnaire(qid)
    data = request.get_json(silent=True)
    try:
        if not isinstance(data, dict) or not isinstance(data.get("item"), str):
            raise AnswerRejected(_l("Det som skickades gick inte att läsa."))
        client_id = data.get("client_id")
        text = data.get("text")
        if (client_id is not None and (not isinstance(client_id, str) or len(client_id) > 64)) or (
            text is not None and not isinstance(text, str)
        ):
            raise AnswerRejected(_l("Det som skickades gick inte att läsa."))
        items = answers.save_answer(
            q, data["item"], step=_parse_step(data.get("step")), text=text,
            declined=data.get("declined") is True, client_id=client_id,
        )
        _adopt_language(q.enrolment.participant)
        db.session.commit()
    except AnswerRejected as e:
        db.session.rollback()
        return {"error": str(e.message), "code": e.code}, e.status
    return {"ok": True,
            "next": _after_save(qid, data["item"], data.get("return") == "summary", items)}


@bp.get("/q/<int:qid>/nyckel")
def token(qid: int) -> Any:
    """A fresh CSRF token for the tap script, whose page may be older than the server's key
    (a SECRET_KEY rotation, or a copy of the page kept for offline use). 404 when this browser
    may no longer answer the questionnaire (its session ended): the script then keeps its
    answers and asks the participant to open their link again."""
    _questionnaire(qid)
    return {"csrf_token": generate_csrf()}


@bp.get("/q/kvar")
def keep_alive() -> Any:
    """'Still here': the tablet's script calls this while the participant touches the screen,
    so that a handed-over tablet in use does not lock (staff.handover_lock counts requests)."""
    return {"ok": True}


@bp.get("/q/utan-nat/<locale>")
def offline_page(locale: str) -> Any:
    """The page the service worker shows for a page it cannot reach or has no copy of, in the
    participant's language (kept by static/js/offline.js while the network is there)."""
    if locale not in available_locales():
        abort(404)
    g.participant_language = locale
    return render_template("participant/offline.html")


@bp.get("/sw.js")
def service_worker() -> Any:
    """The service worker, served from the site's root so that it may control /q/ (a script
    under /static/ could only control /static/). Never cached long: a new version must reach
    the tablets."""
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_bytes()
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Any:
    """The web app manifest: the questions can be installed on the tablet's home screen."""
    icon = url_for("static", filename="img/stegvis-512.png")
    body = {
        "id": "/q/", "name": "Stegvis", "short_name": "Stegvis",
        "start_url": url_for(".current"), "scope": "/q/", "display": "standalone",
        "background_color": "#f3f4f6", "theme_color": "#1d4ed8",
        "icons": [
            {"src": url_for("static", filename="img/stegvis-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": icon, "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": url_for("static", filename="img/stegvis.svg"), "sizes": "any",
             "type": "image/svg+xml"},
        ],
    }
    response = current_app.response_class(json.dumps(body),
                                          mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/q/<int:qid>/sammanfattning")
def summary(qid: int) -> Any:
    q = _questionnaire(qid)
    if q.completed_at is not None:
        return redirect(url_for(".done", qid=q.id))
    return _render_summary(q)


def _render_summary(q: Questionnaire, error: str | None = None, status: int = 200) -> Any:
    current = answers.current_answers(q)
    items = answers.visible_items(q, current)
    heard = _recordings(q)
    return render_template(
        "participant/summary.html", q=q, instrument=answers.instrument_of(q),
        rows=[(i, current.get(i.key), heard.get(recordings.item_part(i.key)),
               heard.get(_answer_part(i, current.get(i.key)) or "")) for i in items],
        missing=any(i.key not in current for i in items), error=error,
    ), status


def _answer_part(item: Item, answer: Any) -> str | None:
    """The recorded text of an answer given: its step, or "Vill inte svara"."""
    if answer is None or item.is_text:
        return None
    if answer.declined:
        return "decline"
    return recordings.step_part(item.scale.key, answer.step)


@bp.post("/q/<int:qid>/klar")
def complete(qid: int) -> Any:
    q = _questionnaire(qid)
    try:
        answers.complete(q)
    except AnswerRejected as e:
        db.session.rollback()
        return _render_summary(q, e.message, e.status)
    scope = _scope()
    if scope["link"] is not None and _next_open() is None:
        links.mark_used(scope["link"])
    db.session.commit()
    return redirect(url_for(".done", qid=q.id))


@bp.get("/q/<int:qid>/tack")
def done(qid: int) -> Any:
    q = _questionnaire(qid)
    if q.completed_at is None:
        return redirect(url_for(".resume", qid=q.id))
    chart = None
    inst = answers.instrument_of(q)
    if inst.individual_results and len(inst.areas) >= 3 and _scope().get("follow_up") is None:
        # (a follow-up link lives long and shows no earlier answers: no chart of them)
        from questionnaire.reporting import chart as chart_module  # Plotly is imported only here

        chart = chart_module.participant_chart(inst, q.enrolment.participant_id)
    return render_template("participant/done.html", q=q, chart=chart, next_q=_next_open(),
                           own_data=_scope().get("own") and not staff_present())


@bp.get("/mina-uppgifter")
def my_data() -> Any:
    """Everything Stegvis holds about the participant, in their language (right of access).

    Through their own one-time link, opened with no staff session: all of it. On the tablet the
    handledare hands over (or in any browser with a staff session): the answers of instruments
    with individual results (SKAPA, talked through together) but never the answers of group-only
    instruments (NNS): for those only that they were answered, and how to see them alone."""
    from questionnaire import audit, instruments
    from questionnaire.casework import codes

    scope = _scope()
    person = db.session.get(Participant, scope.get("access") or 0)
    if person is None:
        abort(404)
    _remember_language(person)
    full = bool(scope.get("own")) and not staff_present()
    sections = []
    for enrolment in person.enrolments:
        for q in sorted(enrolment.questionnaires, key=lambda q: q.started_at):
            if answers.instrument_of(q).rated_by_handledare:
                continue  # the handledare's own form about them (BIP): staff only
            if not full and not answers.instrument_of(q).individual_results:
                sections.append((q, None))  # group-only answers: not with staff present
                continue
            current = answers.current_answers(q)
            items = answers.visible_items(q, current)
            sections.append((q, [(i, current.get(i.key)) for i in items]))
    if full:
        audit.record("own_data", subject=person.code)
        db.session.commit()
    from questionnaire.answering.journey import journey

    return render_template("participant/my_data.html", p=person, sections=sections,
                           journey=journey(person, request.args.get("instrument")),
                           display=codes.display,
                           titles={i.key: i.name for i in instruments.published()}, full=full,
                           hidden=any(rows is None for _q, rows in sections))
