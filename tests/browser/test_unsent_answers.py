"""An answer the server has not acknowledged stays on the tablet until it is stored: server
errors (500 while PostgreSQL restarts, a full disk) are retried with a pause, a stale CSRF token
(400 after a SECRET_KEY rotation) is renewed, and the screen says honestly that it is not saved
yet. Only a definite refusal (the questionnaire was already sent in from another device) drops an
answer, and the participant is told which one."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import answers, links
from questionnaire.extensions import db
from questionnaire.models import Answer, Questionnaire
from tests.conftest import stored

pytestmark = [pytest.mark.browser, pytest.mark.intercepts_requests]

SAVE = "**/q/*/svar"


def open_questions(page, live_server, person):
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    expect(page.locator("#progress")).to_have_text("Fråga 1 av 6")


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Answer))


def failing_first(times: int, failure):
    """A route handler: the first `times` saves get `failure(route)`, later ones reach the
    server. Returns the handler and the list of statuses the tablet was given."""
    seen = []

    def handle(route, request):
        if len(seen) < times:
            seen.append("failed")
            failure(route)
        else:
            seen.append("sent")
            route.continue_()

    return handle, seen


def server_error(route):
    route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")


def too_many(route):
    route.fulfill(status=429, headers={"Retry-After": "1"}, content_type="application/json",
                  body='{"error": "För många försök"}')


@pytest.mark.parametrize("failure", [server_error, too_many], ids=["500", "429"])
def test_an_answer_that_meets_errors_is_kept_and_stored_once(live_server, tablet,
                                                             make_participant, failure):
    person = make_participant()
    open_questions(tablet, live_server, person)
    handle, seen = failing_first(3, failure)
    tablet.route(SAVE, handle)

    tablet.locator("button.step[value='2']").tap()
    status = tablet.locator("#save-status")
    expect(status).to_contain_text("Inte sparat än")
    expect(status).not_to_contain_text("sparade")
    # the participant can go on meanwhile
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    # retried with a pause until the server takes it, then back in step with the server
    tablet.wait_for_url("**/fraga/S2", timeout=30000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 2}
    assert rows() == 1
    assert seen[:4] == ["failed", "failed", "failed", "sent"]
    assert tablet.evaluate("localStorage.length") == 0


def test_queued_answers_survive_500s_after_the_network_returns(live_server, tablet,
                                                               make_participant):
    person = make_participant()
    open_questions(tablet, live_server, person)
    tablet.context.set_offline(True)
    for step, progress in ((2, "Fråga 2 av 6"), (5, "Fråga 3 av 6"), (3, "Fråga 4 av 6")):
        tablet.locator(f"button.step[value='{step}']").tap()
        expect(tablet.locator("#progress")).to_have_text(progress)
    handle, seen = failing_first(4, server_error)
    tablet.route(SAVE, handle)
    tablet.context.set_offline(False)
    expect(tablet.locator("#save-status")).to_contain_text("Inte sparat än", timeout=10000)
    tablet.wait_for_url("**/fraga/S4", timeout=40000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 2, "S2": 5, "S3": 3}
    assert rows() == 3
    assert seen.count("failed") == 4


def test_a_stale_csrf_token_is_renewed_and_the_answer_stored_once(live_server, tablet,
                                                                  make_participant):
    person = make_participant()
    open_questions(tablet, live_server, person)
    renewed = []
    tablet.on("request", lambda r: renewed.append(r.url) if "/nyckel" in r.url else None)

    def stale_token(route):
        # the server's own answer to a token it no longer accepts (a rotated SECRET_KEY)
        response = route.fetch(headers={**route.request.headers, "x-csrftoken": "stale"})
        assert response.status == 400
        route.fulfill(response=response)

    handle, seen = failing_first(1, stale_token)
    tablet.route(SAVE, handle)
    tablet.locator("button.step[value='4']").tap()
    tablet.wait_for_url("**/fraga/S2", timeout=20000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 4}
    assert rows() == 1
    assert seen == ["failed", "sent"]
    assert renewed, "a fresh CSRF token was fetched"


def test_after_a_key_rotation_answers_wait_for_the_link_and_are_then_stored(
        live_server, tablet, app, make_participant):
    """A rotated SECRET_KEY ends the session too: the answer waits on the tablet, the screen says
    what to do, and opening the link again sends it."""
    person = make_participant()
    token = links.create(person)
    db.session.commit()
    tablet.goto(f"{live_server}/l/{token}")
    expect(tablet.locator("#progress")).to_have_text("Fråga 1 av 6")
    app.secret_key = "rotated"
    tablet.locator("button.step[value='5']").tap()
    status = tablet.locator("#save-status")
    expect(status).to_contain_text("Öppna din länk igen", timeout=15000)
    assert rows() == 0
    tablet.goto(f"{live_server}/l/{token}")
    tablet.wait_for_url("**/fraga/S2", timeout=20000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 5}
    assert rows() == 1


def test_an_answer_refused_for_good_is_dropped_and_named(live_server, tablet, make_participant):
    """Sent in from another device while this tablet was offline: the waiting answers cannot be
    stored, and the participant is told which."""
    person = make_participant()
    open_questions(tablet, live_server, person)
    tablet.context.set_offline(True)
    tablet.locator("button.step[value='2']").tap()
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    q = db.session.scalars(sa.select(Questionnaire)).one()
    for n in range(1, 7):  # another device answers everything and sends it in
        answers.save_answer(q, f"S{n}", step=1)
    answers.complete(q)
    db.session.commit()
    tablet.context.set_offline(False)
    alert = tablet.locator("#save-problems")
    expect(alert).to_contain_text("sparades inte", timeout=15000)
    expect(alert).to_contain_text(answers.instrument_of(q).item("S1").text)
    expect(tablet.locator("#save-status")).not_to_contain_text("Alla svar är sparade")
    assert stored(q.id) == {f"S{n}": 1 for n in range(1, 7)}
    assert tablet.evaluate("localStorage.length") == 0
