"""No answer lost on a bad network: three answers tapped offline are stored once, in order,
when the connection returns."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Answer, Questionnaire
from tests.conftest import stored

pytestmark = pytest.mark.browser


def test_answers_tapped_offline_are_sent_once_when_back_online(live_server, browser,
                                                                make_participant):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True,
                                  locale="sv-SE")
    page = context.new_page()
    person = make_participant()
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    expect(page.locator("#progress")).to_have_text("Fråga 1 av 6")

    context.set_offline(True)
    for step, progress in ((2, "Fråga 2 av 6"), (5, "Fråga 3 av 6"), (3, "Fråga 4 av 6")):
        page.locator(f"button.step[value='{step}']").tap()
        # a web-first assertion: no string evaluated in the page (its CSP forbids eval)
        expect(page.locator("#progress")).to_have_text(progress, timeout=15_000)
    expect(page.locator("#save-status")).to_contain_text("3 svar väntar")
    queued = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('stegvis-queue'))")
    assert len(queued) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0

    context.set_offline(False)
    page.wait_for_url("**/fraga/S4", timeout=20000)
    q = db.session.scalars(sa.select(Questionnaire)).one()
    assert stored(q.id) == {"S1": 2, "S2": 5, "S3": 3}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 3
    assert page.evaluate("localStorage.length") == 0
    context.close()


def test_offline_questions_keep_their_language_plural_and_official_wording(live_server, browser,
                                                                          make_participant):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True,
                                  locale="sv-SE")
    page = context.new_page()
    person = make_participant(language="sv@lattlast", days_ago=200)  # NNS pågående is due
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    q = db.session.scalars(sa.select(Questionnaire).filter_by(instrument="nns-pagaende")).one()
    page.goto(f"{live_server}/q/{q.id}/fraga/N1?lang=ar")  # one language for the count...
    page.wait_for_selector("#progress")
    context.set_offline(True)
    page.locator("button.step[value='4']").tap()
    expect(page.locator("#save-status")).to_contain_text("إجابة واحدة في الانتظار")
    context.set_offline(False)
    page.wait_for_url("**/fraga/N2", timeout=20000)

    page.goto(f"{live_server}/q/{q.id}/fraga/N2?lang=sv@lattlast")  # ...and one for the original
    page.wait_for_selector("#progress")
    context.set_offline(True)
    page.locator("button.step[value='4']").tap()
    expect(page.locator("#progress")).to_have_text("Fråga 3 av 7")
    assert page.locator("#question-text").inner_text() == "Får stödet ta så lång tid som du behöver?"
    original = page.locator("details.original")
    expect(original).to_be_visible()
    original.locator("summary").tap()
    expect(page.locator("#original-text")).to_have_text("Får stödet ta den tid du behöver?")
    context.close()
