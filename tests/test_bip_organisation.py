"""BIP beyond the participant (domain.md A; issue 15, item 5): the organisation's BIP
self-assessment, six items in Stegvis's own plain Swedish (marked `own_wording` in settings),
answered anonymously by staff and reported per survey round as a group profile."""

import json
import re
import secrets
from decimal import Decimal

import pytest

from questionnaire import instruments, surveys
from questionnaire.extensions import db
from questionnaire.instruments import xlsform
from questionnaire.models import SurveyRound
from questionnaire.reporting import round_profile
from tests import xlsforms

KEY = "bip-organisation"
AREAS = ["Kontinuitet", "Täta kontakter", "Samordning", "Tilltro", "Arbetsmarknaden",
         "Varierade insatser"]


def test_the_organisation_form_is_a_staff_group_form_in_stegvis_own_words(app):
    inst = instruments.get(KEY)
    assert [str(i.area) for i in inst.areas] == AREAS
    assert len(inst.items) == 6
    assert all([s.value for s in i.scale.steps] == [1, 2, 3, 4, 5] for i in inst.items)
    assert str(inst.items[0].scale.steps[0].label) == "Stämmer inte alls"
    assert str(inst.items[0].scale.steps[-1].label) == "Stämmer helt"
    assert inst.respondents == "personal"
    assert not inst.for_participants  # answered anonymously in a survey round, never a tablet
    assert not inst.individual_results
    assert inst.own_wording
    assert not inst.unofficial_translations  # the wording is Stegvis's own, not someone else's
    assert inst.languages == ("sv",)
    assert not instruments.get("nns-personal").own_wording  # NNS's wording


def test_own_wording_is_yes_or_no():
    definition = xlsform.read(xlsforms.vellinge(own_wording="yes"))
    assert xlsform.build(definition, 1).own_wording
    assert not xlsform.build(xlsform.read(xlsforms.vellinge()), 1).own_wording
    with pytest.raises(instruments.FormErrors) as refused:
        xlsform.read(xlsforms.vellinge(own_wording="kanske"))
    assert "own_wording måste vara yes eller no" in "\n".join(refused.value.lines("v.xlsx"))


def new_round(key: str, title: str) -> SurveyRound:
    survey_round = SurveyRound(instrument=key, title=title, invited=8, period="2025",
                               max_responses=24, token=secrets.token_urlsafe(32))
    db.session.add(survey_round)
    db.session.flush()
    return survey_round


@pytest.fixture
def rounds(app):
    """Round A: six staff answered; round B: three (below K 5); two paper forms without round."""
    inst = instruments.get(KEY)
    made = []
    for title in ("Personal 2025/26", "Personal 2026/27"):
        made.append(new_round(KEY, title))
    db.session.flush()
    a = [(1, 2, 3, 4, 5, 5), (2, 2, 3, 4, 4, 5), (3, 2, 3, 4, 4, 4), (4, 2, 3, 4, 3, 4),
         (5, 2, 3, 4, 2, 3), (5, 2, None, 4, 1, 2)]
    for steps in a:
        surveys.record(inst, {f"BO{n}": s for n, s in enumerate(steps, start=1)},
                       month="2026-03", source="web", round_id=made[0].id)
    for _ in range(3):
        surveys.record(inst, {"BO1": 5}, month="2026-12", source="web", round_id=made[1].id)
    db.session.commit()
    return made


def test_group_profile_per_round_against_a_hand_count(rounds):
    rows = round_profile.profile(instruments.get(KEY), k=5)
    first = {r["item"]: r for r in rows if r["round"] == rounds[0].id}
    # BO1: 1,2,3,4,5,5 -> mean 20/6 = 3.33, median (3+4)/2
    assert (first["BO1"]["n"], first["BO1"]["mean"], first["BO1"]["median"]) == (
        6, Decimal("3.33"), Decimal("3.5"))
    # BO3: five answered 3 (one skipped)
    assert (first["BO3"]["n"], first["BO3"]["mean"]) == (5, Decimal("3.00"))
    # BO5: 5,4,4,3,2,1 -> 19/6
    assert first["BO5"]["mean"] == Decimal("3.17")
    assert [r["item"] for r in rows if r["round"] == rounds[0].id] == [
        f"BO{n}" for n in range(1, 7)]
    assert rows[0]["title"] == "Personal 2025/26"
    # round B: three answered, below K: the rows are there, blank
    second = [r for r in rows if r["round"] == rounds[1].id]
    assert len(second) == 6
    assert {r["n"] for r in second} == {None}
    assert {r["mean"] for r in second} == {None}


def profile_section(page: str) -> str:
    """The round page's profile section (empty when there is none)."""
    start = page.find('id="profile-h"')
    if start < 0:
        return ""
    return page[start:page.find("</section>", start)]


def test_the_round_page_shows_its_group_profile_with_a_spider_diagram(rounds, client, login):
    login("samordnare")
    page = client.get(f"/personal/enkatomgangar/{rounds[0].id}").text
    section = profile_section(page)
    assert section, page
    cells = [re.sub(r"<[^>]+>", "", c).strip()
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", section, re.S)]
    # BO1 Kontinuitet: 1,2,3,4,5,5 -> n 6, mean 3,33, median 3,5
    at = cells.index("Kontinuitet")
    assert cells[at + 1:at + 4] == ["6", "3,33", "3,5"]
    at = cells.index("Samordning")  # BO3: five answered 3
    assert cells[at + 1:at + 4] == ["5", "3,00", "3"]
    at = cells.index("Arbetsmarknaden")  # BO5: 5,4,4,3,2,1
    assert cells[at + 1:at + 3] == ["6", "3,17"]
    assert 'id="spider"' in page
    assert "plotly-polar" in page
    # the figure carries this round's means only
    data = json.loads(re.search(r'id="spider-data">(.*?)</script>', page, re.S).group(1))
    assert data["data"][0]["r"][:2] == [pytest.approx(3.33), pytest.approx(2.0)]
    assert len(data["data"]) == 1


def test_a_round_below_k_shows_too_few_answers_and_no_diagram(rounds, client, login):
    login("samordnare")
    page = client.get(f"/personal/enkatomgangar/{rounds[1].id}").text
    section = profile_section(page)
    assert "För få svar" in section
    assert "5,00" not in section  # the three answers to BO1 are not shown
    assert 'id="spider"' not in page


def test_a_round_of_a_form_without_areas_shows_no_profile(app, client, login):
    assert not instruments.get("nns-personal").areas
    survey_round = new_round("nns-personal", "Personal NNS")
    db.session.commit()
    login("samordnare")
    page = client.get(f"/personal/enkatomgangar/{survey_round.id}").text
    assert survey_round.title in page
    assert not profile_section(page)
    assert 'id="spider"' not in page
    assert "För få svar" not in page
