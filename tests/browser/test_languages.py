"""A whole questionnaire in Arabic and Tigrinya with a language switch half-way; Ethiopic glyphs
really render (not tofu boxes); the read-aloud button."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Participant, Questionnaire
from tests.conftest import fill_in, skapa, stored

pytestmark = pytest.mark.browser

FAKE_SPEECH = """
(() => {
  const spoken = [];
  const voices = %s;
  window.__spoken = spoken;
  Object.defineProperty(window, "speechSynthesis", {value: {
    getVoices: () => voices,
    speak: (u) => { spoken.push({text: u.text, lang: u.lang}); if (u.onend) setTimeout(u.onend); },
    cancel: () => {},
    addEventListener: () => {},
  }});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""


# Web-first assertions wait without evaluating strings in the page (its CSP forbids eval).
WAIT = 15_000  # ms, for a loaded machine


def tap_answer(page, step: int, progress_after: str) -> None:
    page.locator(f"button.step[value='{step}']").tap()
    expect(page.locator("#progress")).to_have_text(progress_after, timeout=WAIT)


def glyphs_render(page, selector: str, letter: str = "ሀ") -> bool:
    """Screenshot the text, then the same element with every letter replaced by one and the same
    letter. Tofu boxes look alike, so the two pictures are equal exactly when the script's glyphs
    are missing."""
    element = page.locator(selector)
    real = element.screenshot()
    element.evaluate("""(el, letter) => { el.dataset.text = el.textContent;
        el.textContent = [...el.textContent].map(c => /\\s|\\?/.test(c) ? c : letter).join(''); }""",
                     letter)
    same_letter = element.screenshot()
    element.evaluate("el => { el.textContent = el.dataset.text; }")
    return real != same_letter


def test_the_glyph_check_sees_tofu(live_server, new_tablet):
    page = new_tablet()
    page.goto(f"{live_server}/")
    page.locator("h1").evaluate("el => el.textContent = '\\u{F0001}\\u{F0002}\\u{F0003}'")
    assert not glyphs_render(page, "h1", letter="\U000F0001")  # private use: no font has it


def test_whole_questionnaire_in_arabic_then_tigrinya(live_server, new_tablet, make_participant):
    page = new_tablet("sv-SE")
    person = make_participant(language="ar")
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # right to left: the number of each step is at the right edge, the label left of it
    first = page.locator("button.step").first
    num, label = first.locator(".num").bounding_box(), first.locator(".label").bounding_box()
    assert num["x"] > label["x"]
    tap_answer(page, 2, "السؤال 2 من 6")
    tap_answer(page, 5, "السؤال 3 من 6")
    tap_answer(page, 3, "السؤال 4 من 6")

    page.locator("details.language-menu summary").click()  # switch half-way
    page.locator("nav.languages a[hreflang='ti']").click()
    expect(page.locator("html")).to_have_attribute("lang", "ti", timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#progress")).to_have_text("ሕቶ 4 ካብ 6")
    expect(page.locator("#question-text")).to_have_text("ክትሰርሑ ክትክእሉ ትኣምኑ ዶ?")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("""() => [...document.fonts].some(f =>
        f.family.replace(/"/g, '') === 'Stegvis Ethiopic' && f.status === 'loaded')""")
    assert glyphs_render(page, "#question-text")
    tap_answer(page, 4, "ሕቶ 5 ካብ 6")
    tap_answer(page, 1, "ሕቶ 6 ካብ 6")
    page.locator("button.decline").tap()
    page.wait_for_url("**/sammanfattning")
    summary = page.locator("main").inner_text()
    assert "2 – ሕማቕ" in summary  # the answers given in Arabic, shown in Tigrinya
    assert "ክምልስ ኣይደልን" in summary  # the declined last one
    page.locator("form[action$='/klar'] button").click()
    page.wait_for_selector("#spider .main-svg")

    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 2, "S2": 5, "S3": 3, "S4": 4, "S5": 1, "S6": "declined"}
    assert q.completed_at is not None
    assert db.session.get(Participant, person.id).language == "ti"  # remembered


def test_arabic_chart_labels_and_glyphs(live_server, new_tablet, make_participant):

    page = new_tablet()
    person = make_participant(language="ar")
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    q = fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2), complete=False)
    page.goto(f"{live_server}/q/{q.id}/sammanfattning")
    page.locator("form[action$='/klar'] button").click()
    page.wait_for_selector("#spider .main-svg")
    labels = [t.strip("\u2068\u2069")  # each label isolated in its own reading order
              for t in page.locator("#spider .angularaxistick text").all_text_contents()]
    assert "الصحة" in labels
    assert glyphs_render(page, "h1")


def first_question(live_server, new_tablet, make_participant, language: str, voices: str):
    """A participant's first question on a tablet whose speech synthesis has these voices."""
    page = new_tablet()
    page.add_init_script(FAKE_SPEECH % voices)
    token = links.create(make_participant(language=language))
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    page.wait_for_selector("#progress")
    return page


def test_read_aloud_speaks_the_question_and_options_in_the_page_language(
        live_server, new_tablet, make_participant):
    page = first_question(live_server, new_tablet, make_participant, "ar",
                          '[{"lang": "ar-SA", "name": "Arabic"}]')
    speak = page.locator("#speak")
    expect(speak).to_be_visible()
    speak.tap()
    expect(speak).to_have_attribute("aria-pressed", "false", timeout=WAIT)  # read to the end
    spoken = page.evaluate("window.__spoken")
    assert spoken[0] == {"text": "كيف تقيّم صحتك من حيث قدرتك على القيام بعمل؟", "lang": "ar-SA"}
    assert spoken[1]["text"] == "1, سيئة جدًا"
    assert spoken[-1]["text"] == "لا أريد الإجابة"
    assert len(spoken) == 7


def test_no_voice_and_no_recording_hides_the_button(live_server, new_tablet, make_participant):
    page = first_question(live_server, new_tablet, make_participant, "ti",  # no Tigrinya voice
                          '[{"lang": "ar-SA", "name": "Arabic"}]')
    expect(page.locator("#speak")).to_be_hidden()


def test_a_recording_plays_even_without_a_voice(live_server, new_tablet, make_participant):
    from questionnaire import instruments
    from questionnaire.models import Recording

    db.session.add(Recording(  # an approved take of S1 (not real audio: its request is what counts)
        instrument_version_id=instruments.version_row(instruments.get("skapa")).id,
        part="item:S1", locale="ti", mime="audio/ogg", data=b"OggS", digest="1" * 64,
        approved=True, created_month="2026-11"))
    db.session.commit()
    page = first_question(live_server, new_tablet, make_participant, "ti", "[]")
    speak = page.locator("#speak")
    expect(speak).to_be_visible()
    with page.expect_request("**/q/*/ljud/*"):
        speak.tap()
    expect(speak).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    assert page.evaluate("window.__spoken") == []  # no Tigrinya voice: nothing else to read
