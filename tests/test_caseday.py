"""The handledare's day, continued (issue 18, items 6, 6a, 7 and 13): every open questionnaire
per row, what nothing scheduled means, "min vecka"; mine or the whole insats, assigning and
handing a participant over to a colleague; the samordnare's start page; one wording for reports,
area counts, dates and unreviewed translations. Every test holds for any self-rating instrument."""

import datetime as dt
import re

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.casework import codes, schedule
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, Enrolment, Insats, InsatsStaff, ScheduleEntry
from questionnaire.reporting import periods
from tests.conftest import PASSWORD, csrf_token, fill_in
from tests.pagetext import visible_text
from tests.reportdata import Data

TODAY = dt.date.today()


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def self_rating():
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def other_form():
    """A participant form other than the self-rating (to have two open at one timepoint)."""
    return next(i for i in instruments.for_participants() if i.key != self_rating().key)


def insats_with(name, entries, length_weeks=None):
    insats = Insats(name=name, length_weeks=length_weeks,
                    schedule=[ScheduleEntry(instrument=i, timepoint=t) for i, t in entries])
    db.session.add(insats)
    db.session.commit()
    return insats


def enrolment_of(person):
    return db.session.scalars(sa.select(Enrolment).filter_by(participant_id=person.id)).one()


def assign(person, user):
    enrolment_of(person).handledare_id = user.id if user else None
    db.session.commit()


def codes_in_order(html):
    return re.findall(r'<th scope="row" class="text"><a href="/personal/deltagare/([^"]+)"', html)


def row_of(html, code):
    """The visible text of the caseload row of one participant."""
    match = re.search(rf'<tr>\s*<th scope="row" class="text"><a href="/personal/deltagare/{code}"'
                      r".*?</tr>", html, re.S)
    assert match, f"no row for {code}"
    return visible_text(match.group(0))


def join(client, user, insats_name="Testinsatsen"):
    insats = db.session.scalar(sa.select(Insats).filter_by(name=insats_name))
    db.session.add(InsatsStaff(insats_id=insats.id, user_id=user.id))
    db.session.commit()


def log_in_as(client, user):
    client.post("/personal/logga-ut", data={"csrf_token": csrf_token(client, "/personal/")})
    response = client.post("/personal/logga-in", data={
        "csrf_token": csrf_token(client, "/personal/logga-in"), "email": user.email,
        "password": PASSWORD})
    assert response.status_code == 302


# --- 6. every open questionnaire, what nothing scheduled means, min vecka --------------------------

def test_a_row_lists_every_open_questionnaire(client, handledare, make_participant):
    inst, other = self_rating(), other_form()
    insats_with("Två enkäter", [(inst.key, "intake"), (other.key, "intake")])
    join(client, handledare, "Två enkäter")
    person = make_participant(days_ago=3, insats="Två enkäter")
    seen = row_of(client.get("/personal/deltagare").text, person.code)
    assert str(inst.name) in seen
    assert str(other.name) in seen
    fill_in(person, inst.key, "intake", {i.key: i.scale_min for i in inst.areas})
    seen = row_of(client.get("/personal/deltagare").text, person.code)
    assert str(inst.name) not in seen  # done: no longer open
    assert str(other.name) in seen


def test_nothing_scheduled_says_why(client, handledare, make_participant):
    inst = self_rating()
    insats_with("Utan slutdatum", [(inst.key, "intake"), (inst.key, "exit")])
    join(client, handledare, "Utan slutdatum")
    person = make_participant(days_ago=3, insats="Utan slutdatum")
    fill_in(person, inst.key, "intake", {i.key: i.scale_min for i in inst.areas})
    seen = row_of(client.get("/personal/deltagare").text, person.code)
    assert "Avslut – när deltagaren avslutas" in seen


def test_my_week_lists_what_falls_due_in_seven_days(client, handledare, make_participant,
                                                    make_user):
    inst = self_rating()
    insats_with("Uppföljning", [(inst.key, "intake"), (inst.key, "6m")])
    join(client, handledare, "Uppföljning")
    soon_start = schedule.add_months(TODAY, -6) + dt.timedelta(days=5)
    later_start = schedule.add_months(TODAY, -6) + dt.timedelta(days=20)
    soon = make_participant(days_ago=(TODAY - soon_start).days, insats="Uppföljning")
    later = make_participant(days_ago=(TODAY - later_start).days, insats="Uppföljning")
    colleague = make_user("handledare", "kollega@kommun.example")
    theirs = make_participant(days_ago=(TODAY - soon_start).days, insats="Uppföljning")
    for person in (soon, later, theirs):
        fill_in(person, inst.key, "intake", {i.key: i.scale_min for i in inst.areas},
                when=dt.datetime.now() - dt.timedelta(days=180))
    assign(soon, handledare)
    assign(later, handledare)
    assign(theirs, colleague)
    page = visible_text(client.get("/personal/deltagare").text)
    week = page.split("Min vecka", 1)[1].split("Kod", 1)[0]
    assert codes.display(soon.code) in week
    assert schedule.add_months(soon_start, 6).isoformat() in week
    assert codes.display(later.code) not in week  # in 20 days
    assert codes.display(theirs.code) not in week  # a colleague's


