"""BIP beyond the participant (domain.md A; issue 15, item 5): the handledare's BIP rating of a
participant, the two caseworker indicators in Stegvis's own plain Swedish (`own_wording`),
rated by the handledare at the participant's timepoints beside the self-rating, shown to staff
in the dialogue view and the caseload, never on a page the participant sees."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.instruments import xlsform
from questionnaire.models import Answer, Questionnaire
from tests.conftest import csrf_token, fill_in
from tests.pagetext import visible_text
from tests.xlsforms import vellinge

KEY = "bip-handledare"


def form():
    return instruments.get(KEY)


def questions(inst):
    return [i for i in inst.items if i.scale is not None]


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def rate(client, person, timepoint="intake", first="4", second="2"):
    one, two = questions(form())
    return post(client, f"/personal/deltagare/{person.code}/bedomning", form=KEY,
                timepoint=timepoint, **{one.key: first, two.key: second})


def stored(person):
    return db.session.scalars(sa.select(Questionnaire).filter_by(instrument=KEY)).all()


def test_the_handledare_form_is_two_items_about_the_participant_in_stegvis_own_words(app):
    inst = form()
    assert inst.respondents == "handledare"
    assert inst.rated_by_handledare
    assert not inst.for_participants  # never on a schedule, the tablet or a hand-over
    assert inst.own_wording
    assert inst.languages == ("sv",)
    texts = [str(i.text) for i in questions(inst)]
    assert len(texts) == 2
    assert "tror" in texts[0]
    assert "jobb" in texts[0]
    assert "målmedvetet" in texts[1]
    assert "jobb" in texts[1]
    assert all("deltagaren" in t.lower() for t in texts)  # about the participant
    for item in questions(inst):
        assert [s.value for s in item.scale.steps] == [1, 2, 3, 4, 5]
        assert all(str(s.label) for s in item.scale.steps)  # every step labelled
    assert [i.key for i in instruments.rated_by_handledare()] == [KEY]
    assert KEY not in [i.key for i in instruments.for_participants()]
    assert not instruments.get("skapa").rated_by_handledare


def test_respondents_handledare_is_a_known_value_with_individual_results():
    built = xlsform.build(xlsform.read(vellinge(respondents="handledare", default_timepoints="")),
                          1)
    assert built.rated_by_handledare
    with pytest.raises(instruments.FormErrors) as refused:
        xlsform.read(vellinge(respondents="handledare", default_timepoints="", results="group"))
    assert "respondents handledare" in "\n".join(refused.value.lines("v.xlsx"))


def test_survey_rounds_do_not_offer_the_handledare_form(client, login):
    login("samordnare")
    page = client.get("/personal/enkatomgangar").text
    assert "bip-organisation" in page  # a staff survey form is offered
    assert KEY not in page


def test_the_rating_page_offers_the_bip_rating_and_stores_it_as_the_handledare(
        client, handledare, make_participant):
    person = make_participant(days_ago=0)
    page = client.get(f"/personal/deltagare/{person.code}/skattning")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Handledarens bedömning (BIP)" in text
    for item in questions(form()):
        assert str(item.text) in text
    assert f'action="/personal/deltagare/{person.code}/bedomning"' in page.text
    response = rate(client, person, first="4", second="2")
    assert response.status_code == 302
    (q,) = stored(person)
    assert (q.respondent, q.timepoint, q.rated_by) == ("handledare", "intake", handledare.id)
    assert q.completed_at is not None
    steps = {a.item_key: a.step for a in q.answers}
    one, two = questions(form())
    assert steps == {one.key: 4, two.key: 2}
    # a correction replaces the values
    assert rate(client, person, first="5", second="3").status_code == 302
    db.session.expire_all()
    (q,) = stored(person)
    assert {a.item_key: a.step for a in q.answers} == {one.key: 5, two.key: 3}


@pytest.mark.parametrize(("timepoint", "first"), [("intake", "9"), ("intake", "x"),
                                                  ("24m", "3"), ("nope", "3")])
def test_a_bad_bip_rating_is_refused_with_a_message_and_nothing_stored(
        client, handledare, make_participant, timepoint, first):
    person = make_participant(days_ago=0)
    response = rate(client, person, timepoint=timepoint, first=first)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert not stored(person)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_the_dialogue_view_shows_the_latest_bip_rating_per_timepoint(
        client, handledare, make_participant):
    person = make_participant(days_ago=190)
    skapa = instruments.get("skapa")
    fill_in(person, skapa.key, "intake", {i.key: 2 for i in skapa.areas})
    assert rate(client, person, "intake", "2", "1").status_code == 302
    assert rate(client, person, "6m", "3", "4").status_code == 302
    assert rate(client, person, "6m", "4", "5").status_code == 302  # corrected
    page = client.get(f"/personal/deltagare/{person.code}/dialog").text
    section = re.search(r'<section[^>]*aria-labelledby="staff-table-h1".*?</section>', page, re.S)
    assert section, page
    rows = [[visible_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", section.group(0), re.S)]
    assert "Handledarens bedömning (BIP)" in visible_text(section.group(0))
    assert rows[0][1:] == ["Inskrivning", "6 månader"]
    one, two = questions(form())
    assert rows[1] == [str(one.text), "2", "4"]
    assert rows[2] == [str(two.text), "1", "5"]


def test_the_caseload_marks_a_missing_bip_rating_when_due(client, handledare, make_participant):
    person = make_participant(days_ago=0)  # the intake is due: SKAPA and the BIP rating

    def row():
        page = client.get("/personal/deltagare", query_string={"urval": "insatsen"}).text
        found = re.search(rf"<tr>\s*<th scope=\"row\"[^>]*><a href=\"/personal/deltagare/"
                          rf"{person.code}\".*?</tr>", page, re.S)
        assert found, page
        return visible_text(found.group(0))

    assert "BIP-bedömning saknas" in row()
    assert rate(client, person).status_code == 302
    assert "BIP-bedömning saknas" not in row()


def test_no_bip_rating_is_due_before_a_timepoint_opens(client, handledare, make_participant):
    person = make_participant(days_ago=0)
    assert rate(client, person, timepoint="6m").status_code == 400
    assert not stored(person)


def test_the_participant_never_sees_the_bip_rating(app, client, handledare, make_participant):
    person = make_participant(days_ago=0)
    assert rate(client, person, first="1", second="5").status_code == 302
    marks = ["BIP", "Handledarens bedömning", *(str(i.text) for i in questions(form()))]

    def clean(html):
        for mark in marks:
            assert mark not in html

    clean(client.get(f"/personal/deltagare/{person.code}/utskrift").text)  # the printed star
    tablet = app.test_client()
    token = links.create(person)
    db.session.commit()
    location = tablet.get(f"/l/{token}").headers["Location"]
    qid = int(re.search(r"/q/(\d+)", location).group(1))
    assert db.session.get(Questionnaire, qid).instrument == "skapa"  # not the BIP rating
    skapa = instruments.get("skapa")
    fill_in(person, "skapa", "intake", {i.key: 3 for i in skapa.areas}, complete=False)
    clean(tablet.get(f"/q/{qid}/sammanfattning").text)
    tablet.post(f"/q/{qid}/klar", data={"csrf_token": csrf_token(tablet, f"/q/{qid}/")})
    clean(tablet.get(f"/q/{qid}/tack").text)
    own = tablet.get("/mina-uppgifter")
    assert own.status_code == 200
    clean(own.text)  # the journey and the own data page


def test_reports_do_not_offer_the_handledare_form(client, login):
    login("analytiker")
    page = client.get("/personal/rapporter").text
    assert KEY not in page


def test_an_unknown_form_is_refused_with_a_message(client, handledare, make_participant):
    person = make_participant(days_ago=0)
    response = post(client, f"/personal/deltagare/{person.code}/bedomning", form="skapa",
                    timepoint="intake")
    assert response.status_code == 400
    assert "Välj ett av formulären på sidan." in response.text
    assert not stored(person)


def test_paper_bip_ratings_are_imported_as_the_handledares_only(runner, tmp_path):
    """A paper BIP rating is the handledare's: as the participant's it is refused, with a
    message, and nothing is stored; with respondent handledare it is stored as theirs."""
    from tests.test_import import write

    one, two = questions(form())
    base = "ABC-123,kvinna,1990,Steget,bip-handledare,intake"
    refused = runner.invoke(args=["import-answers", str(write(
        tmp_path, [f"{base},,{one.key},4,2026-03-02"], name="fel.csv"))])
    assert refused.exit_code != 0
    assert "fylls bara i av handledaren" in refused.output
    assert not db.session.scalars(sa.select(Questionnaire)).all()
    result = runner.invoke(args=["import-answers", str(write(tmp_path, [
        f"{base},handledare,{one.key},4,2026-03-02", f"{base},handledare,{two.key},2,2026-03-02"]))])
    assert result.exit_code == 0, result.output
    (q,) = db.session.scalars(sa.select(Questionnaire)).all()
    assert (q.instrument, q.respondent) == (KEY, "handledare")
    assert {a.item_key: a.step for a in q.answers} == {one.key: 4, two.key: 2}
