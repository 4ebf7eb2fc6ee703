"""The four professional NNS forms (domain.md A, "the four professional respondent groups"):
their wording, keys and scales exactly as NNS prints them, and never given to participants."""

import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.instruments import catalog
from questionnaire.models import Insats
from tests.test_caseload import post

#: Copied from domain.md part A: key, indicator, scale, form, question (exact).
DOMAIN_TABLE = """| P3 | 3 | F | personal | Får stödet som ni ger ta den tid som behövs? |
| P6 | 6 | E | personal | Finns det en tillräcklig planering för vad som ska hända efter att detta stöd upphör? |
| P8a | 8 | F | personal | Upplever du att de du samverkar med hos andra myndigheter lyssnar på dig? |
| P8b | 8 | F | personal | Upplever du att de du samverkar med hos andra myndigheter vet vad du kan tillföra? |
| P9 | 9 | E | personal | Tas erfarenheter, såsom kunskaper och synpunkter från deltagare systematiskt tillvara? |
| P10 | 10 | E | personal | Har ni rutiner för att samarbeta med andra aktörer i arbetet när det gäller insatser för deltagarna? |
| P12 | 12 | E | personal | Har ni strukturer för att initiera, upprätthålla och underhålla relationer mellan inblandade aktörer? |
| P13a | 13 | E | personal | Omfattas det synsätt ni har angående människors resurser och möjligheter av alla i den samordnade insatsen? |
| P13b | 13 | E | personal | Fungerar de olika arbetssätt ni har i den samordnade insatsen bra tillsammans? |
| P16a | 16 | E | personal | Har ni rutiner för att arbeta med jämställdhet, jämlikhet och mångfald i insatsen? |
| P16b | 16 | E | personal | Avsätts tid till lärande och reflektion kopplat till jämställdhet, jämlikhet och mångfald? |
| R3 | 3 | F | remittent | Får stödet till deltagarna i insatsen ta den tid som behövs? |
| R6 | 6 | E | remittent | Finns det en tillräcklig planering för vad som ska hända deltagarna efter avslutad insats? |
| R8a | 8 | F | remittent | Upplever du att de du samverkar med i insatsen lyssnar på dig? *(printed under indicator 6)* |
| R8b | 8 | F | remittent | Upplever du att de du samverkar med hos andra myndigheter vet vad du kan tillföra? |
| C9a | 9 | E | chefsgrupp | Tas erfarenheter, såsom kunskaper och synpunkter från deltagare systematiskt tillvara? |
| C9b | 9 | E | chefsgrupp | Medverkar individer med samordnade rehabiliteringsbehov i utvecklingen av insatser? |
| C10 | 10 | E | chefsgrupp | Har er samverkansgrupp ett strukturerat samarbete med aktörer utöver de som är medlemmar i samordningsförbundet? |
| C12 | 12 | E | chefsgrupp | Har ni strukturer för att initiera, upprätthålla och underhålla relationer mellan de samverkande myndigheterna? |
| C15a | 15 | E | chefsgrupp | Används erfarenheter från förbundsfinansierade insatser som underlag för fortsatt utveckling av samordnad arbetslivsinriktad rehabilitering? |
| C15b | 15 | E | chefsgrupp | Har erfarenheter från er samverkan lett till att förebyggande insatser utvecklats med avsikten att samordnad rehabilitering inte ska behöva bli aktuell? |
| C16a | 16 | E | chefsgrupp | Används könsuppdelad statistik i planering, beslut och prioriteringar? |
| C16b | 16 | E | chefsgrupp | Har ni integrerat jämställdhet, jämlikhet och mångfald i den samverkan som stöds av samordningsförbundet? |
| B12 | 12 | E | styrelse | Har ni strukturer för att initiera, upprätthålla och underhålla relationer mellan inblandade aktörer? |
| B14a | 14 | E | styrelse | Har ni en strategi för hur ni arbetar med uppföljning och utvärdering av de samordnade rehabiliteringsinsatserna? |
| B14b | 14 | E | styrelse | Använder ni uppföljning och utvärdering som underlag för att utveckla de samordnade rehabiliteringsinsatserna? |
| B16a | 16 | E | styrelse | Används könsuppdelad statistik i planering, beslut och prioriteringar? |
| B16b | 16 | E | styrelse | Har styrelsen integrerat jämställdhet, jämlikhet och mångfald i förbundets verksamhetsplanering? |
"""
F = ["Aldrig", "Sällan", "Ibland", "Ofta", "För det mesta", "Alltid"]
E = ["Inte alls", "Till liten del", "Till viss del", "Till stor del", "Till mycket stor del",
     "Helt och hållet"]
