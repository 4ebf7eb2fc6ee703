"""The questions as an installable web app that works without the network: a service worker
keeps the questionnaire's page, a reload or another page of it offline shows the questions (at
the first unanswered one) instead of the browser's error page, "Tillbaka" is hidden while it
cannot work, other pages show an offline page in the participant's language, and once the
network is back the participant lands on the first unanswered question. "Del 1 av 2" shows the
parts of one sitting."""

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import answers, links
from questionnaire.extensions import db
from questionnaire.models import Questionnaire
from tests.conftest import fill_in, skapa, stored

pytestmark = pytest.mark.browser


def open_link(page, live_server, person):
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    expect(page.locator("body")).to_have_attribute("data-offline-ready", "true", timeout=15000)


def test_reload_and_other_pages_offline_show_the_questions(live_server, tablet,
                                                           make_participant):
    tablet.on("dialog", lambda d: d.accept())  # "leave the page?" while answers wait: yes
    person = make_participant()
    open_link(tablet, live_server, person)
    qid = db.session.scalars(sa.select(Questionnaire)).one().id
    with tablet.expect_navigation():
        tablet.locator("button.step[value='2']").tap()
    expect(tablet.locator("#progress")).to_have_text("Fråga 2 av 6")
    back = tablet.get_by_role("link", name="Tillbaka")
    expect(back).to_be_visible()

    tablet.context.set_offline(True)
    expect(back).to_be_hidden()  # it would lead to the browser's error page
    tablet.locator("button.step[value='5']").tap()
    expect(tablet.locator("#progress")).to_have_text("Fråga 3 av 6")
    expect(back).to_be_hidden()

    tablet.reload()  # offline: the kept page, at the first question not answered
    expect(tablet.locator("#progress")).to_have_text("Fråga 3 av 6")
    expect(tablet.locator("#save-status")).to_contain_text("1 svar väntar")
    expect(back).to_be_hidden()
    tablet.locator("button.step[value='3']").tap()
    expect(tablet.locator("#progress")).to_have_text("Fråga 4 av 6")

    tablet.goto(f"{live_server}/q/{qid}/sammanfattning")  # any page of the questionnaire
    expect(tablet.locator("#progress")).to_have_text("Fråga 4 av 6")

    tablet.context.set_offline(False)
    tablet.wait_for_url("**/fraga/S4", timeout=20000)  # not an answered question
    assert stored(qid) == {"S1": 2, "S2": 5, "S3": 3}
    expect(tablet.locator("#progress")).to_have_text("Fråga 4 av 6")
    expect(back).to_be_visible()


def test_reconnecting_on_a_reloaded_page_resumes_at_the_first_unanswered(
        live_server, tablet, make_participant):
    tablet.on("dialog", lambda d: d.accept())
    person = make_participant()
    open_link(tablet, live_server, person)
    qid = db.session.scalars(sa.select(Questionnaire)).one().id
    tablet.context.set_offline(True)
    for step, progress in ((1, "Fråga 2 av 6"), (2, "Fråga 3 av 6")):
        tablet.locator(f"button.step[value='{step}']").tap()
        expect(tablet.locator("#progress")).to_have_text(progress)
    tablet.reload()
    expect(tablet.locator("#progress")).to_have_text("Fråga 3 av 6")
    tablet.context.set_offline(False)
    tablet.wait_for_url("**/fraga/S3", timeout=20000)
    assert stored(qid) == {"S1": 1, "S2": 2}


def test_a_page_without_a_copy_shows_the_offline_page_in_the_participants_language(
        live_server, tablet, make_participant):
    person = make_participant(language="en")
    open_link(tablet, live_server, person)
    tablet.context.set_offline(True)
    tablet.goto(f"{live_server}/q/")
    expect(tablet.locator("h1")).to_have_text("No connection")
    expect(tablet.locator("html")).to_have_attribute("lang", "en")
    tablet.context.set_offline(False)


def test_the_app_can_be_installed(live_server, tablet, make_participant):
    person = make_participant()
    open_link(tablet, live_server, person)
    href = tablet.locator("link[rel=manifest]").get_attribute("href")
    response = tablet.request.get(live_server + href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/q/"
    assert any(i["sizes"] == "512x512" for i in manifest["icons"])
    scope = tablet.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server}/q/"
    # Chromium's own verdict; a Playwright context counts as incognito, where nothing installs
    cdp = tablet.context.new_cdp_session(tablet)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    errors = {e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]}
    assert errors <= {"in-incognito"}


def test_several_questionnaires_in_one_sitting_show_their_part(live_server, tablet,
                                                              make_participant):
    person = make_participant(days_ago=185)  # the 6-month SKAPA and NNS are due together
    start = answers.current_enrolment(person.id).start_date
    fill_in(person, "skapa", "intake", skapa(2, 2, 3, 1, 2, 3),
            when=dt.datetime.combine(start, dt.time(10)))
    open_link(tablet, live_server, person)
    expect(tablet.locator(".part")).to_have_text("Del 1 av 2")
    first = db.session.scalars(sa.select(Questionnaire).filter_by(timepoint="6m",
                                                                  instrument="skapa")).one()
    for n in range(1, 7):
        answers.save_answer(first, f"S{n}", step=3)
    answers.complete(first)
    db.session.commit()
    tablet.goto(f"{live_server}/q/")
    expect(tablet.locator(".part")).to_have_text("Del 2 av 2")
