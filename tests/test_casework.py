"""The handledare's day (issue 18): the parallel rating on the due timepoint, corrected by its
author; action notes edited and deleted with their history; the same timepoint compared; the
hand-back screen; the labels staff read."""

import datetime as dt
import json
import re

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import ActionNote, AuditEvent, Insats, InsatsStaff, Questionnaire
from tests.conftest import PASSWORD, csrf_token, fill_in, stored
from tests.pagetext import visible_text

TODAY = dt.date.today()


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def self_rating():
    """A published self-rating instrument (rated areas, individual results): the tests hold for
    any of them."""
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def rate(inst, steps):
    """A staff rating form: each rated area given the step at its position (None = Vet inte)."""
    return {item.key: "" if step is None else str(item.scale_min + step)
            for item, step in zip(inst.areas, steps, strict=False)}


def complete(person, inst, timepoint, steps, respondent="deltagare", days_ago=0):
    fill_in(person, inst.key, timepoint,
            {item.key: item.scale_min + s for item, s in zip(inst.areas, steps, strict=False)},
            respondent=respondent, when=dt.datetime.now() - dt.timedelta(days=days_ago))


def staff_ratings():
    return db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).all()


def selected_timepoint(html):
    match = re.search(r'<option value="([^"]+)"[^>]*\sselected', html)
    return match and match.group(1)


# --- 1. the handledare's rating -----------------------------------------------------------------

