"""The participant's way through a questionnaire, over HTTP (forms and the tablet's JSON)."""

import json
import re

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Answer, ParticipantLink, Questionnaire
from tests.conftest import csrf_token, questionnaire_id, stored
from tests.pagetext import script_sources


def test_link_opens_the_due_skapa_one_question_per_screen(client, make_participant, open_link):
    person = make_participant()
    url = open_link(person)
    page = client.get(url, follow_redirects=True)
    assert "Fråga 1 av 6" in page.text
    assert "Hur skulle du betygsätta din hälsa" in page.text
    shown = page.text.split("<template")[0]  # the rest is for drawing offline (answer.js)
    assert shown.count('name="step"') == 5
    assert shown.count('class="pictogram"') == 5  # a picture beside each step
    assert "Vill inte svara" in page.text
    assert not [s for s in script_sources(page.text) if "plotly" in s]  # no charting code here


def test_form_post_saves_and_moves_on_without_javascript(client, make_participant, open_link):
    qid = questionnaire_id(open_link(make_participant()))
    token = csrf_token(client, f"/q/{qid}/")
    response = client.post(f"/q/{qid}/fraga/S1", data={"csrf_token": token, "step": "4"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/q/{qid}/fraga/S2")
    assert stored(qid) == {"S1": 4}
    page = client.get(f"/q/{qid}/fraga/S1")
    assert re.search(r'value="4"\s+class="step chosen" aria-pressed="true"', page.text)


def test_json_save_returns_the_next_question(client, make_participant, open_link, answer):
    qid = questionnaire_id(open_link(make_participant()))
    response = answer(qid, "S1", step=2, client_id="tap-1")
    assert response.json == {"ok": True, "next": f"/q/{qid}/fraga/S2"}
    assert stored(qid) == {"S1": 2}


def test_reopening_resumes_at_first_unanswered(client, make_participant, open_link, answer):
    person = make_participant()
    qid = questionnaire_id(open_link(person))
    answer(qid, "S1", step=3)
    answer(qid, "S2", declined=True)
    # the browser was closed: a new session comes back through the same participant's link
    client.delete_cookie("session")
    again = open_link(person)
    assert questionnaire_id(again) == qid
    assert again.endswith(f"/q/{qid}/fraga/S3")  # the link goes straight to the next question
    assert client.get(f"/q/{qid}/").headers["Location"].endswith(f"/q/{qid}/fraga/S3")
    assert stored(qid) == {"S1": 3, "S2": "declined"}


def test_back_and_change_an_answer(client, make_participant, open_link, answer):
    qid = questionnaire_id(open_link(make_participant()))
    answer(qid, "S1", step=1)
    page = client.get(f"/q/{qid}/fraga/S2")
    assert f'href="/q/{qid}/fraga/S1"' in page.text
    assert "Tillbaka" in page.text
    answer(qid, "S1", step=5)
    assert stored(qid) == {"S1": 5}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


def answer_all_skapa(answer, qid, steps=(3, 3, 4, 2, 5, 4)):
    for n, step in enumerate(steps, start=1):
        answer(qid, f"S{n}", step=step)


def test_summary_then_finish_then_spider_diagram(client, make_participant, open_link, answer):
    qid = questionnaire_id(open_link(make_participant()))
    answer_all_skapa(answer, qid)
    assert client.get(f"/q/{qid}/").headers["Location"].endswith(f"/q/{qid}/sammanfattning")
    summary = client.get(f"/q/{qid}/sammanfattning")
    assert "4 – Bra" in summary.text
    assert "Skicka in mina svar" in summary.text
    token = csrf_token(client, f"/q/{qid}/sammanfattning")
    done = client.post(f"/q/{qid}/klar", data={"csrf_token": token}, follow_redirects=True)
    assert "Tack för dina svar!" in done.text
    assert "plotly-polar.min.js" in done.text
    assert 'data-traces="1"' in done.text
    assert db.session.get(Questionnaire, qid).completed_at is not None


def test_cannot_finish_with_unanswered_questions(client, make_participant, open_link, answer):
    qid = questionnaire_id(open_link(make_participant()))
    answer(qid, "S1", step=3)
    token = csrf_token(client, f"/q/{qid}/sammanfattning")
    response = client.post(f"/q/{qid}/klar", data={"csrf_token": token})
    assert response.status_code == 409
    assert "Några frågor är inte besvarade än." in response.text
    assert db.session.get(Questionnaire, qid).completed_at is None


def test_six_months_brings_skapa_then_nns_and_chart_has_both_timepoints(
        client, make_participant, open_link, answer):
    person = make_participant(days_ago=200)
    # intake done on paper-like data
    first = questionnaire_id(open_link(person))
    assert db.session.get(Questionnaire, first).timepoint == "6m"
    answer_all_skapa(answer, first)
    token = csrf_token(client, f"/q/{first}/sammanfattning")
    done = client.post(f"/q/{first}/klar", data={"csrf_token": token}, follow_redirects=True)
    assert "Fortsätt till nästa del" in done.text
    second = questionnaire_id(client.get("/q/").headers["Location"])
    assert db.session.get(Questionnaire, second).instrument == "nns-pagaende"
    page = client.get(f"/q/{second}/", follow_redirects=True)
    assert "Fråga 1 av 7" in page.text
    assert "Aldrig" in page.text


def test_nns_skip_rule_and_free_text(client, make_participant, open_link, answer):
    person = make_participant(days_ago=100, exit_days_ago=1)
    skapa = questionnaire_id(open_link(person))
    answer_all_skapa(answer, skapa)
    client.post(f"/q/{skapa}/klar", data={"csrf_token": csrf_token(client, f"/q/{skapa}/")})
    nns = questionnaire_id(client.get("/q/").headers["Location"])
    for key in ("N1", "N2", "N3", "N4", "N5", "N7", "N9"):
        answer(nns, key, step=5)
    assert answer(nns, "N6a", step=2).json["next"].endswith("/fraga/N6b")
    answer(nns, "N6b", step=4)
    answer(nns, "N6c", step=6)
    # changing N6a to Nej removes the questions no longer asked
    assert answer(nns, "N6a", step=1).json["next"].endswith("/fraga/F11")
    assert "N6b" not in stored(nns)
    assert "N6c" not in stored(nns)
    answer(nns, "N6b", expect=409, step=4)
    answer(nns, "F11", text="  Att få rutiner  ")
    answer(nns, "F12", text="")
    answer(nns, "F13", declined=True)
    assert stored(nns)["F11"] == "Att få rutiner"
    assert stored(nns)["F12"] == "declined"
    client.post(f"/q/{nns}/klar", data={"csrf_token": csrf_token(client, f"/q/{nns}/")})
    done = client.get(f"/q/{nns}/tack")
    assert "Tack för dina svar!" in done.text
    assert not [s for s in script_sources(done.text) if "plotly" in s]
    assert "Att få rutiner" not in done.text
    link = db.session.scalars(sa.select(ParticipantLink)).one()
    assert link.used_at is not None  # everything it opened is done: the link is spent


def test_a_server_restart_mid_questionnaire_loses_nothing(app, client, make_participant,
                                                          open_link, answer):
    """Stateless processes: another process (same database, same keys) carries on."""
    from questionnaire import create_app
    from tests.conftest import IsolatedClient

    qid = questionnaire_id(open_link(make_participant()))
    answer(qid, "S1", step=2)
    answer(qid, "S2", step=4)
    restarted = create_app({"TESTING": True, **{k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PSEUDONYM_KEY", "BASE_URL")}})
    restarted.test_client_class = IsolatedClient
    other = restarted.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get(f"/q/{qid}/").headers["Location"].endswith(f"/q/{qid}/fraga/S3")
    token = csrf_token(other, f"/q/{qid}/")
    response = other.post(f"/q/{qid}/svar", json={"item": "S3", "step": 5},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert stored(qid) == {"S1": 2, "S2": 4, "S3": 5}
    with restarted.app_context():
        db.engine.dispose()  # the "other process" closes its connections


def test_changing_an_answer_is_audited_without_its_value(client, make_participant, open_link,
                                                         answer):
    from questionnaire.models import AuditEvent

    qid = questionnaire_id(open_link(make_participant()))
    answer(qid, "S1", step=2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    answer(qid, "S1", step=4)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.action == "answer_changed"
    assert json.loads(event.details) == {"item": "S1", "questionnaire": qid}  # no values
