"""Fixtures: an app with its own empty database per test (SQLite file, or PostgreSQL when
STEGVIS_TEST_DATABASE_URL is set), a client, a CLI runner, and factories for test data."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from questionnaire import create_app, migrate
from questionnaire.answering import answers, links
from questionnaire.casework import codes, schedule
from questionnaire.extensions import db, limiter
from questionnaire.models import Enrolment, Insats, InsatsStaff, Participant

TEST_DB = os.environ.get("STEGVIS_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about PostgreSQL itself belong to the PostgreSQL run: the SQLite run leaves them
    out (not skipped: CI fails on any skip)."""
    if not TEST_DB:
        items[:] = [i for i in items if i.get_closest_marker("postgresql") is None]


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: a fresh `g` and its own
    database session. (The app fixture keeps a context open for the test's own queries, which a
    request would otherwise reuse.)"""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's session sees what the request committed
        return response


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path) -> str:
    if TEST_DB:
        reset_postgres(TEST_DB)
        return TEST_DB
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "PSEUDONYM_KEY": "test-pseudonym-key",
        "BASE_URL": "http://localhost",
    })
    app.test_client_class = IsolatedClient
    limiter.reset()  # rate-limit counts from earlier tests must not carry over
    with app.app_context():
        migrate.upgrade()  # the schema as production gets it: through the migrations
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


TODAY = dt.date.today()


@pytest.fixture
def make_participant(app: Flask) -> Callable[..., Participant]:
    """Create a participant enrolled `days_ago` days ago in an insats (default schedule)."""

    def make(
        days_ago: int = 0,
        insats: str = "Testinsatsen",
        length_weeks: int | None = None,
        gender: str | None = "kvinna",
        language: str | None = None,
        exit_days_ago: int | None = None,
    ) -> Participant:
        found = db.session.scalar(sa.select(Insats).filter_by(name=insats))
        if found is None:
            found = Insats(name=insats, length_weeks=length_weeks,
                           schedule=schedule.default_schedule())
            db.session.add(found)
        person = Participant(code=codes.generate(), gender=gender, birth_year=1990,
                             language=language)
        enrolment = Enrolment(
            participant=person, insats=found, start_date=TODAY - dt.timedelta(days=days_ago),
            exit_date=None if exit_days_ago is None else TODAY - dt.timedelta(days=exit_days_ago),
            exit_reason=None if exit_days_ago is None else "arbete",
        )
        db.session.add(enrolment)
        db.session.commit()
        return person

    return make


@pytest.fixture
def open_link(client: FlaskClient) -> Callable[[Participant], str]:
    """Open a new one-time link for the participant in `client`; returns the first page's URL."""

    def open_(person: Participant) -> str:
        token = links.create(person)
        db.session.commit()
        response = client.get(f"/l/{token}")
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    return open_


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url, follow_redirects=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


@pytest.fixture
def answer(client: FlaskClient) -> Callable[..., Any]:
    """Save one answer with the tablet's JSON call (CSRF token from the page, as a browser does)."""

    def save(qid: int, item: str, expect: int = 200, **body: Any):
        token = csrf_token(client, f"/q/{qid}/")
        response = client.post(f"/q/{qid}/svar", json={"item": item, **body},
                               headers={"X-CSRFToken": token})
        assert response.status_code == expect, response.text
        return response

    return save


def questionnaire_id(url: str) -> int:
    return int(re.search(r"/q/(\d+)/", url).group(1))


def stored(qid: int) -> dict[str, Any]:
    """What the database holds for a questionnaire: {item: step | text | 'declined'}."""
    from questionnaire.models import Questionnaire

    db.session.expire_all()
    q = db.session.get(Questionnaire, qid)
    return {
        k: ("declined" if a.declined else a.step if a.step is not None else a.text)
        for k, a in answers.current_answers(q).items()
    }


def skapa(*steps: int | None) -> dict[str, int | None]:
    """SKAPA steps in item order: skapa(2, 5, 3) -> {"S1": 2, "S2": 5, "S3": 3}."""
    return {f"S{n}": step for n, step in enumerate(steps, start=1)}


#: Every NNS pågående scale item answered with the highest step.
NNS_ALL_6 = {key: 6 for key in ("N1", "N2", "N3", "N4", "N5", "N7", "N9")}


def fill_in(person: Participant, instrument: str, timepoint: str, steps: dict[str, int | None],
            *, respondent: str = "deltagare", when: dt.datetime | None = None,
            complete: bool = True) -> Any:
    """Answer the participant's questionnaire for this slot through the services (no HTTP); the
    one a link already started is reused. Completed (at `when`) unless complete=False."""
    q = answers.start(answers.current_enrolment(person.id), instrument, timepoint,
                      respondent=respondent)
    for key, step in steps.items():
        answers.save_answer(q, key, step=step)
    if complete:
        answers.complete(q, when=when)
    db.session.commit()
    return q


PASSWORD = "ett långt lösenord"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    from werkzeug.security import generate_password_hash

    from questionnaire.models import User

    def make(role: str, email: str | None = None) -> Any:
        user = User(email=email or f"{role}@kommun.example", role=role,
                    password_hash=generate_password_hash(PASSWORD))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., Any]) -> Callable[[str], Any]:
    """Create a staff user with this role and log in as them in `client`."""

    def log_in(role: str) -> Any:
        user = make_user(role)
        token = csrf_token(client, "/personal/logga-in")
        response = client.post("/personal/logga-in", data={
            "csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return user

    return log_in


@pytest.fixture
def handledare(login, make_participant):
    """A logged-in handledare working in 'Testinsatsen' (which then exists)."""
    make_participant(insats="Testinsatsen")  # someone else's, in the same insats
    user = login("handledare")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()
    return user
