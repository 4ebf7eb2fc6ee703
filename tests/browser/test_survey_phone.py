"""A survey round answered on a phone (360 x 640): the link opens the form in Swedish without a
log-in, every question can be answered by tapping, nothing is wider than the screen, and the
second visit from the same phone says it has already answered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from questionnaire import instruments, surveys
from questionnaire.extensions import db
from questionnaire.models import SurveyAnswer, SurveyResponse
from questionnaire.reporting import periods

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}


def test_a_round_answered_on_a_phone(live_server, new_tablet, tmp_path):
    import datetime as dt

    form = instruments.get("nns-personal")
    survey_round = surveys.open_round(form, periods.containing(dt.date.today()), invited=8)
    db.session.commit()
    url = f"{live_server}/enkat/{survey_round.token}"
    page = new_tablet("ar", **PHONE)  # a phone set to Arabic still gets the Swedish form
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_text(form.item("P3").text).is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360
    for n, item in enumerate(form.items):
        step = item.scale.steps[n % len(item.scale.steps)]
        choice = page.locator(f"#q-{item.key}").get_by_label(step.label, exact=True)
        choice.scroll_into_view_if_needed()
        choice.tap()
    page.screenshot(path=tmp_path / "survey-phone.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka mina svar").tap()
    assert page.get_by_role("heading", name="Tack för ditt svar!").is_visible()
    stored = db.session.execute(sa.select(SurveyAnswer.item_key, SurveyAnswer.step)).all()
    assert dict(stored) == {i.key: i.scale.steps[n % len(i.scale.steps)].value
                            for n, i in enumerate(form.items)}
    assert db.session.scalar(sa.select(SurveyResponse.round_id)) == survey_round.id
    page.goto(url)  # the same phone again
    assert page.get_by_role("heading", name="Du har redan svarat").is_visible()
    assert page.locator("input[type=radio]").count() == 0
