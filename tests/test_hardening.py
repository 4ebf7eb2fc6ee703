"""Server hardening (issue 14, items 7-10): rate limits behind a proxy and per account, sessions
that really end, free text that cannot break a save or reach the log, no secrets in the cookie,
passwords, request size, the SQLite file's mode, and a tamper-evident audit log."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from questionnaire import create_app, migrate
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, InsatsStaff, ParticipantLink, User
from tests.conftest import (
    PASSWORD,
    IsolatedClient,
    csrf_token,
    fill_in,
    questionnaire_id,
    skapa,
    stored,
)

LOGIN = "/personal/logga-in"


def actions() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def log_in(client: FlaskClient, email: str, password: str = PASSWORD, **headers: str) -> Any:
    token = csrf_token(client, LOGIN)
    return client.post(LOGIN, data={"csrf_token": token, "email": email, "password": password},
                       headers=headers)


def session_of(app: Flask, client: FlaskClient) -> dict:
    """What the signed session cookie carries (readable by anyone who holds it)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


@pytest.fixture
def second_app(database_url: str) -> Iterator[Any]:
    """Build another app on the same database: another worker process, or a different setting."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                            "SECRET_KEY": "test-secret", "PSEUDONYM_KEY": "test-pseudonym-key",
                            "BASE_URL": "http://localhost", **config})
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


# --- 7. Rate limits: the real client behind the proxy, per account, shared by every process ----

def test_behind_the_proxy_one_clients_bad_passwords_do_not_lock_out_another(
        app, second_app, make_user):
    """Behind nginx every request comes from 127.0.0.1; with STEGVIS_PROXY_HOPS=1 the address is
    the client's, so ten wrong passwords from one tablet do not lock out a colleague."""
    proxied = second_app(PROXY_HOPS=1)
    make_user("handledare", "anna@kommun.example")
    make_user("handledare", "bo@kommun.example")
    client = proxied.test_client()
    for _ in range(10):
        assert log_in(client, "anna@kommun.example", "fel lösenord",
                      **{"X-Forwarded-For": "203.0.113.5"}).status_code == 401
    other = proxied.test_client()
    response = log_in(other, "bo@kommun.example", **{"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 302, response.text


def test_without_a_configured_proxy_a_forged_forwarded_for_does_not_dodge_the_limit(
        client, make_user):
    make_user("handledare", "anna@kommun.example")
    statuses = [log_in(client, "nobody@kommun.example", "fel",
                       **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_one_account_locks_after_ten_failures_from_any_addresses(app, second_app, make_user):
    """Guessing one person's password from many addresses: the eleventh try is refused even with
    the right password; another account is not affected."""
    proxied = second_app(PROXY_HOPS=1)
    make_user("handledare", "anna@kommun.example")
    make_user("handledare", "bo@kommun.example")
    client = proxied.test_client()
    for n in range(10):
        assert log_in(client, "anna@kommun.example", "fel lösenord",
                      **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    refused = log_in(client, "ANNA@kommun.example", PASSWORD, **{"X-Forwarded-For": "192.0.2.1"})
    assert refused.status_code == 429
    assert "För många försök" in refused.text
    assert client.get("/personal/deltagare").status_code == 302  # not logged in
    assert log_in(client, "bo@kommun.example", **{"X-Forwarded-For": "192.0.2.1"}).status_code == 302
    assert "login_refused" in actions()


def test_the_lockout_is_shared_by_every_app_process(app, second_app, make_user):
    """Two workers whose per-process throttle lets everything through still share the lock-out:
    it is counted in the database."""
    workers = [second_app(LOGIN_LIMIT="1000 per minute"), second_app(LOGIN_LIMIT="1000 per minute")]
    make_user("handledare", "anna@kommun.example")
    clients = [w.test_client() for w in workers]
    statuses = [log_in(clients[n % 2], "anna@kommun.example", "fel").status_code
                for n in range(12)]
    assert statuses == [401] * 10 + [429, 429]


def test_hand_back_is_limited_per_handledare_not_per_address(client, make_participant, second_app):
    """Two tablets behind the same proxy address: wrong passwords on one do not lock the other."""
    person = make_participant()
    users = []
    for name in ("anna", "bo"):
        user = User(email=f"{name}@kommun.example", role="handledare",
                    password_hash=generate_password_hash(PASSWORD))
        db.session.add(user)
        db.session.flush()
        db.session.add(InsatsStaff(insats_id=person.enrolments[0].insats_id, user_id=user.id))
        users.append(user)
    db.session.commit()
    tablets = []
    for user in users:
        tablet = client.application.test_client()
        assert log_in(tablet, user.email).status_code == 302
        token = csrf_token(tablet, "/personal/deltagare")
        assert tablet.post(f"/personal/deltagare/{person.code}/lamna-over",
                           data={"csrf_token": token}).status_code == 302
        tablets.append(tablet)
    anna, bo = tablets
    url = "/personal/lamna-tillbaka"
    for _ in range(10):
        assert anna.post(url, data={"csrf_token": csrf_token(anna, url),
                                    "password": "fel"}).status_code == 401
    assert anna.post(url, data={"csrf_token": csrf_token(anna, url),
                                "password": PASSWORD}).status_code == 429
    back = bo.post(url, data={"csrf_token": csrf_token(bo, url), "password": PASSWORD})
    assert back.status_code == 302, back.text
    assert "handback_refused" in actions()


# --- 8. Sessions end: log-out, password change, deactivation, absolute lifetime ---------------

def test_a_saved_cookie_does_not_work_after_log_out(app, client, login):
    login("samordnare")
    saved = client.get_cookie("session").value
    client.post("/personal/logga-ut", data={"csrf_token": csrf_token(client, "/personal/")})
    client.set_cookie("session", saved)
    assert client.get("/personal/").status_code == 302


def test_changing_the_password_ends_the_other_sessions(app, client, login):
    user = login("handledare")
    other = app.test_client()
    assert log_in(other, user.email).status_code == 302
    url = "/personal/losenord"
    new = "Hallon och blåbär i juli"
    changed = client.post(url, data={"csrf_token": csrf_token(client, url), "current": PASSWORD,
                                     "new": new, "repeat": new})
    assert changed.status_code == 302
    assert client.get("/personal/deltagare").status_code == 200  # this session goes on
    assert other.get("/personal/deltagare").status_code == 302  # the other one has ended


def test_a_deactivated_account_is_logged_out(app, client, login, make_user):
    user = make_user("handledare")
    other = app.test_client()
    assert log_in(other, user.email).status_code == 302
    login("samordnare")
    client.post(f"/personal/anvandare/{user.id}/aktiv",
                data={"csrf_token": csrf_token(client, "/personal/anvandare")})
    assert other.get("/personal/deltagare").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_even_when_busy(app, client, login):
    login("samordnare")
    hours = app.config["STAFF_SESSION_HOURS"]
    assert hours == 12
    with client.session_transaction() as session:
        session["login_at"] -= hours * 3600 + 1
    assert client.get("/personal/").status_code == 302


# --- 9. Free text: no NUL or lone surrogate reaches the database or the log ----------------

@pytest.fixture
def free_text_qid(make_participant, open_link) -> int:
    """The NNS avslut form of an exited participant answering in English, open in `client`."""
    person = make_participant(days_ago=100, exit_days_ago=1, language="en")
    fill_in(person, "skapa", "exit", skapa(3, 3, 3, 3, 3, 3))
    return questionnaire_id(open_link(person))


@pytest.mark.parametrize("text", ["Jobb\x00och plan", "Jobb \ud800 plan", "\x00"])
def test_unstorable_characters_in_free_text_are_refused_with_a_message(
        client, free_text_qid, answer, text):
    response = answer(free_text_qid, "F11", expect=400, text=text)
    assert response.json["error"] == ("The text contains characters that cannot be saved. "
                                      "Remove them and try again.")
    assert "F11" not in stored(free_text_qid)
    answer(free_text_qid, "F11", text="Jobb och plan")  # and the session still works
    assert stored(free_text_qid)["F11"] == "Jobb och plan"


def test_unstorable_characters_in_a_plain_form_post_show_the_question_again(
        client, free_text_qid):
    url = f"/q/{free_text_qid}/fraga/F11"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "text": "Jobb\x00och plan"})
    assert response.status_code == 400
    assert "The text contains characters that cannot be saved." in response.text
    assert "F11" not in stored(free_text_qid)


def test_unstorable_characters_elsewhere_are_a_400_not_a_500(client, login, make_participant):
    assert log_in(client, "anna\x00@kommun.example").status_code == 400
    login("handledare")
    assert client.get("/personal/deltagare/ABC%00DEF").status_code in (400, 404)
    assert client.get("/personal/deltagare?status=%00").status_code == 400


def test_sql_parameters_never_reach_an_error_message(app):
    with pytest.raises(sa.exc.DBAPIError) as failed:
        db.session.execute(sa.text("SELECT no_such_column FROM answer WHERE text = :t"),
                           {"t": "Min dotter Lisa"})
    db.session.rollback()
    assert "Min dotter Lisa" not in str(failed.value)


# --- 10. No secrets in the cookie; expired links end; passwords; size; file mode; audit -------

def test_a_temporary_password_is_shown_once_and_not_kept_in_the_cookie(app, client, login):
    login("samordnare")
    url = "/personal/anvandare"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "email": "ny@kommun.example", "role": "handledare"})
    assert response.status_code == 200
    assert "Tillfälligt lösenord" in response.text
    assert "Tillfälligt lösenord" not in str(session_of(app, client))
    assert "Tillfälligt lösenord" not in client.get(url).text  # once


def test_a_participant_link_is_shown_once_and_not_kept_in_the_cookie(app, client, handledare,
                                                                      make_participant):
    person = make_participant()
    url = f"/personal/deltagare/{person.code}"
    response = client.post(f"{url}/lank", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 200
    assert "http://localhost/l/" in response.text
    assert "/l/" not in str(session_of(app, client))
    assert "http://localhost/l/" not in client.get(url).text


def test_a_participants_session_ends_when_the_link_expires(client, make_participant, open_link):
    person = make_participant()
    first = open_link(person)
    assert client.get(first).status_code == 200
    link = db.session.scalars(sa.select(ParticipantLink)).one()
    link.expires_at = dt.datetime(2020, 1, 1)
    db.session.commit()
    ended = client.get(first)
    assert ended.status_code == 410
    assert "Länken har slutat gälla" in ended.text
    assert client.get(first).status_code == 404  # nothing of the session is left
    assert "participant_scope" not in session_of(client.application, client)


@pytest.mark.parametrize(("new", "message"), [
    ("aaaaaaaaaaaa", "för lätt att gissa"),
    ("1234567890", "för lätt att gissa"),
    ("abcabcabcabc", "för lätt att gissa"),
    ("lösenord123", "för lätt att gissa"),
    (PASSWORD, "samma som det nuvarande"),
])
def test_weak_or_unchanged_passwords_are_refused(client, login, new, message):
    user = login("handledare")
    url = "/personal/losenord"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "current": PASSWORD,
                                      "new": new, "repeat": new})
    assert response.status_code == 400
    assert message in response.text
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, PASSWORD)


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "ny@kommun.example", "--role", "handledare",
                                 "--password-stdin"], input="aaaaaaaaaaaa\n")
    assert result.exit_code == 1
    assert "för lätt att gissa" in result.output
    assert db.session.scalar(sa.select(User).filter_by(email="ny@kommun.example")) is None


