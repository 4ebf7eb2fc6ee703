"""GDPR: erasure, the retention purge, the participant's own data; the audit log view."""

import datetime as dt

import sqlalchemy as sa
from flask_babel import format_date

from questionnaire.answering import links
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


def test_handed_over_tablet_shows_own_data_but_never_group_only_answers(client, login,
                                                                        make_participant):
    person = make_participant(days_ago=30)
    fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2))
    fill_in(person, "nns-pagaende", "6m", NNS_ALL_6)
    staff_of_insats(login("handledare"))
    response = client.post(f"/personal/deltagare/{person.code}/mina-uppgifter",
                           data={"csrf_token": csrf_token(client, "/personal/")})
    page = client.get(response.headers["Location"])
    assert "Det här vet Stegvis om dig" in page.text
    assert "5 – " in page.text  # the SKAPA answers: individual results, talked through together
    assert "Alltid" not in page.text  # NNS is for group results only: not with staff present
    assert "6 – " not in page.text
    assert "NNS pågående" in page.text  # ...but that it was answered, and how to see it alone
    assert "egen länk" in page.text
    # ...on a locked tablet: the staff pages are out of reach until the password
    assert client.get("/personal/deltagare").headers["Location"].endswith("/lamna-tillbaka")
    assert "right_of_access" in db.session.scalars(sa.select(AuditEvent.action)).all()


def _everything_answered(make_participant):
    person = make_participant(days_ago=200)
    for timepoint in ("intake", "6m"):
        fill_in(person, "skapa", timepoint, skapa(2, 3, 4, 5, 1, 2))
    fill_in(person, "nns-pagaende", "6m", NNS_ALL_6)
    return person


def test_participant_sees_all_their_answers_through_their_own_link(app, make_participant):
    person = _everything_answered(make_participant)
    token = links.create(person)
    db.session.commit()
    phone = app.test_client()  # the participant's own phone: no staff session
    opened = phone.get(f"/l/{token}")
    assert opened.status_code == 302
    page = phone.get(opened.headers["Location"])
    assert "Det här vet Stegvis om dig" in page.text
    assert "6 – Alltid" in page.text  # their own NNS answers, for them alone
    assert "lämna tillbaka" not in page.text.lower()
    assert "own_data" in db.session.scalars(sa.select(AuditEvent.action)).all()
    # one-time: the same link cannot be opened again (by anyone else)
    assert app.test_client().get(f"/l/{token}").status_code == 410
    assert "6 – Alltid" in phone.get("/mina-uppgifter").text  # the phone keeps its view


def test_the_handledares_rating_is_labelled_as_theirs_on_the_own_data_page(app,
                                                                        make_participant):
    person = make_participant(days_ago=30)
    fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2))
    fill_in(person, "skapa", "intake", skapa(5, 5, 5, 5, 5, 5), respondent="handledare")
    token = links.create(person)
    db.session.commit()
    phone = app.test_client()
    assert phone.get(f"/l/{token}").status_code == 302
    page = phone.get("/mina-uppgifter")
    sections = page.text.split("<h2>")[1:]
    rated = [s for s in sections if "SKAPA" in s.split("</h2>")[0]]
    assert len(rated) == 2
    # the participant's own answers, then the handledare's rating, said to be the handledare's
    assert "Handledarens skattning av dig" not in rated[0].split("</h2>")[0]
    assert "Handledarens skattning av dig" in rated[1].split("</h2>")[0]
    # dates as the journey's chart writes them (one format on the participant's pages)
    with app.test_request_context():
        assert format_date(dt.date.today(), "medium") in rated[0].split("</h2>")[0]


def test_a_participant_link_opened_in_a_staff_session_never_shows_group_only_answers(
        client, login, make_participant):
    person = _everything_answered(make_participant)
    staff_of_insats(login("handledare"))
    token = links.create(person)
    db.session.commit()
    opened = client.get(f"/l/{token}")
    page = client.get(opened.headers.get("Location", "/mina-uppgifter"))
    assert "Alltid" not in page.text
    # the link was not used up: the participant can still open it on their own phone
    assert db.session.scalars(sa.select(ParticipantLink.used_at)).one() is None


def test_own_link_reaches_the_data_from_the_thank_you_page(app, make_participant):
    person = make_participant(days_ago=200)
    fill_in(person, "skapa", "intake", skapa(2, 3, 4, 5, 1, 2))
    fill_in(person, "skapa", "6m", skapa(2, 3, 4, 5, 1, 2))
    token = links.create(person)
    db.session.commit()
    phone = app.test_client()
    first = phone.get(f"/l/{token}").headers["Location"]  # NNS pågående 6m is still due
    qid = int(first.split("/q/")[1].split("/")[0])
    fill_in(person, "nns-pagaende", "6m", NNS_ALL_6)
    thanks = phone.get(f"/q/{qid}/tack")
    assert 'href="/mina-uppgifter"' in thanks.text
    assert "6 – Alltid" in phone.get("/mina-uppgifter").text


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
