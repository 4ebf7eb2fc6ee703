"""Web security headers on every response.

A strict Content-Security-Policy: scripts and styles only from this site (no inline script or
style; a per-request nonce is available to templates as `csp_nonce` for the rare inline element
that needs one), no framing, no plugins, forms post only here. Referrer-Policy no-referrer keeps
one-time link tokens out of other sites' logs. HSTS only when the request came over TLS.

Before any view: a request carrying text the database cannot store (a NUL character, or a lone
surrogate in JSON) is refused with a 400 and a message, instead of a 500 from PostgreSQL. The
participant's answer pages check their own fields (answers.save_answer), so that the message
comes in the participant's language, on the question.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request
from flask import Request as FlaskRequest
from flask_babel import lazy_gettext as _l

from questionnaire.answering.answers import UNSTORABLE, storable
from questionnaire.pages import message_page

#: Their own fields are checked where the answer is saved (see the module's docstring).
CHECKED_BY_THE_VIEW = ("participant.question", "participant.save")
#: Pages that may use the microphone (the recording page); every other page may not.
MICROPHONE = ("recordings.page",)
#: Endpoints that take a larger body than MAX_CONTENT_LENGTH (bytes): a recording's take. Its
#: view reads at most its own limit and says so in words; the CSRF check, which looks at the
#: form before any view, must not refuse it first.
LARGER_BODIES = {"recordings.upload": 8 * 1024 * 1024}


class Request(FlaskRequest):
    @property
    def max_content_length(self) -> int | None:
        larger = LARGER_BODIES.get(self.endpoint or "")
        return larger if larger is not None else super().max_content_length


def nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_headers(response: Response) -> Response:
    n = nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{n}'; "
        # Plotly adds its few CSS rules to <style id="plotly.js-style-global">, which the chart
        # pages create with this nonce (templates/macros.html, plotly_style).
        f"style-src 'self' 'nonce-{n}'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    microphone = "(self)" if request.endpoint in MICROPHONE else "()"
    response.headers["Permissions-Policy"] = f"camera=(), microphone={microphone}, geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def refuse_unstorable_text() -> Any:
    if request.endpoint in CHECKED_BY_THE_VIEW:
        return None
    sent = [request.view_args or {}, request.args.to_dict(flat=False)]
    if request.method == "POST":
        sent.append(request.form.to_dict(flat=False))
        if request.is_json:
            sent.append(request.get_json(silent=True))
    if all(storable(s) for s in _strings(sent)):
        return None
    return message_page(_l("Det gick inte"), UNSTORABLE, 400)


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.before_request(refuse_unstorable_text)
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = nonce
