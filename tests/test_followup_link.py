"""The follow-up link handed out at exit (issue 16 item 5): one long-lived link that opens only the
follow-ups after exit (exit+6m, exit+12m), each when it is due; and the web report's end point."""

import csv
import datetime as dt
import hashlib
import html
import io
import re

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.models import (
    AuditEvent,
    Enrolment,
    FollowUpLink,
    Insats,
    Questionnaire,
    ScheduleEntry,
    utcnow,
)
from questionnaire.reporting import periods
from tests.conftest import csrf_token, fill_in, skapa
from tests.reportdata import Data

TODAY = dt.date.today()


@pytest.fixture
def follow_ups(handledare):
    """Testinsatsen with SKAPA six and twelve months after the exit."""
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule.extend([ScheduleEntry(instrument="skapa", timepoint="exit+6m"),
                            ScheduleEntry(instrument="skapa", timepoint="exit+12m")])
    db.session.commit()
    return insats


def exit_now(client, person):
    """Record the exit today on the participant page; returns the page and the link's path."""
    page = client.post(f"/personal/deltagare/{person.code}/avslut", data={
        "csrf_token": csrf_token(client, f"/personal/deltagare/{person.code}"),
        "exit_date": str(TODAY), "exit_reason": "arbete"})
    assert page.status_code == 200, page.text
    found = re.search(r"http://localhost(/u/[A-Za-z0-9_-]+)", page.text)
    assert found, page.text
    return page, found.group(1)


def move_exit(person, days_ago):
    """As if the exit was `days_ago` days ago (time passing, seen from the schedule)."""
    enrolment = db.session.scalar(sa.select(Enrolment).filter_by(participant_id=person.id))
    enrolment.start_date = TODAY - dt.timedelta(days=days_ago + 200)
    enrolment.exit_date = TODAY - dt.timedelta(days=days_ago)
    db.session.commit()


def log_out(client):
    """The participant's own phone: no staff session."""
    with client.session_transaction() as s:
        s.clear()


def texts_to_send(page):
    """The texts to send with the follow-up link: (lang, dir, text), in the order shown."""
    return [(lang, direction, html.unescape(text)) for lang, direction, text in re.findall(
        r'<textarea[^>]*class="follow-text"[^>]*lang="([^"]+)" dir="([^"]+)">([^<]*)</textarea>',
        page)]


def started():
    db.session.expire_all()
    return db.session.scalars(sa.select(Questionnaire.timepoint).order_by(Questionnaire.id)).all()


def test_the_link_is_made_at_exit_with_qr_and_a_text_to_send(client, follow_ups,
                                                              make_participant):
    person = make_participant(days_ago=200)
    page, path = exit_now(client, person)
    assert "<svg" in page.text  # the QR code, drawn on the server
    texts = texts_to_send(page.text)
    assert [lang for lang, _dir, _text in texts] == ["sv"]  # a participant who answers in Swedish
    sms = texts[0][2]
    assert sms.startswith("Hej! Om 6 och 12 månader vill vi gärna veta hur det går för dig.")
    assert path in sms
    assert person.code not in sms
    assert person.code.replace("-", "") not in sms
    # only the hash is kept
    link = db.session.scalars(sa.select(FollowUpLink)).one()
    token = path.rsplit("/", 1)[1]
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for column in FollowUpLink.__table__.columns:
        assert token not in str(getattr(link, column.key))
    assert link.expires_at.date() > TODAY + dt.timedelta(days=365 + 14)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "create_follow_up_link" in actions
    # and the page shows that a follow-up link exists, but never the link again
    later = client.get(f"/personal/deltagare/{person.code}")
    assert "Uppföljningslänk" in later.text
    assert path not in later.text


def test_the_text_to_send_is_in_the_participants_language_and_swedish(client, follow_ups,
                                                                       make_participant):
    """A participant who answers in Arabic gets the text in Arabic (right to left, with the
    Arabic web font); the Swedish beside it tells the handledare what it says."""
    person = make_participant(days_ago=200, language="ar")
    page, path = exit_now(client, person)
    texts = texts_to_send(page.text)
    assert [(lang, direction) for lang, direction, _text in texts] == [("ar", "rtl"),
                                                                       ("sv", "ltr")]
    arabic, swedish = texts[0][2], texts[1][2]
    assert arabic.startswith("مرحبًا!")
    assert "بعد مرور 6 و12 من الأشهر" in arabic  # "after 6 and 12 months"
    assert path in arabic
    assert swedish.startswith("Hej! Om 6 och 12 månader")
    assert "på العربية" in page.text  # the label names the language
    assert "noto-sans-arabic" in page.text  # the font, for a computer that lacks one


