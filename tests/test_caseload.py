"""The handledare's workspace: register, caseload, exit, hand-over, parallel rating, dialogue."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.casework import codes
from questionnaire.extensions import db
from questionnaire.models import (
    ActionNote,
    AuditEvent,
    Enrolment,
    Insats,
    InsatsStaff,
    Participant,
    Questionnaire,
)
from tests.conftest import NNS_ALL_6, PASSWORD, csrf_token, fill_in, skapa, stored
from tests.pagetext import shows_word, visible_text

TODAY = dt.date.today()


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_register_a_participant_without_a_name(client, handledare):
    insats = db.session.scalar(sa.select(Insats.id))
    response = post(client, "/personal/deltagare/ny", insats=insats, gender="kvinna",
                    birth_year="1990", referrer="af", start=str(TODAY), language="sv",
                    staff_label="AB")
    assert response.status_code == 302
    person = db.session.scalars(sa.select(Participant).order_by(Participant.id.desc())).first()
    assert codes.is_valid(person.code)
    assert (person.gender, person.birth_year, person.staff_label) == ("kvinna", 1990, "AB")
    enrolment = db.session.scalars(sa.select(Enrolment).filter_by(participant_id=person.id)).one()
    assert enrolment.referrer == "af"
    page = client.get(response.headers["Location"])
    assert codes.display(person.code) in page.text
    assert "register_participant" in actions()


@pytest.mark.parametrize("bad", [
    {"birth_year": "1850"}, {"birth_year": "abcd"}, {"start": "2026-02-30"},
    {"start": str(TODAY + dt.timedelta(days=3))}, {"gender": "okänt"}, {"referrer": "x"},
    {"insats": "999"}, {"staff_label": "x" * 13}, {"language": "xx"},
])
def test_register_with_bad_input_changes_nothing(client, handledare, bad):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Participant))
    insats = db.session.scalar(sa.select(Insats.id))
    data = {"insats": insats, "gender": "man", "birth_year": "1990", "start": str(TODAY),
            **bad}
    response = post(client, "/personal/deltagare/ny", **data)
    assert response.status_code == 400
    assert 'class="error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == before


def test_caseload_shows_what_is_due_and_overdue(client, handledare, make_participant):
    late = make_participant(days_ago=60, insats="Testinsatsen")
    page = client.get("/personal/deltagare")
    assert codes.display(late.code) in page.text
    assert "Försenad" in page.text  # the intake is more than 30 days old
    overdue = client.get("/personal/deltagare", query_string={"status": "overdue"})
    assert codes.display(late.code) in overdue.text
    assert overdue.text.count("status-overdue") == 1


def test_exit_makes_the_exit_questionnaires_due(client, handledare, make_participant):
    person = make_participant(days_ago=100, insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}"
    bad = post(client, f"{url}/avslut", exit_date=str(TODAY - dt.timedelta(days=200)),
               exit_reason="arbete")
    assert bad.status_code == 303
    assert db.session.scalars(sa.select(Enrolment.exit_date).filter_by(
        participant_id=person.id)).one() is None
    assert post(client, f"{url}/avslut", exit_date=str(TODAY), exit_reason="studier"
                ).status_code == 302
    page = client.get(url)
    assert "Studier" in page.text
    assert page.text.count("NNS avslut") == 1


def test_handover_locks_the_tablet_until_the_password(app, client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    start = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    question = client.get(start.headers["Location"], follow_redirects=True)
    assert "Fråga 1 av 6" in question.text
    qid = int(re.search(r"/q/(\d+)/", question.request.path).group(1))
    # the participant cannot reach the staff pages
    away = client.get("/personal/deltagare")
    assert away.headers["Location"].endswith("/personal/lamna-tillbaka")
    # ...and the tablet is now locked, even for the questions
    assert client.get(f"/q/{qid}/fraga/S1").headers["Location"].endswith("/lamna-tillbaka")
    wrong = post(client, "/personal/lamna-tillbaka", password="fel")
    assert wrong.status_code == 401
    assert "Fel lösenord." in wrong.text
    back = post(client, "/personal/lamna-tillbaka", password=PASSWORD)
    assert back.headers["Location"].endswith(f"/personal/deltagare/{person.code}")
    assert client.get("/personal/deltagare").status_code == 200
    assert client.get(f"/q/{qid}/").status_code == 404  # the participant scope is gone
    assert {"handover", "handback_failed", "handback"} <= set(actions())


def test_handover_finish_and_hand_back(client, handledare, make_participant, answer):
    person = make_participant(insats="Testinsatsen")
    start = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    qid = int(re.search(r"/q/(\d+)/", start.headers["Location"]).group(1))
    for n in range(1, 7):
        answer(qid, f"S{n}", step=4)
    client.post(f"/q/{qid}/klar", data={"csrf_token": csrf_token(client, f"/q/{qid}/")})
    done = client.get(f"/q/{qid}/tack")
    assert "Lämna tillbaka surfplattan" in done.text
    assert "handback" not in actions()
    assert post(client, "/personal/lamna-tillbaka", password=PASSWORD).status_code == 302


def test_idle_handover_locks(app, client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    start = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    with client.session_transaction() as session:
        state = session["handover"]
        state["seen"] -= app.config["HANDOVER_IDLE_MINUTES"] * 60 + 1
        session["handover"] = state
    assert client.get(start.headers["Location"]).headers["Location"].endswith("/lamna-tillbaka")
    assert "Surfplattan är låst" in client.get("/personal/lamna-tillbaka").text


def complete_skapa(person, timepoint, steps, respondent="deltagare", days_ago=0):
    fill_in(person, "skapa", timepoint, skapa(*steps), respondent=respondent,
            when=dt.datetime.now() - dt.timedelta(days=days_ago))


def test_parallel_rating_and_dialogue(client, handledare, make_participant):
    person = make_participant(days_ago=190, insats="Testinsatsen")
    complete_skapa(person, "intake", [1, 2, 3, 3, 2, 5], days_ago=190)
    complete_skapa(person, "6m", [3, 2, 2, 5, 2, 5])
    url = f"/personal/deltagare/{person.code}"
    form = {"timepoint": "6m", "S1": "3", "S2": "2", "S3": "4", "S4": "2", "S5": "", "S6": "5"}
    assert post(client, f"{url}/skattning", **form).status_code == 302
    q = db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).one()
    assert stored(q.id) == {"S1": 3, "S2": 2, "S3": 4, "S4": 2, "S5": "declined", "S6": 5}
    again = post(client, f"{url}/skattning", **form)  # the handledare's own: a correction
    assert again.status_code == 302
    assert len(db.session.scalars(sa.select(Questionnaire).filter_by(
        respondent="handledare")).all()) == 1
    page = client.get(f"{url}/dialog")
    assert "2 av 6 områden har blivit bättre sedan inskrivningen." in page.text
    assert page.text.count('class="differs"') == 2  # S3 (2 vs 4) and S4 (5 vs 2)
    assert 'data-traces="3"' in page.text
    assert "↑ +2" in page.text
    assert "↓ -1" in page.text


def test_action_plan_notes_and_print(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    complete_skapa(person, "intake", [2, 2, 2, 2, 2, 2])
    url = f"/personal/deltagare/{person.code}"
    assert post(client, f"{url}/anteckning", area="S1", goal="Sova bättre",
                next_step="Kvällsrutin", who="Deltagaren", due_by="2027-01-15").status_code == 302
    bad = post(client, f"{url}/anteckning", area="S9", goal="")
    assert bad.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionNote)) == 1
    page = client.get(f"{url}/dialog")
    assert "Sova bättre" in page.text
    assert "Kvällsrutin" in page.text
    printed = client.get(f"{url}/utskrift")
    assert "Sova bättre" in printed.text
    assert "Min plan" in printed.text
    note = db.session.scalars(sa.select(ActionNote)).one()
    post(client, f"{url}/anteckning/{note.id}/klar")
    assert "Sova bättre" not in client.get(f"{url}/utskrift").text


def test_nns_answers_are_never_shown_to_staff(client, handledare, make_participant):
    person = make_participant(days_ago=200, insats="Testinsatsen")
    fill_in(person, "nns-pagaende", "6m", NNS_ALL_6)
    url = f"/personal/deltagare/{person.code}"
    page = client.get(url)
    assert "Ifylld" in page.text
    nns = instruments.get("nns-pagaende")
    answered = [nns.item(key) for key in NNS_ALL_6]
    for view in (page.text, client.get(f"{url}/dialog").text, client.get(f"{url}/utskrift").text):
        # what staff read, not the HTML: a random CSP nonce or CSRF token can hold "N1"
        seen = visible_text(view)
        assert "Alltid" not in seen  # the answer given (step 6) to every item
        for item in answered:
            assert item.text not in seen
            assert not shows_word(view, item.key)


def test_viewing_a_participant_is_audited(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    client.get(f"/personal/deltagare/{person.code}")
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="view_participant")).one()
    assert event.subject == person.code
    assert event.user_id == handledare.id


def test_link_with_qr_code_is_shown_once(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}"
    page = post(client, f"{url}/lank")  # shown on the response itself, never kept in the cookie
    assert page.status_code == 200
    assert re.search(r"http://localhost/l/[\w-]+", page.text)
    assert "<svg" in page.text
    assert "<svg" not in client.get(url).text


def test_samordnare_creates_an_insats_with_its_schedule(client, login):
    user = login("samordnare")
    response = post(client, "/personal/insatser/ny", name="Kort insats", length_weeks="12",
                    schedule=["skapa:intake", "skapa:exit", "nns-avslut:exit"])
    assert response.status_code == 302
    insats = db.session.scalars(sa.select(Insats)).one()
    assert insats.length_weeks == 12
    assert {(e.instrument, e.timepoint) for e in insats.schedule} == {
        ("skapa", "intake"), ("skapa", "exit"), ("nns-avslut", "exit")}
    assert db.session.scalar(sa.select(InsatsStaff.user_id)) == user.id
    dup = post(client, "/personal/insatser/ny", name="Kort insats", schedule=["skapa:intake"])
    assert dup.status_code == 400
    bad = post(client, "/personal/insatser/ny", name="X", schedule=["skapa:someday"])
    assert bad.status_code == 400


def test_samordnare_changes_an_existing_insats_schedule(client, login):
    login("samordnare")
    post(client, "/personal/insatser/ny", name="Steg", schedule=["skapa:intake", "skapa:exit"])
    insats = db.session.scalars(sa.select(Insats)).one()
    # saving it again unchanged, then with a follow-up added and the exit rating dropped
    again = post(client, f"/personal/insatser/{insats.id}", name="Steg",
                 schedule=["skapa:intake", "skapa:exit"])
    assert again.status_code == 302
    changed = post(client, f"/personal/insatser/{insats.id}", name="Steg", length_weeks="52",
                   schedule=["skapa:intake", "skapa:exit+6m"])
    assert changed.status_code == 302
    db.session.expire_all()
    assert {(e.instrument, e.timepoint) for e in insats.schedule} == {
        ("skapa", "intake"), ("skapa", "exit+6m")}
    assert insats.length_weeks == 52


def test_samordnare_creates_a_user_with_a_temporary_password(client, login):
    login("samordnare")
    response = post(client, "/personal/anvandare", email="ny@kommun.example", role="handledare")
    assert response.status_code == 200  # shown on the response itself, once
    assert "Tillfälligt lösenord" in response.text
    assert post(client, "/personal/anvandare", email="ny@kommun.example",
                role="handledare").status_code == 400


def test_dialogue_with_a_single_rating_compares_nothing(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    complete_skapa(person, "intake", [1, 2, 3, 3, 2, 5])
    page = client.get(f"/personal/deltagare/{person.code}/dialog")
    assert "Förändringen syns när deltagaren har skattat igen." in page.text
    assert "har blivit bättre" not in page.text
    assert "→ 0" not in page.text
