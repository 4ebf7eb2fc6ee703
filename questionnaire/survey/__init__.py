"""Survey rounds of the professional NNS forms: the respondents' page (blueprint `survey`) and
the samordnare's rounds (blueprint `rounds`, in `rounds.py`).

Anyone with a round's link answers it once per browser, anonymously: no log-in, and nothing
about the respondent is stored (`surveys.record` keeps the form, the round, the month and the
answers). "Once per browser" is a cookie signed with the app's secret naming the round only:
nothing on the server links it to the response. The respondents are professionals and the forms
are Swedish, so these pages are always in Swedish (`i18n.SWEDISH_ONLY`); their texts are in the
`staff` catalog. gunicorn's access log leaves these requests out (`questionnaire.accesslog`).

Abuse limits per round: Flask-Limiter counts answers per round (SURVEY_LIMIT, in the limiter's
store, shared by every process when RATELIMIT_STORAGE_URI is), and a round takes at most its
`max_responses`, counted in the database under a lock on the round's row.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from questionnaire import instruments, surveys
from questionnaire.extensions import db, limiter
from questionnaire.instruments import Instrument
from questionnaire.models import Insats, SurveyRound
from questionnaire.pages import message_page

bp = Blueprint("survey", __name__, url_prefix="/enkat")

#: Requests under this path are left out of access logs (see the module's docstring).
QUIET = "/enkat/"


class _QuietSurveyFilter(logging.Filter):
    """werkzeug's development server log line ("GET /enkat/... HTTP/1.1" 200 -)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return f" {QUIET}" not in record.getMessage()


def quiet_development_log() -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _QuietSurveyFilter) for f in werkzeug.filters):
        werkzeug.addFilter(_QuietSurveyFilter())

COOKIE = "stegvis_enkat_{id}"
#: The cookie outlives any round (NNS measures once a year).
COOKIE_DAYS = 400


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="survey-answered")


def _answered(survey_round: SurveyRound) -> bool:
    raw = request.cookies.get(COOKIE.format(id=survey_round.id))
    if not raw:
        return False
    try:
        return _signer().loads(raw) == survey_round.token
    except BadSignature:
        return False


def _remember(response: Response, survey_round: SurveyRound) -> Response:
    response.set_cookie(
        COOKIE.format(id=survey_round.id), _signer().dumps(survey_round.token),
        max_age=COOKIE_DAYS * 24 * 3600, path=url_for(".answer", token=survey_round.token),
        secure=request.is_secure, httponly=True, samesite="Lax")
    return response


def _survey_limit() -> str:
    return current_app.config["SURVEY_LIMIT"]


def _per_round() -> str:
    """The rate limit counts per round (never per address: no address is kept, not even in the
    limiter's store)."""
    return "survey:" + str((request.view_args or {}).get("token", ""))[:64]


def _read(inst: Instrument, form: Any) -> tuple[dict[str, int | str | None], list[str]]:
    """The posted answers of the items asked (skip rules applied), and what was wrong."""
    values: dict[str, int | str | None] = {}
    errors: list[str] = []
    for item in inst.items:
        raw = (form.get(item.key) or "").strip()
        if not raw:
            continue
        if item.is_text:
            values[item.key] = raw[:2000]
            continue
        steps = {str(s.value): s.value for s in item.scale.steps}
        if raw not in steps:
            errors.append(_("Välj ett av svaren på frågan: %(question)s", question=item.text))
            continue
        values[item.key] = steps[raw]
    asked = {i.key for i in inst.visible_items(
        {k: v for k, v in values.items() if isinstance(v, int)})}
    values = {k: v for k, v in values.items() if k in asked}
    if not errors and not values:
        errors.append(_("Svara på minst en fråga innan du skickar."))
    return values, errors


def _page(survey_round: SurveyRound, inst: Instrument, errors: list[str] | None = None,
          status: int = 200) -> tuple[str, int]:
    insats = db.session.get(Insats, survey_round.insats_id) if survey_round.insats_id else None
    return render_template("survey/answer.html", round=survey_round, inst=inst, insats=insats,
                           errors=errors or [], posted=request.form), status


def _closed() -> tuple[Any, int]:
    return message_page(_("Enkäten är stängd"),
                        _("Den här enkäten tar inte emot fler svar. Tack för att du ville svara!"),
                        410)


def _full() -> tuple[Any, int]:
    return message_page(
        _("Enkäten är full"),
        _("Enkäten har redan tagit emot så många svar som den kan ta emot. Tack för att du "
          "ville svara! Kontakta den som skickade länken om du ändå vill lämna ditt svar."), 409)


def _already() -> tuple[Any, int]:
    return message_page(_("Du har redan svarat"),
                        _("Du har redan svarat på den här enkäten från den här webbläsaren. "
                          "Tack för ditt svar!"), 200)


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(_survey_limit, key_func=_per_round, methods=["POST"])
def answer(token: str) -> Any:
    survey_round = surveys.round_by_token(token)
    if survey_round is None:
        return message_page(_("Länken fungerar inte"),
                            _("Den här enkätlänken finns inte. Kontrollera att hela länken "
                              "kom med."), 404)
    if survey_round.closed_at is not None:
        return _closed()
    if _answered(survey_round):
        if request.method == "GET" and request.args.get("tack"):
            return message_page(_("Tack för ditt svar!"),
                                _("Ditt svar är sparat. Du kan stänga sidan nu."), 200)
        return _already()
    if surveys.responses_in(survey_round) >= survey_round.max_responses:
        return _full()
    inst = instruments.get(survey_round.instrument)
    if request.method == "GET":
        return _page(survey_round, inst)
    values, errors = _read(inst, request.form)
    if errors:
        return _page(survey_round, inst, errors, 400)
    # One response at a time per round on PostgreSQL, so that the maximum holds across processes
    # (SQLite writes one at a time anyway).
    locked = db.session.get(SurveyRound, survey_round.id, with_for_update=True,
                            populate_existing=True)
    if locked is None or locked.closed_at is not None:
        return _closed()
    if surveys.responses_in(locked) >= locked.max_responses:
        return _full()
    insats = db.session.get(Insats, locked.insats_id) if locked.insats_id else None
    surveys.record(inst, values, month=surveys.month_of(dt.date.today()), source="web",
                   insats=insats, round_id=locked.id)
    db.session.commit()
    return _remember(redirect(url_for(".answer", token=token, tack=1), 303), locked)


@bp.errorhandler(429)
def too_many(_e: Exception) -> tuple[Any, int]:
    """Too many answers to this round just now: the form again with the answers kept."""
    survey_round = surveys.round_by_token((request.view_args or {}).get("token", ""))
    message = _("Många svarar just nu. Vänta en minut och tryck på Skicka igen: dina svar "
                "finns kvar.")
    if survey_round is None or request.method != "POST":
        return message_page(_("Många svarar just nu"), message, 429)
    return _page(survey_round, instruments.get(survey_round.instrument), [message], 429)
