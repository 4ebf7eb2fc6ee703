"""Page weight and time to usable, measured in real Chromium against a bare HTML form.

    .venv/bin/python bench/pages.py

Serves Stegvis (a fresh SQLite database, one participant) and a floor on loopback. The floor is a
bare Flask page with the same question as a plain HTML form: the same words and the same six
buttons, no style and no script, the least a browser can be sent for this question.

- Page weight: bytes on the wire (Chromium's encodedDataLength: gzip where the server compresses,
  headers included) for every request of the page, in a fresh browser: the first question (nothing
  cached), a later question (static files cached, as on a tablet already answering) and the
  spider-diagram page.
- Time to usable: Chromium with 4x CPU slowdown and a slow-4G network (150 ms round trip,
  1.6 Mbit/s down, 750 kbit/s up, Lighthouse's mobile profile), from navigation start to the end
  of DOMContentLoaded: the deferred answer script has run and the answer buttons take a tap.
Prints a table; run.py puts it into bench/out/bench.json.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("STEGVIS_CHROMIUM", "/usr/bin/chromium")
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
           "uploadThroughput": 750e3 / 8}
RUNS = 5  # time to usable: median of this many loads


def serve(app) -> tuple[str, object]:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def floor_app(question: str, labels: list[str]):
    """The same question as a bare HTML form: the least the browser could be sent."""
    from flask import Flask
    from markupsafe import escape

    app = Flask("floor")
    buttons = "".join(f'<button name="step" value="{n}">{n} {escape(label)}</button>'
                      for n, label in enumerate(labels, start=1))
    page = (f'<!doctype html><html lang="sv"><meta charset="utf-8"><title>Fråga</title>'
            f'<form method="post"><h1>{escape(question)}</h1>{buttons}'
            f'<button name="declined" value="1">Vill inte svara</button></form></html>')

    @app.get("/")
    def form() -> str:
        return page

    return app


def stegvis_app(database: str):
    """Stegvis with participants whose SKAPA intake is due; returns the app and one link each."""
    import datetime as dt

    from questionnaire import create_app, migrate
    from questionnaire.answering import links
    from questionnaire.casework import codes, schedule
    from questionnaire.extensions import db
    from questionnaire.models import Enrolment, Insats, Participant

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "PSEUDONYM_KEY": "bench", "LINK_LIMIT": "100000 per minute"})
    with app.app_context():
        migrate.upgrade()
        insats = Insats(name="Bench", schedule=schedule.default_schedule())
        tokens = []
        for _ in range(1 + RUNS):
            person = Participant(code=codes.generate(), language="sv")
            db.session.add(Enrolment(participant=person, insats=insats,
                                     start_date=dt.date.today()))
            db.session.flush()
            tokens.append(links.create(person))
        db.session.commit()
    return app, tokens


class Meter:
    """Bytes on the wire per page load, from the DevTools protocol."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.requests = 0
        self.cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict) -> None:
        self.bytes += event["encodedDataLength"]
        self.requests += 1

    def reset(self) -> None:
        self.bytes = 0
        self.requests = 0

    def slow_tablet(self) -> None:
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        self.cdp.send("Network.emulateNetworkConditions", SLOW_4G)


def usable_ms(page) -> float:
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return nav.domContentLoadedEventEnd - nav.startTime; }""")


def measure() -> dict:
    from playwright.sync_api import sync_playwright

    from questionnaire import instruments

    # the shipped SKAPA file's first question, in Swedish (the msgids are the Swedish texts)
    shipped = instruments.read((instruments.FILES / "skapa.xlsx").read_bytes())
    skapa = instruments.xlsform.build(shipped, 1).items[0]

    floor_base, floor_server = serve(floor_app(skapa.text, [s.label for s in skapa.scale.steps]))
    with tempfile.TemporaryDirectory() as tmp:
        app, tokens = stegvis_app(f"sqlite:///{tmp}/pages.db")
        base, server = serve(app)
        result: dict = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

                def tablet():
                    context = browser.new_context(viewport={"width": 820, "height": 1180},
                                                  has_touch=True, locale="sv-SE")
                    page = context.new_page()
                    return context, page, Meter(page)

                # page weight
                context, page, meter = tablet()
                page.goto(f"{floor_base}/", wait_until="networkidle")
                result["weight_floor"] = meter.bytes
                meter.reset()
                page.goto(f"{base}/l/{tokens[0]}", wait_until="networkidle")
                result["weight_first_question"] = meter.bytes
                result["requests_first_question"] = meter.requests
                page.locator("button.step[value='3']").tap()
                page.wait_for_url("**/fraga/S2")
                meter.reset()
                page.goto(page.url, wait_until="networkidle")  # a later question, files cached
                result["weight_later_question"] = meter.bytes
                for n in range(2, 7):
                    page.locator("button.step[value='4']").tap()
                    page.wait_for_url(f"**/fraga/S{n + 1}" if n < 6 else "**/sammanfattning")
                page.locator("form[action$='/klar'] button").click()
                page.wait_for_selector("#spider .main-svg")
                meter.cdp.send("Network.clearBrowserCache")  # the chart page, nothing cached
                meter.reset()
                page.goto(page.url, wait_until="networkidle")
                page.wait_for_selector("#spider .main-svg")
                result["weight_chart"] = meter.bytes
                context.close()

                # time to usable on a slow tablet
                times: dict[str, list[float]] = {"floor": [], "first": [], "later": []}
                for run in range(RUNS):
                    context, page, meter = tablet()
                    meter.slow_tablet()
                    page.goto(f"{floor_base}/")
                    times["floor"].append(usable_ms(page))
                    page.goto(f"{base}/l/{tokens[1 + run]}")
                    times["first"].append(usable_ms(page))
                    page.goto(page.url)  # a later question: static files come from the cache
                    times["later"].append(usable_ms(page))
                    context.close()
                for key, values in times.items():
                    result[f"usable_ms_{key}"] = round(statistics.median(values))
                browser.close()
        finally:
            server.shutdown()
            floor_server.shutdown()
    return result


def rows(r: dict) -> list[tuple]:
    """(figure, value, unit, floor, target, ok) for the summary table."""
    kb = 1024
    return [
        ("page weight: first question", r["weight_first_question"] / kb, "KB",
         r["weight_floor"] / kb, "≤ 50 KB", r["weight_first_question"] <= 50 * kb),
        ("page weight: later question", r["weight_later_question"] / kb, "KB",
         r["weight_floor"] / kb, "≤ 50 KB", r["weight_later_question"] <= 50 * kb),
        ("page weight: spider diagram", r["weight_chart"] / kb, "KB",
         r["weight_floor"] / kb, "≤ 450 KB", r["weight_chart"] <= 450 * kb),
        ("usable, slow tablet: first question", r["usable_ms_first"], "ms",
         r["usable_ms_floor"], "", None),
        ("usable, slow tablet: later question", r["usable_ms_later"], "ms",
         r["usable_ms_floor"], "< 1000 ms", r["usable_ms_later"] < 1000),
    ]


if __name__ == "__main__":
    from run import print_table

    print_table(rows(measure()))