FORMS = ("personal", "remittent", "chefsgrupp", "styrelse")


def table() -> list[tuple[str, int, str, str, str]]:
    rows = []
    for line in DOMAIN_TABLE.strip().splitlines():
        key, indicator, scale, form, text = [c.strip() for c in line.strip("|").split("|")]
        rows.append((key, int(indicator), scale, form,
                     re.sub(r"\s*\*\(.*\)\*$", "", text)))  # a remark, not wording
    return rows


@pytest.mark.parametrize("form", FORMS)
def test_each_form_has_the_exact_wording_keys_and_scales_of_nns(app, form):
    inst = instruments.get(f"nns-{form}")
    expected = [r for r in table() if r[3] == form]
    assert [i.key for i in inst.items] == [r[0] for r in expected]
    for item, (key, indicator, scale, _form, text) in zip(inst.items, expected, strict=True):
        assert str(item.text) == text, key
        assert item.indicator == indicator, key
        assert [str(s.label) for s in item.scale.steps] == (F if scale == "F" else E), key
        assert [s.value for s in item.scale.steps] == [1, 2, 3, 4, 5, 6], key
        assert not item.required
        assert item.show_if is None


@pytest.mark.parametrize("form", FORMS)
def test_each_form_is_a_swedish_group_form_answered_by_its_respondent_group(app, form):
    inst = instruments.get(f"nns-{form}")
    assert inst.version == 1
    assert not inst.individual_results  # results: group
    assert inst.unofficial_translations
    assert inst.languages == ("sv",)
    assert inst.default_timepoints == ()
    assert inst.respondents == form
    assert not inst.for_participants
    assert inst.definition["settings"]["respondents"] == form


def test_the_shipped_files_publish_unchanged_and_export_round_trips(app, runner, tmp_path):
    for form in FORMS:
        out = tmp_path / f"{form}.xlsx"
        assert runner.invoke(args=["instrument", "export", f"nns-{form}", "--out",
                                   str(out)]).exit_code == 0
        result = runner.invoke(args=["instrument", "add", str(out)])
        assert result.exit_code == 0
        assert "inget ändrades" in result.output
        shipped = runner.invoke(args=["instrument", "add",
                                      str(instruments.FILES / f"nns-{form}.xlsx")])
        assert shipped.exit_code == 0
        assert "inget ändrades" in shipped.output


def test_professional_forms_are_not_extracted_into_the_participant_catalog():
    for form in FORMS:
        with open(instruments.FILES / f"nns-{form}.xlsx", "rb") as f:
            assert list(catalog.extract(f, None, None, {})) == []
    with open(instruments.FILES / "nns-pagaende.xlsx", "rb") as f:
        assert any(m[2] == "Får stödet ta den tid du behöver?"
                   for m in catalog.extract(f, None, None, {}))


def test_a_new_insats_never_gives_a_professional_form(app):
    given = {e.instrument for e in schedule.default_schedule()}
    assert given == {"skapa", "nns-pagaende", "nns-avslut"}


def test_the_schedule_page_offers_only_forms_that_participants_answer(client, login):
    login("samordnare")
    page = client.get("/personal/insatser/ny")
    assert page.status_code == 200
    assert 'value="nns-pagaende:6m"' in page.text
    assert "nns-personal" not in page.text
    assert "NNS personal" not in page.text
    refused = post(client, "/personal/insatser/ny", name="Ny insats",
                   schedule=["skapa:intake", "nns-personal:exit"])
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Insats)) == 0


def test_a_professional_form_has_a_settings_rule_for_the_respondents(app):
    definition = instruments.get("nns-styrelse").definition
    bad = {**definition, "settings": {**definition["settings"], "respondents": "alla",
                                      "default_timepoints": "6m"}}
    with pytest.raises(instruments.FormErrors) as e:
        instruments.read(instruments.xlsform.write(bad))
    reasons = [reason for _sheet, _row, reason in e.value.problems]
    assert any("respondents" in r and "personal" in r for r in reasons)
    ok = {**definition, "settings": {**definition["settings"], "respondents": "remittent",
                                     "default_timepoints": "6m"}}
    with pytest.raises(instruments.FormErrors) as e:
        instruments.read(instruments.xlsform.write(ok))
    assert any("default_timepoints" in r for _s, _r, r in e.value.problems)
