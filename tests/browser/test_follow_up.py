"""The follow-up link at exit, in a browser: the handledare records the exit of a participant who
answers in Arabic and gets the text to send in Arabic (right to left, real glyphs) beside the
Swedish; the participant opens the link on their own phone and is told, in Arabic, when to come
back."""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, InsatsStaff, ScheduleEntry
from tests.browser.conftest import log_in
from tests.browser.test_languages import WAIT, glyphs_render

pytestmark = pytest.mark.browser


def test_the_text_to_send_at_exit_is_in_the_participants_script(live_server, new_tablet,
                                                                 make_participant, make_user):
    person = make_participant(days_ago=200, language="ar")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule.extend([ScheduleEntry(instrument="skapa", timepoint="exit+6m"),
                            ScheduleEntry(instrument="skapa", timepoint="exit+12m")])
    user = make_user("handledare")
    insats_id = db.session.scalar(sa.select(Enrolment.insats_id).filter_by(
        participant_id=person.id))
    db.session.add(InsatsStaff(insats_id=insats_id, user_id=user.id))
    db.session.commit()

    page = new_tablet()
    log_in(page, live_server, user)
    page.goto(f"{live_server}/personal/deltagare/{person.code}")
    page.select_option("#exit_reason", "arbete")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrera avslut").tap()

    arabic = page.locator("textarea.follow-text[lang=ar]")
    expect(arabic).to_have_value(re.compile(r"^مرحبًا! .*/u/"), timeout=WAIT)
    assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert glyphs_render(page, "textarea.follow-text[lang=ar]", letter="ب")
    assert page.get_by_label("Text att skicka med sms eller e-post, på svenska").input_value(
        ).startswith("Hej! Om 6 och 12 månader")
    if os.environ.get("STEGVIS_SCREENSHOTS"):  # to look at: STEGVIS_SCREENSHOTS=DIR
        page.screenshot(path=os.path.join(os.environ["STEGVIS_SCREENSHOTS"], "follow-up.png"),
                        full_page=True)

    link = re.search(r"https?://\S+/u/[A-Za-z0-9_-]+", arabic.input_value()).group()
    phone = new_tablet("ar")
    phone.goto(live_server + link[link.index("/u/"):])
    expect(phone.locator("html")).to_have_attribute("lang", "ar", timeout=WAIT)
    expect(phone.locator("body")).to_contain_text("نرجو أن تعود لاحقًا", timeout=WAIT)