@pytest.mark.parametrize("language", ["en", "sv@lattlast", "ar", "fa", "fa_AF", "so", "ti",
                                      "uk"])
def test_the_text_to_send_is_translated(app, language):
    """Every participant language has both texts, with the months and the link in them."""
    from questionnaire.answering import followup
    from questionnaire.i18n import translate_in

    for text in followup.MESSAGES.values():
        translated = translate_in(language, text)
        assert translated != text
        assert set(re.findall(r"%\((\w+)\)s", translated)) == set(
            re.findall(r"%\((\w+)\)s", text))


def test_before_the_follow_up_it_says_when_to_come_back(client, follow_ups, make_participant):
    person = make_participant(days_ago=200, language="ar")
    _page, path = exit_now(client, person)
    log_out(client)
    page = client.get(path)
    assert page.status_code == 200
    assert 'lang="ar"' in page.text  # in the participant's language
    assert "نرجو أن تعود لاحقًا" in page.text  # "Välkommen tillbaka senare"
    # ... with the day the six-month follow-up opens (14 days before its date)
    opens = schedule.add_months(TODAY, 6) - dt.timedelta(days=14)
    assert format_date(opens, "long", locale="ar") in page.text
    assert started() == []  # nothing opened, nothing started


def test_opens_the_six_month_follow_up_and_then_the_twelve_month(client, follow_ups,
                                                                  make_participant):
    person = make_participant(days_ago=200)
    _page, path = exit_now(client, person)
    log_out(client)
    move_exit(person, 180)
    opened = client.get(path)
    assert opened.status_code == 302
    assert started() == ["exit+6m"]
    assert client.get(opened.headers["Location"], follow_redirects=True).status_code == 200
    fill_in(person, "skapa", "exit+6m", skapa(3, 3, 3, 3, 3, 3))
    # the same link still says when to come back (not used up) ...
    assert client.get(path).status_code == 200
    # ... and opens the twelve-month one when it is due
    move_exit(person, 362)
    log_out(client)
    again = client.get(path)
    assert again.status_code == 302, again.text
    assert started() == ["exit+6m", "exit+12m"]


def test_it_opens_nothing_else(client, follow_ups, make_participant):
    person = make_participant(days_ago=200)
    earlier = fill_in(person, "skapa", "intake", skapa(2, 2, 2, 2, 2, 2), complete=False)
    _page, path = exit_now(client, person)
    log_out(client)
    move_exit(person, 180)
    assert client.get(path).status_code == 302
    assert client.get("/mina-uppgifter").status_code == 404  # never the participant's own data
    assert client.get(f"/q/{earlier.id}/").status_code == 404  # nor another questionnaire
    assert client.get(f"{path}/mina-uppgifter").status_code == 404


def test_an_expired_link_opens_nothing_and_ends_its_session(client, follow_ups,
                                                             make_participant):
    person = make_participant(days_ago=200)
    _page, path = exit_now(client, person)
    log_out(client)
    move_exit(person, 180)
    opened = client.get(path)
    link = db.session.scalars(sa.select(FollowUpLink)).one()
    link.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert client.get(opened.headers["Location"]).status_code == 410
    page = client.get(path)
    assert page.status_code == 410
    assert "slutat gälla" in page.text


def test_the_handledare_revokes_it(client, follow_ups, make_participant, handledare):
    person = make_participant(days_ago=200)
    _page, path = exit_now(client, person)
    move_exit(person, 180)
    revoked = client.post(f"/personal/deltagare/{person.code}/uppfoljningslank/aterkalla",
                          data={"csrf_token": csrf_token(client,
                                                         f"/personal/deltagare/{person.code}")})
    assert revoked.status_code == 302
    assert "revoke_follow_up_link" in db.session.scalars(sa.select(AuditEvent.action)).all()
    log_out(client)
    page = client.get(path)
    assert page.status_code == 410
    assert started() == []


