"""WCAG 2.2 AA on every participant page in every language: axe-core in real Chromium reports no
violations; keyboard only works; targets are at least 44x44 px; 200 % zoom loses nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.i18n import LANGUAGES, language
from questionnaire.models import Insats, InsatsStaff, Questionnaire
from tests.browser.conftest import log_in
from tests.conftest import fill_in, skapa, stored

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}


def violations(page) -> list[str]:
    results = AXE.run(page, options=WCAG)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
            for v in results.response["violations"]]


def questionnaire(instrument: str) -> Questionnaire:
    return db.session.scalars(sa.select(Questionnaire).filter_by(instrument=instrument)).one()


def test_the_checker_finds_a_violation(new_tablet):
    page = new_tablet()
    page.set_content('<html lang="sv"><body><main><img src="x.png">'
                     '<button></button></main></body></html>')
    found = " ".join(violations(page))
    assert "image-alt" in found
    assert "button-name" in found


@pytest.mark.parametrize("locale", [lang.code for lang in LANGUAGES])
def test_every_participant_page_passes_axe(live_server, new_tablet, make_participant, locale):
    page = new_tablet()
    person = make_participant(days_ago=200, exit_days_ago=0, language=locale)  # exit forms due
    token = links.create(person)
    db.session.commit()
    found = {}

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        found[name] = violations(page)

    page.goto(f"{live_server}/")
    check("start")
    page.goto(f"{live_server}/l/not-a-link")
    check("message")
    page.goto(f"{live_server}/l/{token}")
    check("SKAPA question")
    nns = questionnaire("nns-avslut")
    page.goto(f"{live_server}/q/{nns.id}/")
    check("NNS question")
    page.goto(f"{live_server}/q/{nns.id}/fraga/N6a")
    check("NNS yes/no question")
    page.goto(f"{live_server}/q/{nns.id}/fraga/F11")
    check("NNS free-text question")
    q = fill_in(person, "skapa", "exit", skapa(2, 3, 4, 5, 1, 2), complete=False)  # the link's
    page.goto(f"{live_server}/q/{q.id}/sammanfattning")
    check("summary")
    page.locator("form[action$='/klar'] button").click()
    page.wait_for_selector("#spider .main-svg")
    check("thank-you page with the spider diagram")
    assert {name: found_ for name, found_ in found.items() if found_} == {}


def test_answering_with_the_keyboard_only(live_server, new_tablet, make_participant):
    page = new_tablet()
    person = make_participant()
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    for _ in range(40):  # tab through the language menu to the first answer
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('button.step')"):
            break
    focused = page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {value: el.value, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["value"] == "1"
    assert focused["outline"] != "none"
    assert focused["width"] >= 2  # the focus is plainly visible
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the second step, chosen with Enter
    page.wait_for_url("**/fraga/S2")
    q = questionnaire("skapa")
    assert stored(q.id) == {"S1": 2}


def test_targets_are_large_enough_and_200_percent_zoom_keeps_everything(
        live_server, new_tablet, make_participant):
    # 200 % zoom on the tablet is the same layout as a 410 px wide viewport at twice the density
    zoomed = new_tablet(viewport={"width": 410, "height": 590}, device_scale_factor=2)
    normal = new_tablet("ar")
    person = make_participant(language="ar")
    for page in (normal, zoomed):
        token = links.create(person)
        db.session.commit()
        page.goto(f"{live_server}/l/{token}")
        small = page.evaluate("""() => [...document.querySelectorAll('a, button')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect()])
            .filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([text, r]) => `${text} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
        assert small == []
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0  # nothing cut off sideways
        hidden = page.evaluate("""() => [...document.querySelectorAll('button.step .label')]
            .filter(el => el.scrollWidth > el.clientWidth + 1).length""")
        assert hidden == 0


def test_reduced_motion_is_respected(live_server, new_tablet, make_participant):
    page = new_tablet(reduced_motion="reduce")
    token = links.create(make_participant())
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    moving = page.evaluate("""() => [...document.querySelectorAll('*')].filter(el => {
        const s = getComputedStyle(el);
        return parseFloat(s.transitionDuration) > 0 || s.animationName !== 'none';
    }).length""")
    assert moving == 0


@pytest.mark.parametrize("locale", [lang.code for lang in LANGUAGES])
def test_hand_over_pages_pass_axe(live_server, new_tablet, make_participant, make_user, locale):
    """The participant's own data and the locked screen, in the participant's language."""
    person = make_participant(insats="Testinsatsen", language=locale)
    user = make_user("handledare")
    db.session.add(InsatsStaff(insats_id=db.session.scalar(sa.select(Insats.id)),
                               user_id=user.id))
    db.session.commit()
    page = new_tablet()
    log_in(page, live_server, user)
    found = {"staff: participant page": violations_after(page, f"{live_server}/personal/"
                                                         f"deltagare/{person.code}")}
    with page.expect_navigation():
        page.locator(f"form[action$='/{person.code}/mina-uppgifter'] button").tap()
    found["own data"] = violations(page)
    page.goto(f"{live_server}/personal/deltagare")  # leaving locks the tablet
    found["locked tablet"] = violations(page)
    assert page.locator("html").get_attribute("lang") == language(locale).tag
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("locale", ["sv-SE", "en-GB"])
def test_staff_pages_pass_axe(live_server, new_tablet, make_participant, make_user, locale):
    person = make_participant(insats="Testinsatsen", days_ago=200)
    user = make_user("samordnare")
    db.session.commit()
    page = new_tablet(locale)
    found = {"log-in": violations_after(page, f"{live_server}/personal/logga-in")}
    log_in(page, live_server, user)
    for path in ("/personal/", "/personal/deltagare", "/personal/deltagare/ny",
                 f"/personal/deltagare/{person.code}", f"/personal/deltagare/{person.code}/dialog",
                 "/personal/insatser", "/personal/anvandare", "/personal/logg",
                 "/personal/rapporter"):
        found[path] = violations_after(page, live_server + path)
    assert {name: v for name, v in found.items() if v} == {}


def violations_after(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return violations(page)
