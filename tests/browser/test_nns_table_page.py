"""The NNS annual table on a laptop screen (1366×768): the table fits the width, the indicators
read in order, the change is read out in words, not as an arrow, and axe finds nothing."""

import os

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_accessibility import violations
from tests.test_nns_table import EARLIER, YEAR, year_data  # noqa: F401 (a fixture)

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP, locale="sv-SE", has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_annual_table_fits_a_laptop_screen(laptop, live_server, make_user, year_data):  # noqa: F811
    log_in(laptop, live_server, make_user("samordnare"))
    laptop.goto(f"{live_server}/personal/rapporter?rapport=nns&period={YEAR.key}")
    table = laptop.locator("table.nns-annual")
    assert table.is_visible()
    scroll = laptop.locator(".table-scroll").first
    assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth")  # no sideways scrolling
    headings = laptop.locator("table.nns-annual tr.indicator th").all_inner_texts()
    assert [h.split(":")[0] for h in headings] == [f"Indikator {n}" for n in range(1, 17)]
    board = laptop.locator("table.nns-annual tr", has_text="ökning med 16,7 procentenheter")
    assert board.count() == 1
    assert laptop.locator("table.nns-years th", has_text=f"{EARLIER.year}/").count() == 1
    assert violations(laptop) == []
    shots = os.environ.get("STEGVIS_SCREENSHOTS")
    if shots:
        laptop.screenshot(path=os.path.join(shots, "nns-table-1366.png"))
        laptop.locator("table.nns-annual thead").scroll_into_view_if_needed()
        laptop.screenshot(path=os.path.join(shots, "nns-table-1366-top.png"))
        laptop.locator("#indikator-12").scroll_into_view_if_needed()
        laptop.screenshot(path=os.path.join(shots, "nns-table-1366-ind12.png"))
