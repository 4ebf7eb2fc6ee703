"""The hand-over idle lock with STEGVIS_HANDOVER_IDLE_MINUTES=1: touches keep the tablet open (the
server hears of them), an "Är du kvar?" prompt comes before the lock, and an answer the lock
refused is never called saved. Time is driven on both sides: the browser's clock by Playwright,
the server's by a stand-in for staff.utcnow."""

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.extensions import db
from questionnaire.models import Answer, Questionnaire
from tests.browser.conftest import hand_over
from tests.conftest import stored

pytestmark = pytest.mark.browser


class ServerClock:
    def __init__(self):
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def handed_over(app, live_server, tablet, make_participant, make_user, monkeypatch):
    """A tablet handed over to a participant, idle lock after one minute; returns the server's
    clock."""
    app.config["HANDOVER_IDLE_MINUTES"] = 1
    clock = ServerClock()
    monkeypatch.setattr("questionnaire.casework.views.utcnow", clock)
    person = make_participant(insats="Testinsatsen")
    hand_over(tablet, live_server, person, make_user, before_login=tablet.clock.install)
    expect(tablet.locator("#progress")).to_have_text("Fråga 1 av 6")
    return clock


def wait(tablet, clock, seconds):
    clock.advance(seconds)
    tablet.clock.run_for(seconds * 1000)


def rows():
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Answer))


def test_touches_keep_the_tablet_open_and_the_answer_after_80_s_is_stored(handed_over, tablet):
    clock = handed_over
    for _ in range(4):  # a touch every 20 s, then the answer at 80 s
        wait(tablet, clock, 20)
        tablet.locator("#question-text").tap()
        tablet.wait_for_timeout(500)  # the touch reaches the server
    tablet.locator("button.step[value='3']").tap()
    tablet.wait_for_timeout(1000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 3}
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")


def test_are_you_still_there_comes_before_the_lock(handed_over, tablet):
    clock = handed_over
    prompt = tablet.get_by_role("dialog", name="Är du kvar?")
    expect(prompt).to_be_hidden()
    wait(tablet, clock, 45)
    expect(prompt).to_be_visible()
    expect(tablet.locator("#progress")).to_have_text("Fråga 1 av 6")  # not locked yet
    with tablet.expect_response("**/q/kvar"):
        prompt.get_by_role("button", name="Ja, jag är kvar").tap()
    expect(prompt).to_be_hidden()
    wait(tablet, clock, 45)  # 90 s since the hand-over, 45 s since "yes": still open
    expect(tablet.locator("#progress")).to_have_text("Fråga 1 av 6")
    expect(prompt).to_be_visible()
    wait(tablet, clock, 20)  # nobody answered the prompt
    tablet.wait_for_url("**/personal/lamna-tillbaka*")
    expect(tablet.locator("h1")).to_have_text("Surfplattan är låst")  # no "thanks"


def test_an_answer_the_lock_refused_is_not_called_saved(handed_over, tablet):
    """The screen slept (the browser's timers did not run) while the server's minute passed."""
    clock = handed_over
    clock.advance(70)
    tablet.locator("button.step[value='4']").tap()
    tablet.wait_for_url("**/personal/lamna-tillbaka*")
    expect(tablet.locator("h1")).to_have_text("Surfplattan är låst")
    page = tablet.locator("main")
    expect(page).to_contain_text("Några svar är inte sparade än", use_inner_text=True)
    expect(page).not_to_contain_text("Dina svar är sparade", use_inner_text=True)
    assert rows() == 0
