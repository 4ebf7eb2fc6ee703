"""The dialogue view on a laptop, the printed star as a PDF and the participant's own journey,
in real Chromium (issue 18, items 8–10)."""

import datetime as dt
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Insats, InsatsStaff
from tests.browser.conftest import log_in
from tests.conftest import fill_in
from tests.xlsforms import vellinge

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


def self_rating():
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def complete(person, inst, timepoint, steps, days_ago, respondent="deltagare"):
    fill_in(person, inst.key, timepoint,
            {item.key: item.scale_min + s for item, s in zip(inst.areas, steps, strict=False)},
            respondent=respondent, when=dt.datetime.now() - dt.timedelta(days=days_ago))


def coach(make_user, insats="Testinsatsen"):
    user = make_user("handledare")
    found = db.session.scalar(sa.select(Insats).filter_by(name=insats))
    db.session.add(InsatsStaff(insats_id=found.id, user_id=user.id))
    db.session.commit()
    return user


def test_the_legend_is_in_sight_on_a_laptop(live_server, new_tablet, make_participant,
                                            make_user):
    inst = self_rating()
    person = make_participant(days_ago=400)
    n = len(inst.areas)
    complete(person, inst, "intake", [k % 3 for k in range(n)], 390)
    complete(person, inst, "6m", [k % 4 for k in range(n)], 200)
    complete(person, inst, "12m", [k % 5 for k in range(n)], 20)
    complete(person, inst, "12m", [2] * n, 19, respondent="handledare")
    laptop = new_tablet("sv-SE", viewport=LAPTOP, is_mobile=False)
    log_in(laptop, live_server, coach(make_user))
    laptop.goto(f"{live_server}/personal/deltagare/{person.code}/dialog?instrument={inst.key}")
    laptop.wait_for_selector("#spider[data-drawn=true]")
    entries = laptop.locator("#spider .legend .traces")
    assert entries.count() == 4
    for k in range(entries.count()):
        box = entries.nth(k).bounding_box()
        assert box["y"] >= 0, "a legend entry above the window"
        assert box["y"] + box["height"] <= LAPTOP["height"], "a legend entry below the fold"
    spokes = laptop.locator("#spider .angularaxistick text")
    assert spokes.count() == n  # the whole star is drawn, not only its legend


def pdf_of(page, tmp_path):
    """The page printed to PDF by Chromium, read back by poppler: (text, number of pages)."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext not found (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "star.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    return text, pages


@pytest.mark.parametrize("language", ["sv", "ar"])
def test_the_printed_star_is_one_a4_page_with_the_chart_and_the_plan(
        live_server, new_tablet, make_participant, make_user, tmp_path, language):
    instruments.publish(instruments.read(vellinge()))
    db.session.commit()
    person = make_participant(days_ago=200, insats="Vellinge", language=language)
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Vellinge"))
    insats.schedule = [e for e in insats.schedule if e.instrument == "vellinge"]
    db.session.commit()
    inst = instruments.get("vellinge")
    complete(person, inst, "intake", [0, 1, 2, 1], 190)
    complete(person, inst, "6m", [2, 3, 4, 2], 3)
    laptop = new_tablet("sv-SE", viewport=LAPTOP, is_mobile=False)
    log_in(laptop, live_server, coach(make_user, "Vellinge"))
    laptop.goto(f"{live_server}/personal/deltagare/{person.code}/dialog")
    laptop.fill("#goal", "Ringa Arbetsförmedlingen")
    laptop.fill("#next_step", "Boka ett möte")
    with laptop.expect_navigation():
        laptop.get_by_role("button", name="Lägg till i planen").click()
    with laptop.expect_navigation():
        laptop.get_by_role("link", name="Utskrift att ta med hem").click()
    star = laptop.locator("svg.star")
    assert star.count() == 1
    assert star.locator("polygon, path").count() >= 2
    text, pages = pdf_of(laptop, tmp_path)
    assert pages == 1
    assert "Ringa Arbetsförmedlingen" in text
    assert "Egenmakt" in text  # an area's name, drawn in the star
    assert "0 = lägst, 4 = högst" in text
    assert "Nästa träff" in text
    assert "Skriv ut" not in text  # the buttons are not printed
    if language == "ar":
        assert "التمكين" in text  # the star's area name in Arabic too


@pytest.mark.parametrize(("locale", "language"), [("sv-SE", None), ("ar", "ar")])
def test_the_journey_on_the_participants_own_link(live_server, new_tablet, make_participant,
                                                  locale, language):
    inst = self_rating()
    person = make_participant(days_ago=400, exit_days_ago=5, language=language)
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule = [e for e in insats.schedule if e.instrument == inst.key]
    db.session.commit()
    n = len(inst.areas)
    complete(person, inst, "intake", [k % 2 for k in range(n)], 395)
    complete(person, inst, "6m", [k % 3 for k in range(n)], 215)
    complete(person, inst, "exit", [k % 4 + 1 for k in range(n)], 4)
    token = links.create(person)
    db.session.commit()
    phone = new_tablet(locale)
    phone.goto(f"{live_server}/l/{token}")
    phone.wait_for_selector("#spider[data-drawn=true]")
    assert phone.locator("html").get_attribute("dir") == ("rtl" if language else "ltr")
    assert phone.locator("#spider .scatterlayer .trace").count() == 3
    table = phone.locator("table.journey")
    assert table.locator("thead th").count() == 4  # the area, then intake, 6 months, exit
    assert table.locator("tbody tr").count() == n
    box = phone.locator("#spider").bounding_box()
    assert box["width"] <= phone.viewport_size["width"]