def test_rating_opens_on_the_due_timepoint(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")  # 6 months are due
    page = client.get(f"/personal/deltagare/{person.code}/skattning",
                      query_string={"instrument": inst.key})
    assert page.status_code == 200
    assert selected_timepoint(page.text) == "6m"


def test_rating_with_every_area_unknown_is_refused(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    form = {"instrument": inst.key, "timepoint": "6m", **rate(inst, [None] * len(inst.areas))}
    response = post(client, f"/personal/deltagare/{person.code}/skattning", **form)
    assert response.status_code == 400
    assert "Skatta minst ett område" in visible_text(response.text)
    assert staff_ratings() == []
    assert selected_timepoint(response.text) == "6m"  # the choice is kept


def test_own_rating_can_be_corrected_and_the_old_values_are_logged(
        client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}/skattning"
    first = rate(inst, [1, 2, 3])
    assert post(client, url, instrument=inst.key, timepoint="6m", **first).status_code == 302
    # the form opens again on that timepoint with the stored values
    page = client.get(url, query_string={"instrument": inst.key, "timepoint": "6m"})
    for key, value in first.items():
        assert re.search(rf'name="{key}" value="{value}"[^>]*checked', page.text), key
    corrected = rate(inst, [2, None, 1])
    assert post(client, url, instrument=inst.key, timepoint="6m", **corrected).status_code == 302
    (q,) = staff_ratings()
    keys = [i.key for i in inst.areas[:3]]
    assert {k: v for k, v in stored(q.id).items() if k in keys} == {
        keys[0]: int(corrected[keys[0]]), keys[1]: "declined", keys[2]: int(corrected[keys[2]])}
    event = db.session.scalars(sa.select(AuditEvent).filter_by(
        action="staff_rating_changed")).one()
    details = json.loads(event.details)
    assert details["before"][keys[0]] == int(first[keys[0]])
    assert details["after"][keys[1]] is None


def test_a_colleagues_rating_is_not_overwritten(app, client, handledare, make_participant,
                                                make_user):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}/skattning"
    assert post(client, url, instrument=inst.key, timepoint="6m",
                **rate(inst, [1, 1])).status_code == 302
    colleague = make_user("handledare", email="kollega@kommun.example")
    insats_id = db.session.scalar(sa.select(InsatsStaff.insats_id).filter_by(
        user_id=handledare.id))
    db.session.add(InsatsStaff(insats_id=insats_id, user_id=colleague.id))
    db.session.commit()
    client = app.test_client()
    token = csrf_token(client, "/personal/logga-in")
    assert client.post("/personal/logga-in", data={
        "csrf_token": token, "email": colleague.email, "password": PASSWORD}).status_code == 302
    before = stored(staff_ratings()[0].id)
    refused = post(client, url, instrument=inst.key, timepoint="6m", **rate(inst, [3, 3]))
    assert refused.status_code == 400
    assert "kollega" in visible_text(refused.text)
    assert stored(staff_ratings()[0].id) == before


def test_rating_form_speaks_about_the_participant_with_large_targets(
        client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=10, insats="Testinsatsen")
    page = client.get(f"/personal/deltagare/{person.code}/skattning",
                      query_string={"instrument": inst.key})
    seen = visible_text(page.text)
    for item in inst.areas:
        assert item.text not in seen  # the participant's own question is not put to staff
        assert item.area in seen
    assert "Hur bedömer du deltagarens" in seen
    # every step is a large target like the participant's buttons (the handledare's own
    # forms, e.g. the BIP rating, follow in a section of their own)
    own = page.text.split('class="staff-forms"')[0]
    assert len(re.findall(r'<label class="step', own)) == sum(
        len(i.scale.steps) for i in inst.areas)


# --- 2. action notes edited and deleted by their author ------------------------------------------

def add_note(client, person, **fields):
    url = f"/personal/deltagare/{person.code}"
    assert post(client, f"{url}/anteckning", **fields).status_code == 302
    return db.session.scalars(sa.select(ActionNote).order_by(ActionNote.id.desc())).first()


def plan_text(client, person):
    page = visible_text(client.get(f"/personal/deltagare/{person.code}/dialog").text)
    return page.split("Handlingsplan", 1)[1]


def test_author_corrects_a_note_and_its_history_is_kept(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(insats="Testinsatsen")
    area = inst.areas[0].key
    note = add_note(client, person, area=area, goal="Sova bätre", who="Deltagaren")
    url = f"/personal/deltagare/{person.code}/anteckning/{note.id}"
    form = plan_text(client, person)
    assert "Ändra" in form
    response = post(client, f"{url}/andra", area="", goal="Sova bättre", next_step="Kvällsrutin",
                    who="Deltagaren", due_by="")
    assert response.status_code == 302
    plan = plan_text(client, person).split("Lägg till i planen")[0]
    assert "Sova bättre" in plan
    assert "Kvällsrutin" in plan
    assert "Sova bätre" not in plan
    db.session.expire_all()
    note = db.session.get(ActionNote, note.id)
    assert (note.goal, note.area) == ("Sova bättre", None)
    (earlier,) = json.loads(note.previous)
    assert (earlier["goal"], earlier["area"]) == ("Sova bätre", area)
    assert "edit_note" in actions()


def test_author_deletes_a_note(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    note = add_note(client, person, goal="Fel deltagare")
    url = f"/personal/deltagare/{person.code}"
    assert post(client, f"{url}/anteckning/{note.id}/radera").status_code == 302
    assert "Fel deltagare" not in plan_text(client, person)
    assert "Fel deltagare" not in visible_text(client.get(f"{url}/utskrift").text)
    db.session.expire_all()
    assert db.session.get(ActionNote, note.id).deleted_at is not None  # kept, with its history
    assert "delete_note" in actions()


def test_a_note_is_changed_only_by_its_author_and_with_valid_input(
        app, client, handledare, make_participant, make_user):
    person = make_participant(insats="Testinsatsen")
    note = add_note(client, person, goal="Sova bättre")
    url = f"/personal/deltagare/{person.code}/anteckning/{note.id}"
    empty = post(client, f"{url}/andra", goal="  ")
    assert empty.status_code == 303
    assert "Skriv ett mål." in visible_text(client.get(empty.headers["Location"]).text)
    colleague = make_user("handledare", email="kollega@kommun.example")
    insats_id = db.session.scalar(sa.select(InsatsStaff.insats_id).filter_by(
        user_id=handledare.id))
    db.session.add(InsatsStaff(insats_id=insats_id, user_id=colleague.id))
    db.session.commit()
    other = app.test_client()
    token = csrf_token(other, "/personal/logga-in")
    other.post("/personal/logga-in", data={"csrf_token": token, "email": colleague.email,
                                           "password": PASSWORD})
    assert "Ändra" not in plan_text(other, person).split("Lägg till i planen")[0]
    for action, data in (("andra", {"goal": "Något annat"}), ("radera", {})):
        refused = post(other, f"{url}/{action}", **data)
        assert refused.status_code == 303
        assert "Bara den som skrev" in visible_text(other.get(refused.headers["Location"]).text)
    db.session.expire_all()
    note = db.session.get(ActionNote, note.id)
    assert (note.goal, note.previous, note.deleted_at) == ("Sova bättre", None, None)


def actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


# --- 3a. "Olika bild" compares the same timepoint ------------------------------------------------

def test_different_views_are_compared_at_the_same_timepoint(client, handledare,
                                                             make_participant):
    inst = self_rating()
    n = len(inst.areas)
    person = make_participant(days_ago=190, insats="Testinsatsen")
    complete(person, inst, "intake", [0] * n, days_ago=190)
    complete(person, inst, "6m", [3] * n)  # much better at 6 months
    url = f"/personal/deltagare/{person.code}"
    # the handledare rated at intake only: as low as the participant then, except the first area
    form = rate(inst, [2] + [0] * (n - 1))
    assert post(client, f"{url}/skattning", instrument=inst.key, timepoint="intake",
                **form).status_code == 302
    page = client.get(f"{url}/dialog", query_string={"instrument": inst.key}).text
    assert page.count('class="differs"') == 1  # the first area: 2 vs 0, both at intake
    assert re.search(r"Handledaren \(Inskrivning, \d{4}-\d\d-\d\d\)", visible_text(page))


# --- 3. and 4. the hand-over ------------------------------------------------------------------------

def hand_over(client, person):
    start = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    assert start.status_code == 302
    return client.get(start.headers["Location"], follow_redirects=True)


def test_lock_screen_speaks_swedish_to_the_handledare(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen", language="ar")
    hand_over(client, person)
    screen = client.get("/personal/lamna-tillbaka", query_string={"las": 1})
    seen = visible_text(screen.text)
    assert "كلمة مرور المرشد" in seen  # the participant's language stays
    assert "Handledarens lösenord" in seen
    assert "Lås upp" in seen
    assert 'lang="sv"' in screen.text
    wrong = post(client, "/personal/lamna-tillbaka", password="fel")
    assert "Fel lösenord." in visible_text(wrong.text)


def test_handledare_takes_the_tablet_back_half_way(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(insats="Testinsatsen", language="ar")
    question = hand_over(client, person)
    qid = int(re.search(r"/q/(\d+)/", question.request.path).group(1))
    first = inst.areas[0]
    token = csrf_token(client, f"/q/{qid}/")
    assert client.post(f"/q/{qid}/svar", json={"item": first.key, "step": first.scale_min},
                       headers={"X-CSRFToken": token}).status_code == 200
    page = client.get(f"/q/{qid}/fraga/{inst.areas[1].key}")
    take_back = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*Handledare: ta tillbaka', page.text)
    assert take_back, "no take-back link on the question page"
    screen = client.get(take_back.group(1).replace("&amp;", "&"))
    assert "Lås upp" in visible_text(screen.text)
    back = post(client, "/personal/lamna-tillbaka", password=PASSWORD)
    assert back.headers["Location"].endswith(f"/personal/deltagare/{person.code}")
    assert stored(qid) == {first.key: first.scale_min}  # the answers so far are kept
    q = db.session.get(Questionnaire, qid)
    assert q.completed_at is None  # to be finished later


# --- 13a. no raw codes on screen -----------------------------------------------------------------

def test_insatser_page_names_the_schedule_in_order(client, login):
    login("samordnare")
    inst = self_rating()
    schedule = [f"{inst.key}:exit", f"{inst.key}:6m", f"{inst.key}:intake"]
    assert post(client, "/personal/insatser/ny", name="Kort insats",
                schedule=schedule).status_code == 302
    seen = visible_text(client.get("/personal/insatser").text)
    assert "Inskrivning, 6 månader, Avslut" in seen
    assert "intake" not in seen


def test_audit_log_names_actions_in_words(client, login, make_participant):
    user = login("samordnare")
    person = make_participant(insats="Testinsatsen")
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()
    client.get(f"/personal/deltagare/{person.code}")
    add_note(client, person, goal="Sova bättre")
    client.get(f"/personal/deltagare/{person.code}/utskrift")
    client.get("/personal/rapporter", query_string={"rapport": "exits"})
    seen = visible_text(client.get("/personal/logg").text)
    for raw in ("add_note", "print_dialogue", "view_participant"):
        assert raw not in seen
    for label in ("Ny anteckning i planen", "Utskrift till deltagaren", "Öppnade deltagarsidan"):
        assert label in seen
    # the details as words, not the stored JSON
    assert "report: exits" in seen
    assert '{"' not in seen


# --- 6. the caseload by urgency ------------------------------------------------------------------

def codes_in_order(html):
    return re.findall(r'<th scope="row" class="text"><a href="/personal/deltagare/([^"]+)"', html)


def test_caseload_puts_overdue_first_then_due_then_coming(client, handledare, make_participant):
    coming = make_participant(days_ago=-20, insats="Testinsatsen")  # starts in 20 days
    late = make_participant(days_ago=60, insats="Testinsatsen")  # intake overdue
    due = make_participant(days_ago=2, insats="Testinsatsen")  # intake due now
    page = client.get("/personal/deltagare").text
    order = codes_in_order(page)
    assert order.index(late.code) < order.index(due.code) < order.index(coming.code)
    seen = visible_text(page)
    assert re.search(r"1 försenad\s*,\s*2 aktuella", seen)  # the fixture's own one is due too
    # "Aktuella nu" includes the overdue ones: the link says how many it lists
    assert "Visa alla 3 som är aktuella nu" in seen
    now = codes_in_order(client.get("/personal/deltagare", query_string={"status": "due"}).text)
    assert late.code in now
    assert due.code in now
    assert coming.code not in now
    assert len(now) == 3


# --- 6a. a caseload that scales --------------------------------------------------------------------

def test_caseload_is_searched_by_code_and_paged(client, handledare, make_participant,
                                                 monkeypatch):
    from questionnaire.casework import caseload

    people = [make_participant(days_ago=n, insats="Testinsatsen") for n in range(5)]
    wanted = people[2]
    written = wanted.code[:3].lower() + "-" + wanted.code[3:].lower()  # as a person types it
    found = client.get("/personal/deltagare", query_string={"q": written})
    assert found.status_code == 200
    assert codes_in_order(found.text) == [wanted.code]
    nothing = client.get("/personal/deltagare", query_string={"q": "ZZZ-ZZZZ"})
    assert "Ingen deltagare har koden" in visible_text(nothing.text)

    monkeypatch.setattr(caseload, "PAGE_SIZE", 4)
    first = client.get("/personal/deltagare")
    assert len(codes_in_order(first.text)) == 4
    assert "Sida 1 av 2" in visible_text(first.text)
    second = client.get("/personal/deltagare", query_string={"sida": 2})
    assert len(codes_in_order(second.text)) == 2  # 5 + the fixture's own participant
    assert set(codes_in_order(first.text)).isdisjoint(codes_in_order(second.text))
    assert client.get("/personal/deltagare", query_string={"sida": "x"}).status_code == 200


def test_dialogue_shows_the_plan_as_it_stood_at_each_rating(client, handledare,
                                                             make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    old = add_note(client, person, goal="Sova bätre")
    gone = add_note(client, person, goal="Ringa vården")
    for note in (old, gone):
        note.created_at = dt.datetime.now() - dt.timedelta(days=20)
    db.session.commit()
    complete(person, inst, "intake", [1] * len(inst.areas), days_ago=10)
    url = f"/personal/deltagare/{person.code}/anteckning"
    assert post(client, f"{url}/{old.id}/andra", goal="Sova bättre").status_code == 302
    assert post(client, f"{url}/{gone.id}/radera").status_code == 302
    add_note(client, person, goal="Söka praktik")
    page = visible_text(client.get(f"/personal/deltagare/{person.code}/dialog",
                                   query_string={"instrument": inst.key}).text)
    earlier = page.split("Planen vid tidigare skattningar", 1)[1]
    assert "Inskrivning" in earlier
    assert "Sova bätre" in earlier
    assert "Ringa vården" in earlier
    assert "Söka praktik" not in earlier


def test_lock_screen_in_easy_swedish_says_things_once(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen", language="sv@lattlast")
    hand_over(client, person)
    seen = visible_text(client.get("/personal/lamna-tillbaka", query_string={"las": 1}).text)
    assert seen.count("Handledarens lösenord") == 1
