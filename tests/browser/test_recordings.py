"""Issue 17's Done-when: a recording made on the recording page plays on the participant's tablet
in Tigrinya. Chromium's fake microphone (a beep) stands in for the interpreter's voice: the
take is a real WebM/Opus recording made by MediaRecorder, never a file shipped with Stegvis."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Recording
from tests.browser.conftest import CHROMIUM, TABLET, log_in

pytestmark = pytest.mark.browser
WAIT = 15_000  # ms, for a loaded machine

#: A tablet with no voice for Tigrinya (as real ones have none), and a note of every recording
#: the page plays to its end.
NO_VOICE_AND_A_LISTENER = """
(() => {
  Object.defineProperty(window, "speechSynthesis", {value: {
    getVoices: () => [], speak: () => {}, cancel: () => {}, addEventListener: () => {},
  }});
  const Real = window.Audio;
  window.__played = [];
  window.Audio = function (src) {
    const audio = new Real(src);
    audio.addEventListener("ended", () => window.__played.push(
      {src: src, seconds: audio.currentTime}));
    return audio;
  };
})();
"""


@pytest.fixture(scope="module")
def media_browser(browser):
    """A second Chromium (from the same Playwright) with a fake microphone that needs no
    permission prompt: only this module's recording test uses it."""
    media = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
    yield media
    media.close()


def wait_for(page, expression: str, seconds: float = 15):
    """Poll a value in the page (the page's CSP forbids the eval of wait_for_function)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(200)
    raise AssertionError(f"{expression} stayed empty")


def test_a_recording_made_on_the_page_plays_on_the_tablet_in_tigrinya(
        live_server, media_browser, make_user, make_participant):
    desk = media_browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE",
                                     has_touch=True)
    page = desk.new_page()
    log_in(page, live_server, make_user("samordnare"))
    page.goto(f"{live_server}/personal/inspelningar/")
    page.get_by_role("link", name="ትግርኛ").first.click()  # SKAPA's newest version, in Tigrinya
    take = page.locator('[id="part-item:S1"]')
    expect(take.locator(".take-text")).to_have_attribute("lang", "ti")
    record = take.locator("button.record")
    record.click()
    expect(record).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1500)  # the interpreter reads the question
    record.click()
    listen = take.locator("audio")
    expect(listen).to_have_attribute("src", re.compile(r"/personal/inspelningar/lyssna/\d+\?v=\w+"),
                                      timeout=WAIT)
    # listen: the take plays back from the server, and is more than silence's length of nothing
    seconds = listen.evaluate("""a => a.play().then(() => new Promise(done => {
        a.addEventListener("ended", () => done(a.currentTime)); }))""")
    assert seconds > 0.5
    expect(take.locator(".take-status")).to_contain_text("godkänn")
    with page.expect_navigation():
        take.get_by_role("button", name="Godkänn").click()
    expect(page.locator('[id="part-item:S1"] .take-status')).to_have_text("Godkänd")
    stored = db.session.scalars(sa.select(Recording)).one()
    assert (stored.locale, stored.part, stored.mime, stored.approved) == (
        "ti", "item:S1", "audio/webm", True)
    desk.close()

    tablet = media_browser.new_context(viewport=TABLET, has_touch=True, is_mobile=True,
                                       locale="sv-SE")
    page = tablet.new_page()
    page.add_init_script(NO_VOICE_AND_A_LISTENER)
    token = links.create(make_participant(language="ti"))
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    expect(page.locator("html")).to_have_attribute("lang", "ti")
    speak = page.locator("#speak")
    expect(speak).to_be_visible()  # no Tigrinya voice on this tablet: the recording shows it
    with page.expect_response("**/q/*/ljud/*") as heard:
        speak.tap()
    assert heard.value.status in (200, 206)
    assert heard.value.headers["content-type"] == "audio/webm"
    played = wait_for(page, "window.__played")
    assert "/ljud/" in played[0]["src"]
    assert played[0]["seconds"] > 0.5  # it played to its end
    expect(speak).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    # the service worker keeps no copy of it (only pages and versioned static files)
    kept = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        }
        return urls; }""")
    assert not [u for u in kept if "/ljud/" in u]
    tablet.close()


def approved_take(part: str, locale: str = "ti") -> None:
    """An approved take (not real audio: what the tablet asks for is what counts here)."""
    from questionnaire import instruments

    db.session.add(Recording(
        instrument_version_id=instruments.version_row(instruments.get("skapa")).id,
        part=part, locale=locale, mime="audio/ogg", data=b"OggS", digest=part.ljust(64, "0"),
        approved=True, created_month="2026-11"))
    db.session.commit()


def test_the_summary_reads_each_question_and_the_answer_given(live_server, new_tablet,
                                                              make_participant):
    from tests.browser.test_languages import FAKE_SPEECH
    from tests.conftest import fill_in, skapa

    approved_take("item:S1")
    approved_take("step:S1:2")
    page = new_tablet()
    page.add_init_script(FAKE_SPEECH % "[]")  # no Tigrinya voice
    person = make_participant(language="ti")
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    q = fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2), complete=False)
    page.goto(f"{live_server}/q/{q.id}/sammanfattning")
    speak = page.locator("#speak")
    expect(speak).to_be_visible()  # the recordings show it
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/ljud/" in r.url else None)
    speak.tap()
    expect(speak).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    assert len(dict.fromkeys(asked)) == 2  # S1's question, then its answer (step 2)


def test_thank_you_and_lock_screens_read_aloud_with_a_voice(live_server, new_tablet,
                                                           make_participant, make_user):
    from tests.browser.conftest import hand_over
    from tests.browser.test_languages import FAKE_SPEECH
    from tests.conftest import fill_in, skapa

    page = new_tablet()
    page.add_init_script(FAKE_SPEECH % '[{"lang": "ar-SA", "name": "Arabic"}]')
    person = make_participant(language="ar")
    hand_over(page, live_server, person, make_user)
    q = fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2), complete=False)
    page.goto(f"{live_server}/q/{q.id}/sammanfattning")
    page.locator("form[action$='/klar'] button").click()
    page.wait_for_url("**/tack")
    speak = page.locator("#speak")
    expect(speak).to_be_visible()
    speak.tap()
    expect(speak).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    assert page.evaluate("window.__spoken")[0]["text"] == "شكرًا على إجاباتك!"
    page.goto(f"{live_server}/personal/lamna-tillbaka?las=1")  # the tablet locks itself
    expect(page.locator("h1")).to_have_text("الجهاز اللوحي مقفل")
    expect(page.locator("#speak")).to_be_visible()
    page.locator("#speak").tap()
    expect(page.locator("#speak")).to_have_attribute("aria-pressed", "false", timeout=WAIT)
    assert "الجهاز اللوحي مقفل" in [s["text"] for s in page.evaluate("window.__spoken")]
