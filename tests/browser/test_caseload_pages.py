"""The caseload and the samordnare's start page in real Chromium, on a laptop (1366×768) and a
tablet (820×1180): nothing runs off the side of the page, and what a coach looks for first (the
counts, "min vecka", the most urgent row; the due and overdue per insats) is on the first screen.
Screenshots go to STEGVIS_SCREENSHOTS (a folder) when it is set."""

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.casework import codes, schedule
from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, InsatsStaff
from tests.browser.conftest import CHROMIUM, log_in
from tests.conftest import fill_in

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "tablet": {"width": 820, "height": 1180}}
TODAY = dt.date.today()


def _caseload(make_participant, make_user):
    """A handledare and a samordnare in one insats with participants overdue, due, coming and
    falling due this week; a colleague's participant too."""
    inst = next(i for i in instruments.published() if i.individual_results and i.areas)
    handledare = make_user("handledare", "anna.handledare@kommun.example")
    colleague = make_user("handledare", "bo.handledare@kommun.example")
    boss = make_user("samordnare", "samordnare@kommun.example")
    people = [make_participant(days_ago=d, insats="Steget mot arbete")
              for d in (60, 2, -10, (TODAY - schedule.add_months(TODAY, -6)).days - 4, 40)]
    make_participant(days_ago=3, insats="Vägen in")
    fill_in(people[3], inst.key, "intake", {i.key: i.scale_min for i in inst.areas},
            when=dt.datetime.now() - dt.timedelta(days=170))
    for name in ("Steget mot arbete", "Vägen in"):
        insats = db.session.scalar(sa.select(Insats).filter_by(name=name))
        for user in (handledare, colleague, boss):
            db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    for person, who in zip(people, (handledare, handledare, handledare, handledare, colleague),
                           strict=True):
        db.session.scalars(sa.select(Enrolment).filter_by(participant_id=person.id)).one(
        ).handledare_id = who.id
    db.session.commit()
    return handledare, boss, people


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _on_first_screen(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None
    assert box["y"] + box["height"] <= height, box


def _shoot(page, name):
    folder = os.environ.get("STEGVIS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_caseload_and_start_page_fit(live_server, browser, make_participant, make_user, size):
    assert os.path.exists(CHROMIUM)
    handledare, boss, people = _caseload(make_participant, make_user)
    context = browser.new_context(viewport=SIZES[size], has_touch=True,
                                  locale="sv-SE")
    page = context.new_page()
    try:
        log_in(page, live_server, handledare)
        page.goto(f"{live_server}/personal/deltagare")
        _no_sideways_scroll(page)
        _on_first_screen(page, page.locator(".caseload-counts"))
        _on_first_screen(page, page.locator("#week-h"))
        assert codes.display(people[3].code) in page.locator(".week").inner_text()
        first_row = page.locator("table.caseload tbody tr").first
        assert codes.display(people[0].code) in first_row.inner_text()  # overdue first
        _shoot(page, f"caseload-{size}")

        page.goto(f"{live_server}/personal/deltagare/{people[1].code}")
        _no_sideways_scroll(page)
        _shoot(page, f"participant-{size}")
        page.select_option("#handledare", label="bo.handledare@kommun.example")
        with page.expect_navigation():
            page.get_by_role("button", name="Byt handledare").tap()
        assert "bo.handledare@kommun.example är nu deltagarens handledare." in page.inner_text(
            "body")

        page.goto(f"{live_server}/personal/deltagare?urval=insatsen")
        assert "bo.handledare@kommun.example" in page.locator("table.caseload").inner_text()
        _no_sideways_scroll(page)
        _shoot(page, f"caseload-insatsen-{size}")

        page.context.clear_cookies()
        log_in(page, live_server, boss)
        assert page.url.endswith("/personal/")
        _no_sideways_scroll(page)
        table = page.locator("table.overview").first
        _on_first_screen(page, table)
        assert "Steget mot arbete" in table.inner_text()
        _shoot(page, f"start-samordnare-{size}")
    finally:
        context.close()
