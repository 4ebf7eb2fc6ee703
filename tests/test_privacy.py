"""GDPR: erasure, the retention purge, the participant's own data; the audit log view."""

import datetime as dt

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import (
    ActionNote,
    Answer,
    AuditEvent,
    Enrolment,
    Insats,
    InsatsStaff,
    Participant,
    ParticipantLink,
    Questionnaire,
)
from tests.conftest import NNS_ALL_6, csrf_token, fill_in, skapa


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def with_answers(person):
    q = fill_in(person, "skapa", "intake", skapa(3, 3, 3, 3, 3, 3))
    db.session.add(ActionNote(enrolment_id=q.enrolment_id, goal="Mål"))
    db.session.commit()


def staff_of_insats(user):
    db.session.add(InsatsStaff(insats_id=db.session.scalar(sa.select(Insats.id)),
                               user_id=user.id))
    db.session.commit()


def test_samordnare_erases_a_participant_with_everything(client, login, make_participant,
                                                        open_link):
    person = make_participant()
    open_link(person)
    with_answers(person)
    code, other = person.code, make_participant().code
    staff_of_insats(login("samordnare"))
    url = f"/personal/deltagare/{code}/radera"
    token = csrf_token(client, "/personal/")
    assert client.post(url, data={"csrf_token": token, "confirm": "fel"}).status_code == 303
    assert count(Participant) == 2
    assert client.post(url, data={"csrf_token": token, "confirm": code.lower()}
                       ).status_code == 302
    assert db.session.scalars(sa.select(Participant.code)).all() == [other]
    for model in (Questionnaire, Answer, ActionNote, ParticipantLink):
        assert count(model) == 0
    assert count(Enrolment) == 1
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="erase")).one()
    assert event.subject == code


def test_erase_and_purge_commands(runner, make_participant):
    keep = make_participant(days_ago=900, exit_days_ago=100).code
    old = make_participant(days_ago=1500, exit_days_ago=800)
    running = make_participant(days_ago=1500).code
    with_answers(old)
    dry = runner.invoke(args=["purge", "--months", "24", "--dry-run"])
    assert "1 deltagare skulle raderas" in dry.output
    assert count(Participant) == 3
    result = runner.invoke(args=["purge", "--months", "24"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(sa.select(Participant.code))) == {keep, running}
    assert count(Answer) == 0
    assert runner.invoke(args=["erase", keep, "--yes"]).exit_code == 0
    assert runner.invoke(args=["erase", "NOPE"]).exit_code == 1
    assert db.session.scalars(sa.select(Participant.code)).all() == [running]


def test_participant_sees_their_own_data_on_the_handed_over_tablet(client, login,
                                                                   make_participant):
    person = make_participant(days_ago=200)
    fill_in(person, "nns-pagaende", "6m", NNS_ALL_6)
    staff_of_insats(login("handledare"))
    response = client.post(f"/personal/deltagare/{person.code}/mina-uppgifter",
                           data={"csrf_token": csrf_token(client, "/personal/")})
    page = client.get(response.headers["Location"])
    assert "Det här vet Stegvis om dig" in page.text
    assert "Alltid" in page.text  # the participant's own NNS answers, for them
    # ...on a locked tablet: the staff pages are out of reach until the password
    assert client.get("/personal/deltagare").headers["Location"].endswith("/lamna-tillbaka")
    assert "right_of_access" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_audit_log_view_filters(client, login, make_participant):
    person = make_participant()
    staff_of_insats(login("samordnare"))
    client.get(f"/personal/deltagare/{person.code}")
    page = client.get("/personal/logg", query_string={"action": "view_participant"})
    assert person.code in page.text
    assert "login" not in page.text.split("<tbody>")[1]
    other = client.get("/personal/logg", query_string={"subject": "NOBODY"})
    assert person.code not in other.text.split("<tbody>")[1]
    today = client.get("/personal/logg", query_string={"day": str(dt.date.today())})
    assert "view_participant" in today.text
    assert client.get("/personal/logg", query_string={"day": "igår"}).status_code == 400
