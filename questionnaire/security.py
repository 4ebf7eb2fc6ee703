"""Web security headers on every response.

A strict Content-Security-Policy: scripts and styles only from this site (no inline script or
style; a per-request nonce is available to templates as `csp_nonce` for the rare inline element
that needs one), no framing, no plugins, forms post only here. Referrer-Policy no-referrer keeps
one-time link tokens out of other sites' logs. HSTS only when the request came over TLS.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request


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
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = nonce
