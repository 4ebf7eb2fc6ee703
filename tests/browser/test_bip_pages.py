"""BIP beyond the participant in the browser (issue 15, item 5): a handledare fills in the BIP
rating beside the parallel rating and finds it in the dialogue view; a samordnare's round of the
organisation's self-assessment draws its spider diagram. Every page passes axe at tablet size."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from questionnaire import instruments, surveys
from questionnaire.extensions import db
from questionnaire.models import Insats, InsatsStaff, Questionnaire
from questionnaire.reporting import periods
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import violations
from tests.conftest import fill_in

pytestmark = pytest.mark.browser


def test_the_handledare_rates_bip_and_sees_it_in_the_dialogue(live_server, tablet, make_user,
                                                               make_participant):
    person = make_participant(days_ago=190)
    skapa = instruments.get("skapa")
    fill_in(person, "skapa", "intake", {i.key: 2 for i in skapa.areas})
    user = make_user("handledare")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()
    log_in(tablet, live_server, user)
    tablet.goto(f"{live_server}/personal/deltagare?urval=insatsen")
    assert "BIP-bedömning saknas" in tablet.inner_text("table.caseload")
    found = {"caseload": violations(tablet)}
    tablet.goto(f"{live_server}/personal/deltagare/{person.code}/skattning")
    found["rating"] = violations(tablet)
    steps = tablet.locator("section.staff-forms label.step")
    steps.nth(3).tap()  # the first statement: 4
    steps.nth(6).tap()  # the second: 2
    with tablet.expect_navigation():
        tablet.locator("section.staff-forms button[type=submit]").tap()
    assert tablet.url.endswith(f"/personal/deltagare/{person.code}/dialog")
    table = tablet.inner_text("section.staff-table")
    assert "Handledarens bedömning (BIP)" in table
    assert "6 månader" in table
    found["dialogue"] = violations(tablet)
    q = db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).one()
    assert sorted(a.step for a in q.answers) == [2, 4]
    assert {name: v for name, v in found.items() if v} == {}


def test_a_round_of_the_organisation_form_draws_its_profile(live_server, tablet, make_user):
    inst = instruments.get("bip-organisation")
    survey_round = surveys.open_round(inst, periods.Period(2025, "year"), 8)
    for n in range(5):
        surveys.record(inst, {f"BO{k}": 1 + (n + k) % 5 for k in range(1, 7)}, month="2026-03",
                       source="web", round_id=survey_round.id)
    user = make_user("samordnare")
    db.session.commit()
    log_in(tablet, live_server, user)
    tablet.goto(f"{live_server}/personal/enkatomgangar/{survey_round.id}")
    tablet.wait_for_selector("#spider[data-drawn=true]")
    assert "Gruppresultat per område" in tablet.inner_text("main")
    assert violations(tablet) == []
