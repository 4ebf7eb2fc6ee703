"""The tablet hand-over in real Chromium: the handledare hands over, the participant answers and
cannot leave the questions, and only the handledare's password unlocks the staff view."""

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Questionnaire
from tests.browser.conftest import hand_over
from tests.conftest import PASSWORD, stored

pytestmark = pytest.mark.browser


def test_hand_over_answer_and_hand_back(live_server, tablet, make_participant, make_user):
    person = make_participant(insats="Testinsatsen")
    hand_over(tablet, live_server, person, make_user)
    assert tablet.locator("#progress").inner_text() == "Fråga 1 av 6"
    assert tablet.locator("nav.staff-nav").count() == 0

    with tablet.expect_navigation():
        tablet.locator("button.step[value='3']").tap()
    # trying to leave for the staff pages locks the tablet
    tablet.goto(f"{live_server}/personal/deltagare")
    assert tablet.locator("h1").inner_text() == "Surfplattan är låst"
    tablet.fill("#password", "fel lösenord")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lås upp").tap()
    assert "Fel lösenord." in tablet.locator("[role=alert]").inner_text()
    tablet.fill("#password", PASSWORD)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lås upp").tap()
    assert tablet.url.endswith(f"/personal/deltagare/{person.code}")
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 3}  # the answer given before the lock is kept