def test_a_new_link_on_demand_replaces_the_old(client, follow_ups, make_participant):
    person = make_participant(days_ago=200)
    _page, old = exit_now(client, person)
    page = client.post(f"/personal/deltagare/{person.code}/uppfoljningslank", data={
        "csrf_token": csrf_token(client, f"/personal/deltagare/{person.code}")})
    assert page.status_code == 200
    new = re.search(r"http://localhost(/u/[A-Za-z0-9_-]+)", page.text).group(1)
    assert new != old
    log_out(client)
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200


def test_no_follow_up_link_before_the_exit(client, follow_ups, make_participant):
    person = make_participant(days_ago=20)
    page = client.post(f"/personal/deltagare/{person.code}/uppfoljningslank", data={
        "csrf_token": csrf_token(client, f"/personal/deltagare/{person.code}")},
        follow_redirects=True)
    assert page.status_code == 200
    assert "/u/" not in page.text
    assert db.session.scalars(sa.select(FollowUpLink)).all() == []


def test_a_wrong_link_is_a_clear_message(client, app):
    page = client.get("/u/finns-inte")
    assert page.status_code == 404
    assert "Länken finns inte" in page.text


# --- The web report's end point ---------------------------------------------------------------

def test_the_report_page_can_end_progression_at_a_follow_up(client, login, runner, tmp_path):
    year = periods.last_complete(TODAY)
    before = year.start - dt.timedelta(days=100)
    d = Data()
    for n in range(12):
        person = d.person("kvinna" if n % 2 else "man")
        d.form(person, "skapa", "intake", str(before - dt.timedelta(days=200)),
               {f"S{k}": 1 for k in range(1, 7)})
        d.form(person, "skapa", "exit", str(before), {f"S{k}": 1 for k in range(1, 7)})
        d.form(person, "skapa", "exit+6m", str(year.start + dt.timedelta(days=80)),
               {f"S{k}": 1 + (k == 1) for k in range(1, 7)})
    d.load(runner, tmp_path)
    login("samordnare")

    def samtliga(**query):
        response = client.get("/personal/rapporter", query_string={
            "rapport": "progression", "period": year.key, "format": "csv", **query})
        assert response.status_code == 200, response.text
        rows = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
        return next((r for r in rows if r["group"] == "samtliga"), {"n": ""})

    assert samtliga()["n"] == ""  # the exits were before the year
    follow = samtliga(slut="exit+6m")
    assert (follow["n"], follow["any_improved_pct"]) == ("12", "100.0")
    assert samtliga(slut="exit+12m")["n"] == ""
    page = client.get("/personal/rapporter", query_string={"rapport": "progression",
                                                            "period": year.key})
    assert 'name="slut"' in page.text
    bad = client.get("/personal/rapporter", query_string={"rapport": "progression",
                                                           "period": year.key, "slut": "6m"})
    assert bad.status_code == 400
    assert "Slutpunkten finns inte" in bad.text
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report")
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None


def test_after_a_follow_up_no_earlier_ratings_are_shown(client, follow_ups, make_participant):
    person = make_participant(days_ago=200)
    fill_in(person, "skapa", "intake", skapa(1, 1, 1, 1, 1, 1))
    _page, path = exit_now(client, person)
    log_out(client)
    move_exit(person, 180)
    url = client.get(path).headers["Location"]
    q = fill_in(person, "skapa", "exit+6m", skapa(4, 4, 4, 4, 4, 4), complete=False)
    done = client.post(f"/q/{q.id}/klar", data={"csrf_token": csrf_token(client, url)},
                       follow_redirects=True)
    assert done.status_code == 200
    assert "Tack" in done.text
    assert "plotly" not in done.text  # no chart of the earlier ratings
    assert "/mina-uppgifter" not in done.text


def test_erasing_the_participant_removes_the_link(client, follow_ups, make_participant):
    from questionnaire import privacy
    from questionnaire.models import Participant

    person = make_participant(days_ago=200)
    _page, path = exit_now(client, person)
    privacy.erase(db.session.get(Participant, person.id))
    db.session.commit()
    assert db.session.scalars(sa.select(FollowUpLink)).all() == []
    log_out(client)
    assert client.get(path).status_code == 404
