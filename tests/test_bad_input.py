"""Bad input gets a clear 4xx (or a friendly page) and changes nothing."""

import datetime as dt

import pytest
import sqlalchemy as sa

from questionnaire.answering import answers, links
from questionnaire.extensions import db
from questionnaire.models import Answer, ParticipantLink, Questionnaire, utcnow
from tests.conftest import csrf_token, questionnaire_id, stored


@pytest.fixture
def qid(make_participant, open_link):
    return questionnaire_id(open_link(make_participant()))


@pytest.mark.parametrize("body", [
    {"item": "S1", "step": 6},
    {"item": "S1", "step": 0},
    {"item": "S1", "step": -3},
    {"item": "S1", "step": "tre"},
    {"item": "S1", "step": 2.5},
    {"item": "S1", "step": True},
    {"item": "S1"},
    {"item": "S1", "text": "bra"},
    {"item": "S9", "step": 3},
    {"item": "N1", "step": 3},
    {"item": 1, "step": 3},
    {"item": "S1", "step": 3, "client_id": "x" * 65},
    {"item": "S1", "step": 3, "client_id": 12},
])
def test_bad_json_answers_are_rejected_and_nothing_is_stored(qid, answer, body):
    response = answer(qid, expect=400, **body)
    assert response.json["error"]
    assert stored(qid) == {}


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"null", b'{"step": 3}'])
def test_unreadable_json_is_a_400(client, qid, payload):
    token = csrf_token(client, f"/q/{qid}/")
    response = client.post(f"/q/{qid}/svar", data=payload, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert stored(qid) == {}


@pytest.mark.parametrize("step", ["6", "0", "x", ""])
def test_bad_form_post_shows_the_question_again_with_a_message(client, qid, step):
    token = csrf_token(client, f"/q/{qid}/")
    response = client.post(f"/q/{qid}/fraga/S1", data={"csrf_token": token, "step": step})
    assert response.status_code == 400
    assert "Välj ett av svarsalternativen." in response.text
    assert stored(qid) == {}


def test_missing_csrf_token_is_refused(client, qid):
    response = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 3})
    assert response.status_code == 400
    assert stored(qid) == {}
    page = client.post(f"/q/{qid}/fraga/S1", data={"step": "3"})
    assert page.status_code == 400
    assert "Gå tillbaka och försök igen" in page.text
    assert stored(qid) == {}


def test_someone_elses_questionnaire_is_not_found(client, make_participant, open_link, answer):
    mine = questionnaire_id(open_link(make_participant()))
    other_client = client.application.test_client()
    token = links.create(make_participant())
    db.session.commit()
    theirs = questionnaire_id(other_client.get(f"/l/{token}").headers["Location"])
    assert client.get(f"/q/{theirs}/fraga/S1").status_code == 404
    token = csrf_token(client, f"/q/{mine}/")
    response = client.post(f"/q/{theirs}/svar", json={"item": "S1", "step": 3},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 404
    assert stored(theirs) == {}


def finish_skapa(client, answer, qid):
    for n in range(1, 7):
        answer(qid, f"S{n}", step=3)
    client.post(f"/q/{qid}/klar", data={"csrf_token": csrf_token(client, f"/q/{qid}/")})


def test_completed_questionnaire_cannot_be_changed(client, qid, answer):
    finish_skapa(client, answer, qid)
    token = csrf_token(client, f"/q/{qid}/tack")
    response = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 5},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 409
    assert "redan avslutad" in response.json["error"]
    assert stored(qid)["S1"] == 3
    # the form version redirects to the thank-you page instead of changing anything
    response = client.post(f"/q/{qid}/fraga/S1", data={"csrf_token": token, "step": "5"})
    assert response.status_code == 302
    assert stored(qid)["S1"] == 3


def test_used_link_gets_a_friendly_page(client, make_participant, answer):
    person = make_participant()
    token = links.create(person)
    db.session.commit()
    qid = questionnaire_id(client.get(f"/l/{token}").headers["Location"])
    finish_skapa(client, answer, qid)
    again = client.get(f"/l/{token}")
    assert again.status_code == 410
    assert "redan använd" in again.text


def test_expired_and_unknown_links(client, make_participant):
    person = make_participant()
    token = links.create(person, now=utcnow() - dt.timedelta(days=8))
    db.session.commit()
    expired = client.get(f"/l/{token}")
    assert expired.status_code == 410
    assert "slutat gälla" in expired.text
    assert client.get("/l/not-a-real-token").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire)) == 0


def test_double_tap_stores_one_answer(client, qid, answer):
    answer(qid, "S1", step=4, client_id="same-tap")
    answer(qid, "S1", step=4, client_id="same-tap")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


def test_two_tabs_on_the_same_questionnaire_keep_one_answer_per_item(
        client, make_participant, qid, answer):
    second_tab = client  # same browser session, second tab
    answer(qid, "S1", step=2, client_id="tab-a")
    token = csrf_token(second_tab, f"/q/{qid}/fraga/S1")
    second_tab.post(f"/q/{qid}/svar", json={"item": "S1", "step": 5, "client_id": "tab-b"},
                    headers={"X-CSRFToken": token})
    assert stored(qid) == {"S1": 5}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


def test_unknown_pages_are_friendly_404s(client, qid):
    for url in ("/q/999999/", f"/q/{qid}/fraga/S99", "/nothing-here"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code in (200, 404)
        assert "Traceback" not in response.text
    assert client.get("/q/999999/").status_code == 404


def test_the_database_itself_refuses_out_of_range_and_duplicate_answers(qid):
    q = db.session.get(Questionnaire, qid)
    base = {"questionnaire_id": qid, "instrument_version_id": q.instrument_version_id,
            "item_key": "S1", "scale_max": 5, "declined": False}
    for bad in ({"step": 6}, {"step": 3, "scale_max": 6}, {"step": None},
                {"step": 3, "text": "x"}, {"step": 3, "item_key": "N1"}):
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.execute(sa.insert(Answer).values(**{**base, **bad}))
    db.session.execute(sa.insert(Answer).values(**base, step=3))
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.insert(Answer).values(**base, step=4))
    db.session.rollback()


def test_service_refuses_answers_after_completion(qid, client, answer):
    finish_skapa(client, answer, qid)
    q = db.session.get(Questionnaire, qid)
    with pytest.raises(answers.AnswerRejected) as e:
        answers.save_answer(q, "S2", step=1)
    assert e.value.status == 409
    assert db.session.scalar(sa.select(ParticipantLink.used_at)) is not None
