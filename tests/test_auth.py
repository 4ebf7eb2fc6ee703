"""Staff log-in, roles, idle timeout, rate limit; and a role x route matrix from the URL map."""

import json

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token

#: Who may open each endpoint. A route missing here fails test_every_route_has_a_rule.
PUBLIC = "public"  # anyone; participant pages then check their own session scope
STAFF = {"handledare", "samordnare", "analytiker"}
CASEWORK = {"handledare", "samordnare"}
RULES = {
    "index": PUBLIC, "static": PUBLIC,
    "participant.open_link": PUBLIC, "participant.current": PUBLIC,
    "participant.resume": PUBLIC, "participant.question": PUBLIC, "participant.save": PUBLIC,
    "participant.summary": PUBLIC, "participant.complete": PUBLIC, "participant.done": PUBLIC,
    "auth.login": PUBLIC, "staff.handback": PUBLIC, "participant.my_data": PUBLIC,
    "participant.recording": PUBLIC, "participant.token": PUBLIC, "participant.keep_alive": PUBLIC,
    "participant.offline_page": PUBLIC, "participant.service_worker": PUBLIC,
    "participant.manifest": PUBLIC, "survey.answer": PUBLIC,
    "staff.show_own_data": CASEWORK, "staff.erase": {"samordnare"},
    "staff.audit_log": {"samordnare"}, "staff.translations": {"samordnare"},
    "auth.logout": STAFF, "auth.change_password": STAFF, "staff.home": STAFF,
    "analysis.report": {"samordnare", "analytiker"},
    "analysis.export_page": {"analytiker"},
    "analysis.compare_page": {"samordnare", "analytiker"},
    "staff.participants": CASEWORK, "staff.register": CASEWORK, "staff.participant": CASEWORK,
    "staff.record_exit": CASEWORK, "staff.create_link": CASEWORK, "staff.handover": CASEWORK,
    "staff.staff_rating": CASEWORK, "staff.dialogue": CASEWORK, "staff.print_view": CASEWORK,
    "staff.staff_form": CASEWORK,
    "staff.add_note": CASEWORK, "staff.finish_note": CASEWORK,
    "staff.edit_note": CASEWORK, "staff.delete_note": CASEWORK,
    "staff.assign_handledare": CASEWORK,
    "staff.create_follow_up_link": CASEWORK, "staff.revoke_follow_up_link": CASEWORK,
    "participant.open_follow_up": PUBLIC,
    "staff.insatser": {"samordnare"}, "staff.edit_insats": {"samordnare"},
    "admin.instrument_list": {"samordnare"}, "admin.upload": {"samordnare"},
    "admin.download": {"samordnare"},
    "recordings.overview": {"samordnare"}, "recordings.page": {"samordnare"},
    "recordings.upload": {"samordnare"}, "recordings.approve": {"samordnare"},
    "recordings.listen": {"samordnare"},
    "staff.users": {"samordnare"}, "staff.toggle_user": {"samordnare"},
    "rounds.index": {"samordnare"}, "rounds.show": {"samordnare"},
    "rounds.close": {"samordnare"}, "rounds.paper": {"samordnare"},
}
ROLES = ("handledare", "samordnare", "analytiker")


def audit_actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(RULES), "add the new route to RULES with who may open it"


def _staff_rules(app):
    return sorted({(r.endpoint, r.rule, "GET" if "GET" in r.methods else "POST")
                   for r in app.url_map.iter_rules() if RULES.get(r.endpoint) != PUBLIC
                   and r.endpoint != "auth.logout"})


def _staff_cases():
    from questionnaire import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "PSEUDONYM_KEY": "y"})
    return [(*rule, role) for rule in _staff_rules(app) for role in (*ROLES, None)]


@pytest.mark.parametrize(("endpoint", "rule", "method", "role"), _staff_cases())
def test_role_matrix(client, login, make_participant, endpoint, rule, method, role):
    """Every staff route, as every role and as nobody: allowed, 403, or off to the log-in."""
    from questionnaire import instruments, surveys
    from questionnaire.models import ActionNote, Enrolment, InsatsStaff, Recording
    from questionnaire.reporting import periods

    person = make_participant()
    survey_round = surveys.open_round(instruments.get("nns-personal"),
                                      periods.Period(2025, "year"), invited=5)
    enrolment = db.session.scalars(sa.select(Enrolment)).one()
    note = ActionNote(enrolment_id=enrolment.id, goal="Mål")
    db.session.add(note)
    take = Recording(instrument_version_id=instruments.version_row(instruments.get("skapa")).id,
                     part="item:S1", locale="ti", mime="audio/ogg", data=b"OggS", digest="0" * 64,
                     created_month="2026-11")
    db.session.add(take)
    db.session.commit()
    user = login(role) if role is not None else None
    if user is not None:
        db.session.add(InsatsStaff(insats_id=enrolment.insats_id, user_id=user.id))
        db.session.commit()
    url = (rule.replace("<code>", person.code).replace("<int:note_id>", str(note.id))
           .replace("<int:insats_id>", str(enrolment.insats_id))
           .replace("<int:user_id>", str(user.id if user else 1)).replace("<key>", "skapa")
           .replace("<int:round_id>", str(survey_round.id))
           .replace("<int:version>", "1").replace("<locale>", "ti")
           .replace("<int:recording_id>", str(take.id)))
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client, "/personal/logga-in")})
    if role is None:
        assert response.status_code == 302
        assert "/personal/logga-in" in response.headers["Location"]
    elif role in RULES[endpoint]:
        assert response.status_code in (200, 302, 303, 400), response.text[:500]
        assert "/personal/logga-in" not in response.headers.get("Location", "")
    else:
        assert response.status_code == 403


def test_another_insats_participant_is_not_found(client, login, make_participant):
    """A handledare asking for another insats's participant gets 404, on every route."""
    person = make_participant(insats="Annan insats")
    login("handledare")
    for url in (f"/personal/deltagare/{person.code}", f"/personal/deltagare/{person.code}/dialog",
                f"/personal/deltagare/{person.code}/utskrift",
                f"/personal/deltagare/{person.code}/skattning"):
        assert client.get(url).status_code == 404
    token = csrf_token(client, "/personal/")
    for action in ("lamna-over", "lank", "avslut", "anteckning"):
        response = client.post(f"/personal/deltagare/{person.code}/{action}",
                               data={"csrf_token": token})
        assert response.status_code == 404


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


@pytest.mark.parametrize("body", [5, [1, 2], "x", None])
def test_json_that_is_not_an_object_is_a_4xx_on_forms(client, login, body):
    """Found by the fuzz test: Flask-WTF reads JSON bodies as form data."""
    token = csrf_token(client, "/personal/logga-in")
    response = client.post("/personal/logga-in", json=body, headers={"X-CSRFToken": token})
    assert 400 <= response.status_code < 500
    login("handledare")
    response = client.post("/personal/losenord", json=body, headers={"X-CSRFToken": token})
    assert 400 <= response.status_code < 500