# --- 6a. mine or the whole insats; assigning and handing over ------------------------------------

def test_handledare_sees_their_own_and_can_switch_to_the_insats(client, handledare,
                                                               make_participant, make_user):
    colleague = make_user("handledare", "kollega@kommun.example")
    join(client, colleague)
    mine = make_participant(insats="Testinsatsen")
    theirs = make_participant(insats="Testinsatsen")
    nobodys = make_participant(insats="Testinsatsen")
    assign(mine, handledare)
    assign(theirs, colleague)
    assign(nobodys, None)
    default = codes_in_order(client.get("/personal/deltagare").text)
    assert mine.code in default
    assert nobodys.code in default  # nobody's yet: everyone in the insats sees them
    assert theirs.code not in default
    whole = client.get("/personal/deltagare", query_string={"urval": "insatsen"}).text
    assert {mine.code, theirs.code, nobodys.code} <= set(codes_in_order(whole))
    assert "kollega@kommun.example" in row_of(whole, theirs.code)
    assert "Ingen handledare" in row_of(whole, nobodys.code)
    # the counts at the top follow what is shown
    assert client.get("/personal/deltagare", query_string={"urval": "x"}).status_code == 200


def test_registering_makes_the_handledare_theirs(client, handledare):
    insats = db.session.scalar(sa.select(Insats.id))
    response = post(client, "/personal/deltagare/ny", insats=insats, start=str(TODAY))
    assert response.status_code == 302
    newest = db.session.scalars(sa.select(Enrolment).order_by(Enrolment.id.desc())).first()
    assert newest.handledare_id == handledare.id


def test_handledare_hands_their_participant_over_to_a_colleague(client, handledare,
                                                                make_participant, make_user):
    colleague = make_user("handledare", "kollega@kommun.example")
    join(client, colleague)
    outsider = make_user("handledare", "annan@kommun.example")  # not in the insats
    person = make_participant(insats="Testinsatsen")
    assign(person, handledare)
    url = f"/personal/deltagare/{person.code}/handledare"
    page = visible_text(client.get(f"/personal/deltagare/{person.code}").text)
    assert "Byt handledare" in page
    for bad in (str(outsider.id), "abc", ""):
        refused = post(client, url, handledare=bad)
        assert refused.status_code == 303
        assert enrolment_of(person).handledare_id == handledare.id
    done = post(client, url, handledare=str(colleague.id))
    assert done.status_code == 302
    assert enrolment_of(person).handledare_id == colleague.id
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="assign_handledare")).one()
    assert event.subject == person.code
    assert "kollega@kommun.example" in event.details
    # now the colleague's: not in my own caseload, and no longer mine to hand over
    assert person.code not in codes_in_order(client.get("/personal/deltagare").text)
    again = post(client, url, handledare=str(handledare.id))
    assert again.status_code == 303
    assert enrolment_of(person).handledare_id == colleague.id
    assert "Bara deltagarens handledare eller en samordnare" in visible_text(
        client.get(f"/personal/deltagare/{person.code}").text)
    log = visible_text(_samordnare_log(client, make_user))
    assert "Ny handledare" in log


def _samordnare_log(client, make_user):
    boss = make_user("samordnare", "chef@kommun.example")
    log_in_as(client, boss)
    return client.get("/personal/logg").text


def test_samordnare_assigns_any_participant_of_their_insats(client, login, make_participant,
                                                            make_user):
    person = make_participant(insats="Testinsatsen")
    boss = login("samordnare")
    join(client, boss)
    worker = make_user("handledare", "ny@kommun.example")
    join(client, worker)
    other = make_user("handledare", "annan@kommun.example")
    assign(person, other)  # even a participant someone else has (e.g. who has left)
    response = post(client, f"/personal/deltagare/{person.code}/handledare",
                    handledare=str(worker.id))
    assert response.status_code == 302
    assert enrolment_of(person).handledare_id == worker.id
    # the samordnare sees the whole insats by default, with each one's handledare
    assert "ny@kommun.example" in row_of(client.get("/personal/deltagare").text, person.code)


# --- 7. the samordnare's start page --------------------------------------------------------------

def test_samordnare_start_page_shows_what_is_due_per_insats_and_handledare(
        client, login, make_participant, make_user):
    inst = self_rating()
    boss = login("samordnare")
    insats_with("Steget", [(inst.key, "intake")])
    insats_with("Vägen", [(inst.key, "intake")])
    for name in ("Steget", "Vägen"):
        join(client, boss, name)
    anna = make_user("handledare", "anna@kommun.example")
    late = make_participant(days_ago=60, insats="Steget")  # overdue
    due = make_participant(days_ago=2, insats="Steget")  # due now
    quarter = next(q for q in periods.containing(TODAY).parts("quarter")
                   if q.start <= TODAY <= q.end)
    answered = make_participant(days_ago=(TODAY - quarter.start).days, insats="Vägen")
    fill_in(answered, inst.key, "intake", {i.key: i.scale_min for i in inst.areas})
    assign(late, anna)
    assign(due, anna)
    page = client.get("/personal/")
    assert page.status_code == 200
    seen = visible_text(page.text)
    assert "Hej!" not in seen
    per_insats = seen.split("Per insats", 1)[1].split("Per handledare", 1)[0]
    assert re.search(r"Steget\s+2\s+1\s+1", per_insats), per_insats  # active, overdue, due now
    assert re.search(r"Vägen\s+1\s+0\s+0", per_insats), per_insats
    assert "1 av 1" in per_insats.split("Vägen", 1)[1]  # response rate in the period
    per_handledare = seen.split("Per handledare", 1)[1]
    assert re.search(r"anna@kommun\.example\s+2\s+1\s+1", per_handledare), per_handledare
    assert 'href="/personal/rapporter' in page.text


