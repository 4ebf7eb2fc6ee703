"""Phones and 200 % zoom: the question page shows an answer on first view (the language choice
sits behind one button), a language tapped by mistake does not become the participant's language,
and the last "Skicka in" button is wholly on screen on the tablet.

With STEGVIS_SCREENSHOTS=docs/screenshots the phone pictures are written for the README."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.instruments import get
from questionnaire.models import Participant, Questionnaire
from tests.browser.conftest import TABLET
from tests.conftest import fill_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}
#: 200 % zoom on the tablet: the layout of a viewport half as wide and high, at twice the density.
ZOOMED = {"viewport": {"width": TABLET["width"] // 2, "height": TABLET["height"] // 2},
          "device_scale_factor": 2}
WAIT = 15_000


def screenshot(page, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("STEGVIS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / name)
    return folder / name


def inside_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= size["height"]
            and box["x"] + box["width"] <= size["width"])


def longest_question(instrument: str, locale: str) -> str:
    """The key of the instrument's question with the longest text in this language."""
    from questionnaire.i18n import tr_in

    inst = get(instrument)
    return max((i for i in inst.items if not i.is_text),
               key=lambda i: len(tr_in(locale, i.text))).key


@pytest.mark.parametrize("screen", ["phone", "zoomed"])
@pytest.mark.parametrize("locale", ["ar", "ti"])
def test_an_answer_is_on_screen_at_first_view(live_server, new_tablet, make_participant, tmp_path,
                                              locale, screen):
    page = new_tablet(**(PHONE if screen == "phone" else ZOOMED))
    person = make_participant(days_ago=200, language=locale)  # SKAPA 6 months, then NNS
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    assert page.locator("html").get_attribute("lang") == locale
    assert inside_viewport(page, "button.step"), "the first answer needs scrolling"
    if screen == "phone":
        screenshot(page, tmp_path, f"phone-question-{locale}.png")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    # the question with the longest text in this language, too
    nns = db.session.scalars(sa.select(Questionnaire).filter_by(instrument="nns-pagaende")).one()
    page.goto(f"{live_server}/q/{nns.id}/fraga/{longest_question('nns-pagaende', locale)}")
    assert inside_viewport(page, "button.step"), "the first answer needs scrolling"


def test_the_language_menu_is_one_button_and_works_without_javascript(
        live_server, browser, make_participant):
    context = browser.new_context(java_script_enabled=False, has_touch=True, locale="sv-SE",
                                  **PHONE)
    page = context.new_page()
    person = make_participant(language="ar")
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    menu = page.locator("details.language-menu")
    expect(menu.locator("summary")).to_contain_text("العربية")  # the language now shown
    expect(page.locator("nav.languages a[hreflang='ti']")).to_be_hidden()  # closed at first
    menu.locator("summary").tap()
    with page.expect_navigation():
        page.locator("nav.languages a[hreflang='ti']").tap()
    assert page.locator("html").get_attribute("lang") == "ti"
    assert inside_viewport(page, "button.step")
    context.close()


def test_a_language_tapped_by_mistake_is_not_remembered(live_server, new_tablet,
                                                        make_participant):
    page = new_tablet(**PHONE)
    person = make_participant(language="ar")
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    page.locator("details.language-menu summary").tap()
    page.locator("nav.languages a[hreflang='uk']").tap()
    expect(page.locator("html")).to_have_attribute("lang", "uk", timeout=WAIT)
    page.reload()  # the page stays in the language chosen ...
    expect(page.locator("html")).to_have_attribute("lang", "uk", timeout=WAIT)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).language == "ar"  # ... but it is not theirs
    # back to Arabic without answering: still Arabic, nothing changed
    page.locator("details.language-menu summary").tap()
    page.locator("nav.languages a[hreflang='ar']").tap()
    expect(page.locator("html")).to_have_attribute("lang", "ar", timeout=WAIT)
    page.locator("details.language-menu summary").tap()
    page.locator("nav.languages a[hreflang='ti']").tap()
    expect(page.locator("html")).to_have_attribute("lang", "ti", timeout=WAIT)
    page.locator("button.step[value='3']").tap()  # an answer given in Tigrinya
    expect(page.locator("#progress")).to_have_text("ሕቶ 2 ካብ 6", timeout=WAIT)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).language == "ti"  # now it is theirs

    token = links.create(person)  # the next link opens in it
    db.session.commit()
    fresh = new_tablet(**PHONE)
    fresh.goto(f"{live_server}/l/{token}")
    assert fresh.locator("html").get_attribute("lang") == "ti"


@pytest.mark.parametrize("instrument", ["skapa", "nns-pagaende"])
def test_the_last_send_button_is_wholly_on_screen_on_the_tablet(live_server, tablet,
                                                                make_participant, instrument):
    person = make_participant(days_ago=200)
    token = links.create(person)
    db.session.commit()
    tablet.goto(f"{live_server}/l/{token}")
    steps = {i.key: i.scale.max for i in get(instrument).items if not i.is_text}
    q = fill_in(person, instrument, "6m", steps,
                complete=False)
    tablet.goto(f"{live_server}/q/{q.id}/sammanfattning")
    send = tablet.locator("form[action$='/klar'] button")
    assert inside_viewport(tablet, "form[action$='/klar'] button"), "cut off at first view"
    assert send.evaluate("el => document.elementFromPoint(...(r => [r.x + r.width / 2,"
                         " r.y + r.height / 2])(el.getBoundingClientRect())) === el"
                         " || el.contains(document.elementFromPoint(...(r => [r.x + r.width / 2,"
                         " r.y + r.height / 2])(el.getBoundingClientRect())))")
    # scrolled to the end, the last answer is not hidden behind it
    tablet.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last = tablet.locator("ol.summary li").last.bounding_box()
    assert last["y"] + last["height"] <= send.bounding_box()["y"] + 1
