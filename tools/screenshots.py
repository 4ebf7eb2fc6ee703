"""Take the README's screenshots: answers a due questionnaire through a participant link.

Usage: python tools/screenshots.py URL OUTDIR   (the app must be running; Debian's Chromium)
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 820, "height": 1180}, has_touch=True,
                                device_scale_factor=1)
        page.goto(url)
        page.screenshot(path=out / "question.png")
        for n in range(6):
            page.locator("button.step").nth([3, 2, 4, 3, 3, 4][n]).tap()
            page.wait_for_load_state("networkidle")
        page.screenshot(path=out / "summary.png", full_page=True)
        page.locator("form[action$='/klar'] button").tap()
        page.wait_for_selector("#spider[data-drawn=true]")
        page.screenshot(path=out / "chart.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
