"""A handledare's morning in real Chromium (issue 18, "Done when"): the caseload with the overdue
first, a due 6-month rating handed over on the tablet, the tablet taken back half-way and the
rating finished later, the parallel rating on the due timepoint, a note corrected, the dialogue
view, the star printed to PDF; then a samordnare downloads last period's NNS table.

With STEGVIS_SCREENSHOTS=docs/screenshots the README's pictures of the caseload, the dialogue
view and the printed star are written there."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.casework import codes
from questionnaire.extensions import db
from questionnaire.models import ActionNote, Insats, InsatsStaff, Questionnaire, ScheduleEntry
from questionnaire.reporting import periods
from tests.browser.conftest import TABLET, log_in
from tests.conftest import PASSWORD, fill_in, stored
from tests.reportdata import Data

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


def pictures(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("STEGVIS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def rated(person, inst, timepoint, days_ago, offset=0):
    fill_in(person, inst.key, timepoint,
            {i.key: min(i.scale_min + offset + n % 3, i.scale_max)
             for n, i in enumerate(inst.areas)},
            when=dt.datetime.now() - dt.timedelta(days=days_ago))


def unlock(tablet):
    tablet.fill("#password", PASSWORD)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lås upp").tap()


def test_a_handledares_morning(live_server, new_tablet, make_participant, make_user, runner,
                               tmp_path):
    if shutil.which("pdftotext") is None:
        message = "pdftotext not found (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = pictures(tmp_path)
    inst = next(i for i in instruments.published() if i.individual_results and i.areas)
    coming = make_participant(days_ago=40)  # intake rated, 6 months to come
    late = make_participant(days_ago=250)  # 6 months overdue
    due = make_participant(days_ago=190)  # 6 months due now
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule = []  # the self-rating only: the NNS forms are for the samordnare's part
    db.session.flush()
    insats.schedule = [ScheduleEntry(instrument=inst.key, timepoint=t)
                       for t in ("intake", "6m", "12m", "exit")]
    user = make_user("handledare")
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()
    for person, days_ago in ((coming, 35), (late, 245), (due, 185)):
        rated(person, inst, "intake", days_ago)

    # 1. the caseload: the overdue first, then the due, then what is coming
    tablet = new_tablet("sv-SE")
    log_in(tablet, live_server, user)
    tablet.goto(f"{live_server}/personal/deltagare")
    text = tablet.locator("main, body").first.inner_text()
    where = [text.index(codes.display(p.code)) for p in (late, due, coming)]
    assert where == sorted(where), "not overdue first, then due, then coming"
    tablet.screenshot(path=out / "caseload.png")

    # 2. hand over the due 6-month rating, take the tablet back half-way
    with tablet.expect_navigation():
        tablet.get_by_role("link", name=codes.display(due.code)).tap()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lämna över surfplattan").tap()
    tablet.wait_for_selector("#progress")
    first = inst.areas[0]
    with tablet.expect_navigation():
        tablet.locator(f"button.step[value='{first.scale_min + 2}']").tap()
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Handledare: ta tillbaka").tap()
    unlock(tablet)
    assert tablet.url.endswith(f"/personal/deltagare/{due.code}")
    q = db.session.scalars(sa.select(Questionnaire).filter_by(
        respondent="deltagare", timepoint="6m")).one()
    assert stored(q.id) == {first.key: first.scale_min + 2}
    assert q.completed_at is None

    # 3. finish later: the tablet opens where the participant left off
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lämna över surfplattan").tap()
    tablet.wait_for_selector("#progress")
    assert tablet.locator("#progress").inner_text() == f"Fråga 2 av {len(inst.areas)}"
    for item in inst.areas[1:]:
        with tablet.expect_navigation():
            tablet.locator(f"button.step[value='{item.scale_min + 3}']").tap()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Skicka in mina svar").tap()
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Lämna tillbaka surfplattan").tap()
    unlock(tablet)
    assert tablet.url.endswith(f"/personal/deltagare/{due.code}")
    db.session.expire_all()
    assert db.session.get(Questionnaire, q.id).completed_at is not None

    # 4. the parallel rating, on the due timepoint
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Min skattning").tap()
    assert tablet.locator("#timepoint").input_value() == "6m"
    for item in inst.areas:
        tablet.locator(f"label.step:has(input[name='{item.key}'][value='{item.scale_min + 2}'])"
                       ).tap()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Spara min skattning").tap()
    staff = db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).one()
    assert staff.timepoint == "6m"

    # 5. a note with a typo, corrected by its author
    assert f"/personal/deltagare/{due.code}/dialog" in tablet.url
    tablet.fill("#goal", "Söka praktk")
    tablet.fill("#next_step", "Ringa Samhall på måndag")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lägg till i planen").tap()
    note = db.session.scalars(sa.select(ActionNote)).one()
    tablet.locator("details.note-edit summary").tap()
    tablet.fill(f"#goal-{note.id}", "Söka praktik")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Spara ändringen").tap()
    db.session.expire_all()
    assert db.session.get(ActionNote, note.id).goal == "Söka praktik"
    assert json.loads(db.session.get(ActionNote, note.id).previous)[0]["goal"] == "Söka praktk"

    # 6. the dialogue view, on the laptop at the desk: the star and its legend in sight
    tablet.set_viewport_size(LAPTOP)
    tablet.goto(tablet.url.split("#")[0])  # opened from the top
    tablet.wait_for_selector("#spider[data-drawn=true]")
    legend = tablet.locator("#spider .legend .traces")
    assert legend.count() == 3  # intake, 6 months, the handledare's
    for n in range(legend.count()):
        box = legend.nth(n).bounding_box()
        assert 0 <= box["y"] <= box["y"] + box["height"] <= LAPTOP["height"]
    tablet.screenshot(path=out / "dialogue.png")

    # 7. print the star: one A4 page with the chart and the plan
    with tablet.expect_navigation():
        tablet.get_by_role("link", name="Utskrift att ta med hem").tap()
    assert tablet.locator("svg.star").count() == 1
    tablet.set_viewport_size(TABLET)
    tablet.emulate_media(media="print")
    pdf = tmp_path / "star.pdf"
    tablet.pdf(path=str(pdf), format="A4", print_background=True)
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    assert "Söka praktik" in printed
    assert "Ringa Samhall på måndag" in printed
    assert "praktk" not in printed
    for item in inst.areas:  # the star's spokes are named (a long name on two lines)
        assert str(item.area).split()[0] in printed
    low, high = inst.areas[0].scale.min, inst.areas[0].scale.max
    assert f"{low} = lägst, {high} = högst" in printed
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "Pages:           1" in info
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf),
                    str(out / "printed-star")], check=True)

    # 8. a samordnare downloads last period's NNS table
    last = periods.last_complete(dt.date.today())
    day = (last.start + dt.timedelta(days=40)).isoformat()
    data = Data()
    for n in range(12):
        data.form(data.person("kvinna" if n % 2 else "man"), "nns-avslut", "exit", day,
                  {"N1": 5 if n < 9 else 1})
    data.load(runner, tmp_path)
    desk = new_tablet("sv-SE", viewport=LAPTOP, is_mobile=False)
    log_in(desk, live_server, make_user("samordnare", "samordnare@kommun.example"))
    desk.goto(f"{live_server}/personal/rapporter?rapport=nns")
    with desk.expect_download() as got:
        desk.locator("a[href*='format=csv-excel']").first.click()
    lines = [line for line in Path(got.value.path()).read_text(encoding="utf-8-sig").splitlines()
             if line.strip()]
    assert len(lines) > 2, lines
    assert any("N1" in line or "75" in line for line in lines[1:])
