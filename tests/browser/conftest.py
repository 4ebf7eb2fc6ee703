"""Browser tests: the app served on loopback, driven by Playwright in Debian's Chromium at tablet
size with touch. Where CI runs (CI=true), a missing browser fails the run instead of skipping."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("STEGVIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TABLET = {"width": 820, "height": 1180}


def _need_browser() -> None:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    before = set(threading.enumerate())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)
    # Requests still in flight (a keep-alive ping, the service worker's fetch) hold database
    # connections: let them finish, so that the app fixture's dispose() closes every one.
    for leftover in set(threading.enumerate()) - before:
        if "process_request" in leftover.name:  # socketserver's request threads
            leftover.join(5)


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def tablet(browser, request):
    """A tablet. Tests that intercept the app's requests (page.route) are marked
    `intercepts_requests`: Playwright does not see requests once the service worker controls the
    page, so theirs is blocked (the in-page queue is what they test)."""
    blocked = request.node.get_closest_marker("intercepts_requests") is not None
    context = browser.new_context(viewport=TABLET, has_touch=True, is_mobile=True,
                                  locale="sv-SE", service_workers="block" if blocked else "allow")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_tablet(browser):
    """Open more tablets: new_tablet("ar") is a fresh browser whose language is Arabic."""
    contexts = []

    def open_tablet(locale: str = "sv-SE", **options):
        settings = {"viewport": TABLET, "has_touch": True, "is_mobile": True, **options}
        context = browser.new_context(locale=locale, **settings)
        contexts.append(context)
        return context.new_page()

    yield open_tablet
    for context in contexts:
        context.close()


def log_in(page, live_server: str, user) -> None:
    """Log a staff member in on this tablet."""
    from tests.conftest import PASSWORD

    page.goto(live_server + "/personal/logga-in")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").tap()


def hand_over(page, live_server: str, person, make_user, before_login=None):
    """A handledare of the participant's insats logs in on this tablet and hands it over;
    returns the handledare. `before_login` runs first (e.g. installing the page's clock)."""
    import sqlalchemy as sa

    from questionnaire.extensions import db
    from questionnaire.models import Enrolment, InsatsStaff

    user = make_user("handledare")
    insats_id = db.session.scalar(sa.select(Enrolment.insats_id).filter_by(
        participant_id=person.id))
    db.session.add(InsatsStaff(insats_id=insats_id, user_id=user.id))
    db.session.commit()
    if before_login is not None:
        before_login()
    log_in(page, live_server, user)
    page.goto(f"{live_server}/personal/deltagare/{person.code}")
    with page.expect_navigation():
        page.get_by_role("button", name="Lämna över surfplattan").tap()
    page.wait_for_selector("#progress")
    return user
