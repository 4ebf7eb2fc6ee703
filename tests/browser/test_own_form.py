"""A förbund's own form, written as an XLSForm file: answered on the tablet in Arabic on its
0–4 scale, rated in parallel by the handledare, and both ratings on the dialogue view's chart."""

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Insats, InsatsStaff, Questionnaire
from tests.browser.conftest import log_in
from tests.conftest import stored
from tests.xlsforms import vellinge

pytestmark = pytest.mark.browser


@pytest.fixture
def vellinge_person(app, make_participant):
    instruments.publish(instruments.read(vellinge()))
    db.session.commit()
    person = make_participant(insats="Vellinge", language="ar")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Vellinge"))
    # only the förbund's own form (a new insats gets every file's default timepoints)
    insats.schedule = [e for e in insats.schedule if e.instrument == "vellinge"]
    db.session.commit()
    return person


def test_own_form_in_arabic_then_the_handledare_sees_both_ratings(
        live_server, new_tablet, vellinge_person, make_user):
    token = links.create(vellinge_person)
    db.session.commit()
    tablet = new_tablet("ar")
    tablet.goto(f"{live_server}/l/{token}")
    assert tablet.locator("html").get_attribute("dir") == "rtl"
    assert "إلى أي مدى تشعر أنك تتحكم في حياتك؟" in tablet.locator("h1").inner_text()
    steps = tablet.locator("button.step")
    assert [steps.nth(n).get_attribute("value") for n in range(steps.count())] == [
        "0", "1", "2", "3", "4"]
    assert "لا على الإطلاق" in steps.nth(0).inner_text()  # step 0's own Arabic label
    for step in (0, 3, 4, 2):
        with tablet.expect_navigation():
            tablet.locator(f"button.step[value='{step}']").tap()
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="أرسل إجاباتي").tap()
    tablet.wait_for_selector("#spider[data-drawn=true]")
    assert "سوق العمل" in tablet.locator("#spider").inner_text()  # an Arabic axis label
    q = db.session.scalars(sa.select(Questionnaire).filter_by(instrument="vellinge")).one()
    assert stored(q.id) == {"V1": 0, "V2": 3, "V3": 4, "V4": 2}

    user = make_user("handledare")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Vellinge"))
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()
    laptop = new_tablet("sv-SE", viewport={"width": 1366, "height": 768})
    log_in(laptop, live_server, user)
    laptop.goto(f"{live_server}/personal/deltagare/{vellinge_person.code}/skattning")
    for key, step in (("V1", 1), ("V2", 3), ("V3", 2), ("V4", 2)):
        laptop.locator(f"input[name={key}][value='{step}']").check()
    with laptop.expect_navigation():
        laptop.get_by_role("button", name="Spara min skattning").click()
    laptop.wait_for_selector("#spider[data-drawn=true]")
    assert laptop.locator("#spider .scatterlayer .trace").count() == 2
    legend = " ".join(laptop.locator("#spider .legendtext").all_text_contents())
    assert "Inskrivning" in legend
    assert "Handledarens skattning" in legend
    rows = laptop.locator("table.dialogue-table tbody tr")
    assert rows.count() == 4
    assert rows.nth(0).locator("th").inner_text().startswith("Egenmakt")
    assert "Hur mycket känner du att du själv kan styra ditt liv?" in laptop.locator(
        "table.side-by-side").inner_text()
