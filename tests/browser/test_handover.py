"""The tablet hand-over in real Chromium: the handledare hands over, the participant answers and
cannot leave the questions, and only the handledare's password unlocks the staff view."""

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Insats, InsatsStaff, Questionnaire
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, stored

pytestmark = pytest.mark.browser


def test_hand_over_answer_and_hand_back(live_server, tablet, make_participant, make_user):
    person = make_participant(insats="Testinsatsen")
    user = make_user("handledare")
    db.session.add(InsatsStaff(insats_id=db.session.scalar(sa.select(Insats.id)),
                               user_id=user.id))
    db.session.commit()

    log_in(tablet, live_server, user)
    tablet.goto(f"{live_server}/personal/deltagare/{person.code}")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lämna över surfplattan").tap()
    tablet.wait_for_selector("#progress")
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
