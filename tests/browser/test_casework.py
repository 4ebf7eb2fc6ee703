"""The handledare's day in real Chromium on a tablet: take the tablet back half-way with the
discreet link, then rate in parallel on the due timepoint with large targets."""

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Questionnaire
from tests.browser.conftest import hand_over
from tests.conftest import PASSWORD, stored

pytestmark = pytest.mark.browser


def test_take_back_half_way_then_rate_the_due_timepoint(live_server, tablet, make_participant,
                                                        make_user):
    inst = next(i for i in instruments.published() if i.individual_results and i.areas)
    person = make_participant(days_ago=190, insats="Testinsatsen")  # 6 months are due
    hand_over(tablet, live_server, person, make_user)
    with tablet.expect_navigation():
        tablet.locator("button.step").first.tap()
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Handledare: ta tillbaka").tap()
    tablet.fill("#password", PASSWORD)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lås upp").tap()
    assert tablet.url.endswith(f"/personal/deltagare/{person.code}")
    q = db.session.scalars(sa.select(Questionnaire).filter_by(respondent="deltagare")).first()
    assert len(stored(q.id)) == 1  # the answer given is kept, the rest is left for later
    assert q.completed_at is None

    tablet.goto(f"{live_server}/personal/deltagare/{person.code}/skattning?instrument={inst.key}")
    assert tablet.locator("#timepoint").input_value() == "6m"
    targets = tablet.locator("label.step")
    box = targets.first.bounding_box()
    assert box["height"] >= 48  # like the participant's buttons
    for item in inst.areas:
        tablet.locator(f"label.step:has(input[name='{item.key}'][value='{item.scale_min}'])").tap()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Spara min skattning").tap()
    rating = db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).one()
    assert rating.timepoint == "6m"
    assert stored(rating.id) == {i.key: i.scale_min for i in inst.areas}
