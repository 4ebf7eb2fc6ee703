"""A participant answers SKAPA on a tablet by tapping, reloads half-way, finishes, sees the chart."""

import datetime as dt

import pytest
import sqlalchemy as sa

from questionnaire.answering import answers, links
from questionnaire.extensions import db
from questionnaire.models import Questionnaire
from tests.conftest import fill_in, skapa, stored

pytestmark = pytest.mark.browser


def intake_done(person, steps=(2, 2, 3, 1, 2, 3)):
    start = answers.current_enrolment(person.id).start_date
    fill_in(person, "skapa", "intake", skapa(*steps), when=dt.datetime.combine(start, dt.time(10)))


def link_for(person):
    token = links.create(person)
    db.session.commit()
    return f"/l/{token}"


def tap_step(page, step):
    with page.expect_navigation():
        page.locator(f"button.step[value='{step}']").tap()


def test_answer_skapa_by_tapping_reload_and_see_the_chart(live_server, tablet, make_participant):
    person = make_participant(days_ago=185)
    intake_done(person)
    requested = []
    tablet.on("request", lambda r: requested.append(r.url))

    tablet.goto(live_server + link_for(person))
    assert tablet.locator("#progress").inner_text() == "Fråga 1 av 6"
    buttons = tablet.locator("button.step")
    assert buttons.count() == 5
    assert all(buttons.nth(n).bounding_box()["height"] >= 48 for n in range(5))
    for step in (4, 3, 5):
        tap_step(tablet, step)
    assert tablet.locator("#progress").inner_text() == "Fråga 4 av 6"

    tablet.reload()  # half-way: nothing is lost
    assert tablet.locator("#progress").inner_text() == "Fråga 4 av 6"
    tablet.locator("a[rel=prev]").tap()
    tablet.wait_for_url("**/fraga/S3")
    assert tablet.locator("button.step.chosen").get_attribute("value") == "5"
    assert tablet.locator("button.step.chosen").get_attribute("aria-pressed") == "true"
    tablet.locator("a[rel=next]").tap()
    tablet.wait_for_url("**/fraga/S4")

    for step in (2, 4, 4):
        tap_step(tablet, step)
    assert "Dina svar" in tablet.locator("h1").inner_text()
    assert not any("plotly" in url for url in requested)  # question pages load no chart code

    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Skicka in mina svar").tap()
    tablet.wait_for_selector("#spider[data-drawn=true]")
    assert tablet.evaluate("document.getElementById('spider').data.length") == 2
    assert tablet.locator("#spider .scatterlayer .trace").count() == 2
    legend = tablet.locator("#spider .legendtext").all_text_contents()
    assert legend[0].startswith("Inskrivning")
    assert legend[1].startswith("6 månader")
    assert tablet.locator("table.numbers tbody tr").count() == 6

    q = db.session.scalars(sa.select(Questionnaire).filter_by(timepoint="6m", instrument="skapa")).one()
    assert stored(q.id) == {"S1": 4, "S2": 3, "S3": 5, "S4": 2, "S5": 4, "S6": 4}
    assert q.completed_at is not None


def test_works_with_javascript_off(live_server, browser, make_participant):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True,
                                  java_script_enabled=False, locale="sv-SE")
    page = context.new_page()
    person = make_participant()
    page.goto(live_server + link_for(person))
    for step in (1, 2, 3, 4, 5):
        with page.expect_navigation():
            page.locator(f"button.step[value='{step}']").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Vill inte svara").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka in mina svar").tap()
    assert page.locator("h1").inner_text() == "Tack för dina svar!"
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 1, "S2": 2, "S3": 3, "S4": 4, "S5": 5, "S6": "declined"}
    context.close()


def test_strict_csp_holds_on_every_participant_page(live_server, tablet, make_participant):
    """No page breaks the Content-Security-Policy: the browser reports no violation."""
    tablet.add_init_script("""
        window.__csp = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    """)
    person = make_participant(days_ago=185)
    intake_done(person)
    response = tablet.goto(live_server + link_for(person))
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    for step in (4, 3, 5, 2, 4, 4):
        tap_step(tablet, step)
        assert tablet.evaluate("window.__csp") == []
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Skicka in mina svar").tap()
    tablet.wait_for_selector("#spider[data-drawn=true]")
    assert tablet.evaluate("window.__csp") == []
