"""Staff log-in, roles, idle timeout, rate limit; and a role x route matrix from the URL map."""

import json

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token

#: Who may open each endpoint. A route missing here fails test_every_route_has_a_rule.
PUBLIC = "public"  # anyone; participant pages then check their own session scope
RULES = {
    "index": PUBLIC, "static": PUBLIC,
    "participant.open_link": PUBLIC, "participant.current": PUBLIC,
    "participant.resume": PUBLIC, "participant.question": PUBLIC, "participant.save": PUBLIC,
    "participant.summary": PUBLIC, "participant.complete": PUBLIC, "participant.done": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": {"handledare", "samordnare", "analytiker"},
    "auth.change_password": {"handledare", "samordnare", "analytiker"},
    "staff.home": {"handledare", "samordnare", "analytiker"},
    "analysis.report": {"samordnare", "analytiker"},
    "analysis.export_page": {"analytiker"},
}
ROLES = ("handledare", "samordnare", "analytiker")


def audit_actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(RULES), "add the new route to RULES with who may open it"


STAFF_GET = list(
    (endpoint, role)
    for endpoint, allowed in RULES.items() if allowed != PUBLIC and endpoint != "auth.logout"
    for role in (*ROLES, None)
)


@pytest.mark.parametrize(("endpoint", "role"), STAFF_GET)
def test_role_matrix(app, client, login, endpoint, role):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint)
    if role is not None:
        login(role)
    response = client.get(url)
    if role is None:
        assert response.status_code == 302
        assert "/personal/logga-in" in response.headers["Location"]
    elif role in RULES[endpoint]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Du har inte behörighet" in response.text


def test_login_logout_and_audit(client, make_user):
    user = make_user("samordnare")
    page = client.get("/personal/logga-in")
    assert "Logga in som personal" in page.text
    bad = client.post("/personal/logga-in", data={
        "csrf_token": csrf_token(client, "/personal/logga-in"), "email": user.email,
        "password": "fel lösenord"})
    assert bad.status_code == 401
    assert "Fel e-post eller lösenord." in bad.text
    good = client.post("/personal/logga-in", data={
        "csrf_token": csrf_token(client, "/personal/logga-in"), "email": user.email.upper(),
        "password": PASSWORD})
    assert good.headers["Location"].endswith("/personal/")
    assert "samordnare@kommun.example" in client.get("/personal/").text
    # logging out needs a POST with the CSRF token
    assert client.post("/personal/logga-ut").status_code == 400
    client.post("/personal/logga-ut", data={"csrf_token": csrf_token(client, "/personal/")})
    assert client.get("/personal/").status_code == 302
    assert audit_actions() == ["login_failed", "login", "logout"]


def test_unknown_email_and_inactive_account(client, make_user):
    user = make_user("analytiker")
    user.active = False
    db.session.commit()
    for email in ("nobody@kommun.example", user.email):
        response = client.post("/personal/logga-in", data={
            "csrf_token": csrf_token(client, "/personal/logga-in"), "email": email,
            "password": PASSWORD})
        assert response.status_code == 401


def test_login_is_rate_limited(app, client, make_user):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    user = make_user("handledare")
    statuses = []
    for _ in range(5):
        token = csrf_token(client, "/personal/logga-in")
        statuses.append(client.post("/personal/logga-in", data={
            "csrf_token": token, "email": user.email, "password": "fel"}).status_code)
    assert statuses == [401, 401, 401, 429, 429]
    token = csrf_token(client, "/personal/logga-in")
    assert "För många försök" in client.post("/personal/logga-in", data={"csrf_token": token}).text


def test_idle_staff_session_ends(app, client, login):
    login("samordnare")
    assert client.get("/personal/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    response = client.get("/personal/")
    assert response.status_code == 302
    assert "logout_idle" in audit_actions()
    assert "inte använt Stegvis" in client.get(response.headers["Location"]).text


def test_change_password(client, login):
    user = login("handledare")
    url = "/personal/losenord"
    wrong = client.post(url, data={"csrf_token": csrf_token(client, url), "current": "fel",
                                   "new": "ett nytt långt lösenord",
                                   "repeat": "ett nytt långt lösenord"})
    assert wrong.status_code == 400
    short = client.post(url, data={"csrf_token": csrf_token(client, url), "current": PASSWORD,
                                   "new": "kort", "repeat": "kort"})
    assert "Minst 10 tecken." in short.text
    ok = client.post(url, data={"csrf_token": csrf_token(client, url), "current": PASSWORD,
                                "new": "ett nytt långt lösenord",
                                "repeat": "ett nytt långt lösenord"})
    assert ok.status_code == 302
    db.session.refresh(user)
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, "ett nytt långt lösenord")
    assert json.dumps(audit_actions()).count("password_changed") == 1
