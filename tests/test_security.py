"""Security headers and cookie flags."""


def test_headers_on_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'",
                      "base-uri 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_nonce_changes_per_request(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_hsts_over_tls(client):
    response = client.get("/", base_url="https://stegvis.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_httponly_and_samesite(client, make_participant, open_link):
    open_link(make_participant())
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_secure_cookies_when_configured(monkeypatch):
    from questionnaire import create_app

    monkeypatch.setenv("STEGVIS_SECURE_COOKIES", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "PSEUDONYM_KEY": "y"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False


def test_static_files_have_hashed_urls_long_caching_and_compression(client, make_participant,
                                                                    open_link):
    import re

    page = client.get(open_link(make_participant()), follow_redirects=True)
    css = re.search(r'href="(/static/css/stegvis\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    bundle = client.get("/static/vendor/plotly-polar.min.js?v=x",
                        headers={"Accept-Encoding": "gzip"})
    assert bundle.headers["Content-Encoding"] == "gzip"
    assert len(bundle.data) < 450_000  # 1.15 MB on disk
    # pages themselves are not compressed (they carry the CSRF token: BREACH)
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "gzip"}).headers
