"""A double tap answers one question, not the next one unseen: a question that appeared because
of a tap ignores taps for a moment, and shows that it is new. The taps are raw touches at one
place on the screen (a finger does not wait for a button to be ready)."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Questionnaire
from tests.conftest import stored

pytestmark = pytest.mark.browser


def first_question(page, live_server, person):
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    expect(page.locator("#progress")).to_have_text("Fråga 1 av 6")


def centre(page, selector):
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("gap_ms", [250, 450])
def test_a_double_tap_answers_one_question(live_server, tablet, make_participant, gap_ms):
    person = make_participant()
    first_question(tablet, live_server, person)
    x, y = centre(tablet, "button.step[value='3']")
    tablet.touchscreen.tap(x, y)
    tablet.wait_for_timeout(gap_ms)
    tablet.touchscreen.tap(x, y)
    tablet.wait_for_timeout(1200)  # whatever the second tap did has happened by now
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 3}
    # once the new question has settled, a tap answers it
    tablet.touchscreen.tap(x, y)
    expect(tablet.locator("#progress")).to_have_text("Fråga 3 av 6")
    assert stored(q.id) == {"S1": 3, "S2": 3}


def test_the_new_question_shows_that_it_changed(live_server, tablet, make_participant):
    person = make_participant()
    first_question(tablet, live_server, person)
    card = tablet.locator(".question-card")
    expect(card).not_to_have_class(re.compile(r"\bfresh\b"))  # the first one came by link
    tablet.locator("button.step[value='2']").tap()
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    expect(card).to_have_class(re.compile(r"\bfresh\b"))
    expect(tablet.locator("button.step").first).to_be_disabled()
    expect(card).not_to_have_class(re.compile(r"\bfresh\b"))
    expect(tablet.locator("button.step").first).to_be_enabled()


def test_a_double_tap_offline_queues_one_answer(live_server, tablet, make_participant):
    person = make_participant()
    first_question(tablet, live_server, person)
    tablet.context.set_offline(True)
    x, y = centre(tablet, "button.step[value='4']")
    tablet.touchscreen.tap(x, y)
    tablet.wait_for_timeout(200)
    tablet.touchscreen.tap(x, y)
    tablet.wait_for_timeout(800)
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    expect(tablet.locator("#save-status")).to_contain_text("1 svar väntar")
    tablet.context.set_offline(False)
    tablet.wait_for_url("**/fraga/S2", timeout=20000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 4}