def test_a_temporary_password_must_be_changed_at_first_log_in(app, client, login):
    login("samordnare")
    url = "/personal/anvandare"
    page = client.post(url, data={"csrf_token": csrf_token(client, url),
                                  "email": "ny@kommun.example", "role": "handledare"})
    temporary = re.search(r'<code class="temporary-password">([^<]+)</code>', page.text).group(1)
    newcomer = app.test_client()
    first = log_in(newcomer, "ny@kommun.example", temporary)
    assert first.headers["Location"].endswith("/personal/losenord")
    blocked = newcomer.get("/personal/deltagare")
    assert blocked.status_code == 302
    assert blocked.headers["Location"].endswith("/personal/losenord")
    url = "/personal/losenord"
    new = "Hallon och blåbär i juli"
    assert newcomer.post(url, data={"csrf_token": csrf_token(newcomer, url),
                                    "current": temporary, "new": new,
                                    "repeat": new}).status_code == 302
    assert newcomer.get("/personal/deltagare").status_code == 200


def test_a_too_large_request_gets_a_clear_413(client):
    response = client.post(LOGIN, data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "för stort" in response.text


def test_the_sqlite_file_is_created_readable_by_its_owner_only(tmp_path):
    """Its own SQLite file, in the PostgreSQL run too (nothing is skipped in CI)."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "fresh.db"
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x",
                            "PSEUDONYM_KEY": "y"})
        with fresh.app_context():
            migrate.upgrade()
            for name in (path, path.with_name("fresh.db-wal")):
                if name.exists():
                    assert stat.S_IMODE(name.stat().st_mode) == 0o600, name
            db.engine.dispose()
    finally:
        os.umask(old)


def _some_audit_events(runner, client, login, make_participant):
    login("samordnare")
    person = make_participant()
    runner.invoke(args=["participant-link", person.code])
    log_in(client.application.test_client(), "nobody@kommun.example", "fel")
    return person


def test_audit_verify_passes_on_an_untouched_log_and_finds_an_edited_row(
        runner, client, login, make_participant):
    _some_audit_events(runner, client, login, make_participant)
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0, ok.output
    assert len(actions()) >= 3
    victim = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id)
                       .values(actor_label="someone else"))
    db.session.commit()
    broken = runner.invoke(args=["audit-verify"])
    assert broken.exit_code == 1
    assert f"{victim.id}" in broken.output


def test_audit_verify_finds_a_deleted_row(runner, client, login, make_participant):
    _some_audit_events(runner, client, login, make_participant)
    victim = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == victim.id))
    db.session.commit()
    assert runner.invoke(args=["audit-verify"]).exit_code == 1


def test_command_line_actions_are_audited(runner, make_participant, tmp_path):
    person = make_participant()
    assert runner.invoke(args=["participant-link", person.code]).exit_code == 0
    assert runner.invoke(args=["create-user", "ny@kommun.example", "--role", "handledare",
                               "--password-stdin"],
                         input="Hallon och blåbär i juli\n").exit_code == 0
    header = ("participant,gender,birth_year,insats,instrument,timepoint,respondent,item,value,"
              "answered_on")
    rows = [f"{person.code},kvinna,1990,Testinsatsen,skapa,intake,,S{n},3,"
            f"{dt.date.today().isoformat()}" for n in range(1, 7)]
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    imported = runner.invoke(args=["import-answers", str(path)])
    assert imported.exit_code == 0, imported.output
    events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"participant_link", "create_user", "import_answers"} <= set(events)
    assert events["participant_link"].subject == person.code
    assert events["participant_link"].actor_label.startswith("cli:")
    assert events["create_user"].subject == "ny@kommun.example"
    assert '"answers": 6' in events["import_answers"].details


@pytest.mark.postgresql
def test_on_postgresql_the_audit_log_needs_no_update_or_delete_grant(client, make_user, app):
    """docs/operations.md tells PostgreSQL installations to REVOKE UPDATE, DELETE on audit_event
    from the app's role: chaining a row must not need them."""
    user = make_user("samordnare")
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP ROLE IF EXISTS stegvis_app"))
        conn.execute(sa.text("CREATE ROLE stegvis_app"))
        conn.execute(sa.text("GRANT USAGE ON SCHEMA public TO stegvis_app"))
        conn.execute(sa.text("GRANT ALL ON ALL TABLES IN SCHEMA public TO stegvis_app"))
        conn.execute(sa.text("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO stegvis_app"))
        conn.execute(sa.text("REVOKE UPDATE, DELETE ON audit_event FROM stegvis_app"))

    @sa.event.listens_for(db.engine, "connect")
    def as_the_app(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET ROLE stegvis_app")
        dbapi_connection.commit()

    db.engine.dispose()
    try:
        assert log_in(client, user.email, "fel").status_code == 401
        assert log_in(client, user.email).status_code == 302
    finally:
        sa.event.remove(db.engine, "connect", as_the_app)
        db.session.remove()
        db.engine.dispose()
    assert actions()[-2:] == ["login_failed", "login"]