def test_handledare_start_page_is_still_the_caseload(client, handledare):
    assert client.get("/personal/").headers["Location"].endswith("/personal/deltagare")


# --- 13. wording ---------------------------------------------------------------------------------

def test_reports_have_one_name(client, login):
    login("samordnare")
    for url in ("/personal/", "/personal/rapporter"):
        seen = visible_text(client.get(url).text)
        assert "Rapporter" in seen
        assert "Gruppresultat" not in seen


def test_area_counts_are_singular_for_one(client, login, runner, tmp_path):
    inst = self_rating()
    data = Data()
    for _n in range(12):
        person = data.person()
        for timepoint, day, step in (("intake", "2026-03-01", 0), ("exit", "2026-09-01", 1)):
            data.form(person, inst.key, timepoint, day,
                      {i.key: i.scale_min + step for i in inst.areas})
    data.load(runner, tmp_path)
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={
        "rapport": "progression", "instrument": inst.key, "period": "2025"})
    assert page.status_code == 200
    seen = visible_text(page.text)
    assert "1 område" in seen
    assert "1 områden" not in seen
    assert "2 områden" in seen


def test_dates_are_written_one_way(app):
    from questionnaire import dates

    assert dates.day(dt.date(2026, 3, 5)) == "2026-03-05"
    assert dates.day(dt.datetime(2026, 3, 5, 9, 7, 30)) == "2026-03-05"
    assert dates.day(dt.datetime(2026, 3, 5, 9, 7, 30), time=True) == "2026-03-05 09:07"
    assert dates.day(None) == "–"
    assert app.jinja_env.filters["datum"] is dates.day


def test_audit_log_and_caseload_write_dates_the_same_way(client, login, make_participant):
    person = make_participant(days_ago=3, insats="Testinsatsen")
    user = login("samordnare")
    join(client, user)
    client.get(f"/personal/deltagare/{person.code}")
    log = visible_text(client.get("/personal/logg").text)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", log)
    assert not re.search(r"\d{2}:\d{2}:\d{2}", log)  # minutes, as everywhere else
    row = row_of(client.get("/personal/deltagare").text, person.code)
    assert (TODAY - dt.timedelta(days=3)).isoformat() in row


def test_unreviewed_translation_is_said_once_not_in_the_language_list(client, handledare):
    form = client.get("/personal/deltagare/ny").text
    options = re.findall(r"<option[^>]*>([^<]*)</option>", form)
    assert not any("granskad" in o for o in options)
    seen = visible_text(form)
    assert seen.count("inte granskad") == 1
    assert "العربية" in seen.split("inte granskad", 1)[0].rsplit(".", 1)[-1]


# --- 13a. after the hand-back the handledare lands where they were going -------------------------

def test_after_the_hand_back_the_page_asked_for_opens(client, handledare, make_participant):
    person = make_participant(insats="Testinsatsen")
    start = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    client.get(start.headers["Location"], follow_redirects=True)
    away = client.get(f"/personal/deltagare/{person.code}/dialog")
    assert away.headers["Location"].endswith("/personal/lamna-tillbaka")
    back = post(client, "/personal/lamna-tillbaka", password=PASSWORD)
    assert back.headers["Location"].endswith(f"/personal/deltagare/{person.code}/dialog")


def test_a_deactivated_colleagues_participants_come_back_to_the_insats(
        client, handledare, make_participant, make_user):
    gone = make_user("handledare", "slutat@kommun.example")
    join(client, gone)
    person = make_participant(insats="Testinsatsen")
    assign(person, gone)
    assert person.code not in codes_in_order(client.get("/personal/deltagare").text)
    gone.active = False
    db.session.commit()
    assert person.code in codes_in_order(client.get("/personal/deltagare").text)
    taken = post(client, f"/personal/deltagare/{person.code}/handledare",
                 handledare=str(handledare.id))
    assert taken.status_code == 302
    assert enrolment_of(person).handledare_id == handledare.id


def test_the_new_pages_speak_english_to_staff_who_chose_it(client, login, make_participant):
    make_participant(days_ago=60, insats="Testinsatsen")
    boss = login("samordnare")
    join(client, boss)
    start = visible_text(client.get("/personal/", query_string={"lang": "en"}).text)
    assert "Per programme" in start
    assert "Per support worker" in start
    caseload = visible_text(client.get("/personal/deltagare").text)
    assert "The week in the programme" in caseload
    assert "No support worker" in caseload
