"""Survey rounds of the professional NNS forms (issue 15, item 2 and 4): a samordnare opens a
round and shares one link; anyone with the link answers once per browser, anonymously; the round
page shows responses against invited, never who; abuse limits; a closed round; paper forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments, surveys
from questionnaire.extensions import db
from questionnaire.models import Insats, SurveyAnswer, SurveyResponse, SurveyRound
from questionnaire.reporting import periods
from tests.conftest import csrf_token
from tests.test_caseload import post
from tests.test_import import write
from tests.test_professional_import import row

THIS_YEAR = periods.containing(dt.date.today())
UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Stegvis-test-telefon"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def samordnare(login):
    return login("samordnare")


def open_round(client, form="nns-personal", invited="12", period=None, **extra):
    return post(client, "/personal/enkatomgangar", instrument=form, invited=invited,
                period=period or THIS_YEAR.key, **extra)


def round_link(client, response) -> str:
    """The shareable link on the round page the samordnare lands on."""
    page = client.get(response.headers["Location"])
    match = re.search(r"(/enkat/[A-Za-z0-9_-]+)", page.text)
    assert match, page.text
    return match.group(1)


@pytest.fixture
def link(client, samordnare, app):
    response = open_round(client, invited="4")
    assert response.status_code == 302, response.text
    url = round_link(client, response)
    return url


def new_browser(app):
    return app.test_client()


def answer(browser, url, steps=None, **headers):
    """Answer the round as a phone would: the form's CSRF token, then the answers."""
    page = browser.get(url, headers=headers)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    data = {"csrf_token": token.group(1)}
    data.update(steps if steps is not None else {"P3": "4", "P6": "5"})
    return browser.post(url, data=data, headers=headers)


def test_a_samordnare_opens_a_round_and_gets_a_link_and_a_qr_code(client, samordnare, app):
    insats = Insats(name="Steget")
    db.session.add(insats)
    db.session.commit()
    response = open_round(client, invited="12", insats=str(insats.id))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    name = instruments.get("nns-personal").name
    assert f"{name} {THIS_YEAR.year}/{(THIS_YEAR.year + 1) % 100:02d}" in page.text
    assert "Steget" in page.text
    assert "<svg" in page.text  # the QR code, drawn here
    assert "0 av 12" in page.text
    url = round_link(client, response)
    assert f"http://localhost{url}" in page.text  # the whole link, to copy into an e-mail
    stored = db.session.scalars(sa.select(SurveyRound)).one()
    assert stored.invited == 12
    assert stored.insats_id == insats.id
    assert stored.max_responses == 36  # 3 x invited unless the samordnare says otherwise
    # unguessable: 32 random bytes, different for every round
    other = round_link(client, open_round(client, form="nns-styrelse", invited="6"))
    assert len(url.rsplit("/", 1)[1]) >= 40
    assert url != other


@pytest.mark.parametrize(("fields", "message"), [
    ({"invited": "abc"}, "Antal inbjudna"),
    ({"invited": "0"}, "Antal inbjudna"),
    ({"invited": ""}, "Antal inbjudna"),
    ({"invited": "99999999999999999999"}, "Antal inbjudna"),
    ({"invited": "²"}, "Antal inbjudna"),  # a digit to str.isdigit, not to int()
    ({"form": "nns-pagaende"}, "Välj ett formulär"),
    ({"form": "finns-inte"}, "Välj ett formulär"),
    ({"period": "abc"}, "Välj ett NNS-år"),
    ({"insats": "9999"}, "Välj en insats"),
    ({"max_responses": "2"}, "Högst antal svar"),
])
def test_a_round_with_bad_input_is_refused_with_a_message(client, samordnare, fields, message):
    response = open_round(client, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert count(SurveyRound) == 0


def test_anyone_with_the_link_answers_in_swedish_without_logging_in(app, link):
    browser = new_browser(app)
    page = browser.get(link, headers={"Accept-Language": "ar,en;q=0.8"})
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
    assert instruments.get("nns-personal").item("P3").text in page.text
    assert "Ditt svar är anonymt" in page.text
    response = answer(browser, link)
    assert response.status_code in (302, 303)
    assert "Tack" in browser.get(link).text
    stored = db.session.scalars(sa.select(SurveyResponse)).one()
    assert (stored.source, stored.instrument) == ("web", "nns-personal")
    assert stored.round_id == db.session.scalar(sa.select(SurveyRound.id))
    answers = db.session.execute(sa.select(SurveyAnswer.item_key, SurveyAnswer.step)
                                 .order_by(SurveyAnswer.item_key)).all()
    assert answers == [("P3", 4), ("P6", 5)]


def test_nothing_stored_identifies_the_respondent(app, link):
    browser = new_browser(app)
    assert answer(browser, link, **{"User-Agent": UA}).status_code in (302, 303)
    assert count(SurveyResponse) == 1
    cookies = [c.value for c in browser._cookies.values()] if hasattr(browser, "_cookies") else []
    today = dt.date.today()
    everything = []
    for table in db.metadata.sorted_tables:
        everything += [str(dict(r)) for r in db.session.execute(
            sa.select(table)).mappings()]
    dump = "\n".join(everything)
    assert "127.0.0.1" not in dump
    assert "Pixel 8" not in dump
    assert "Stegvis-test-telefon" not in dump
    for value in cookies:
        assert value not in dump
    stored = db.session.execute(sa.select(SurveyResponse.__table__)).mappings().one()
    assert stored["answered_month"] == f"{today:%Y-%m}"
    assert str(today) not in str(dict(stored))  # the month only, never the day
    assert set(stored) == {"id", "instrument_version_id", "instrument", "round_id",
                           "insats_id", "answered_month", "source", "paper_number"}


def test_one_answer_per_browser(app, link):
    browser = new_browser(app)
    answer(browser, link)
    again = answer(browser, link, steps={"P3": "1"})
    assert again.status_code == 200
    assert "Du har redan svarat" in again.text
    assert count(SurveyResponse) == 1
    assert "Du har redan svarat" in browser.get(link).text
    answer(new_browser(app), link)  # another phone answers
    assert count(SurveyResponse) == 2


def test_the_once_per_browser_cookie_is_signed_and_per_round(app, client, link):
    browser = new_browser(app)
    answer(browser, link)
    names = [c.key for c in browser._cookies.values() if c.key.startswith("stegvis_enkat")]
    assert len(names) == 1
    forged = new_browser(app)
    forged.set_cookie(names[0], "1", path=link)
    # a made-up cookie does not count as an answer: the form is there
    assert 'name="P3"' in forged.get(link).text
    # answering one round leaves the browser free to answer another
    other = round_link(client, open_round(client, form="nns-styrelse", invited="6"))
    assert 'name="B12"' in browser.get(other).text


def test_the_round_stops_at_its_maximum_of_responses(app, client, samordnare):
    url = round_link(client, open_round(client, invited="1"))  # at most 3 responses
    for _ in range(3):
        assert answer(new_browser(app), url).status_code in (302, 303)
    late = new_browser(app)
    page = late.get(url)
    assert "tagit emot så många svar" in page.text
    refused = answer(late, url)
    assert "tagit emot så många svar" in refused.text
    assert count(SurveyResponse) == 3


def test_answers_are_rate_limited_per_round(app, client, samordnare):
    app.config["SURVEY_LIMIT"] = "2 per minute"
    url = round_link(client, open_round(client, invited="20"))
    other = round_link(client, open_round(client, form="nns-styrelse", invited="6"))
    assert answer(new_browser(app), url).status_code in (302, 303)
    assert answer(new_browser(app), url).status_code in (302, 303)
    third = answer(new_browser(app), url, steps={"P3": "2"})
    assert third.status_code == 429
    assert "Många svarar just nu" in third.text
    assert 'value="2" checked' in third.text  # the answers are still on the page
    assert count(SurveyResponse) == 2
    assert answer(new_browser(app), other, steps={"B12": "3"}).status_code in (302, 303)


def test_an_empty_or_bad_answer_is_refused_with_a_message(app, link):
    browser = new_browser(app)
    empty = answer(browser, link, steps={})
    assert empty.status_code == 400
    assert "Svara på minst en fråga" in empty.text
    bad = answer(browser, link, steps={"P3": "9", "P6": "x"})
    assert bad.status_code == 400
    assert "Välj ett av svaren" in bad.text
    assert count(SurveyResponse) == 0
    assert answer(browser, link).status_code in (302, 303)  # not blocked by the refusals


def test_a_closed_round_says_so_kindly(app, client, link):
    round_id = db.session.scalar(sa.select(SurveyRound.id))
    response = post(client, f"/personal/enkatomgangar/{round_id}/stang")
    assert response.status_code == 302
    browser = new_browser(app)
    page = browser.get(link)
    assert "Enkäten är stängd" in page.text
    assert "Tack" in page.text
    assert 'name="P3"' not in page.text
    refused = browser.post(link, data={"csrf_token": csrf_token(browser, link), "P3": "4"})
    assert "Enkäten är stängd" in refused.text
    assert count(SurveyResponse) == 0
    assert "Stängd" in client.get(f"/personal/enkatomgangar/{round_id}").text


def test_the_round_page_shows_responses_against_invited_never_who(app, client, link):
    round_id = db.session.scalar(sa.select(SurveyRound.id))
    for step in ("1", "6", "3"):
        answer(new_browser(app), link, steps={"P3": step})
    page = client.get(f"/personal/enkatomgangar/{round_id}")
    assert "3 av 4" in page.text
    assert "75 %" in page.text
    assert "Aldrig" not in page.text
    assert "Alltid" not in page.text
    listing = client.get("/personal/enkatomgangar")
    assert "3 av 4" in listing.text


def test_only_a_samordnare_opens_rounds(client, login):
    login("handledare")
    assert open_round(client).status_code == 403
    assert count(SurveyRound) == 0


def test_invited_for_the_annual_report(app):
    personal = instruments.get("nns-personal")
    steget = Insats(name="Steget")
    db.session.add(steget)
    db.session.flush()
    year = periods.Period(2025, "year")
    surveys.open_round(personal, year, invited=12)
    surveys.open_round(personal, year, invited=5, insats=steget)
    surveys.open_round(personal, periods.Period(2024, "year"), invited=99)
    db.session.commit()
    assert surveys.invited("nns-personal", year) == 17
    assert surveys.invited("nns-personal", year, insats="Steget") == 5
    assert surveys.invited("nns-styrelse", year) is None  # no round: not known
    assert surveys.invited("nns-personal", year.parts("quarter")[0]) is None


def test_a_printable_paper_form_per_round(client, link):
    round_id = db.session.scalar(sa.select(SurveyRound.id))
    page = client.get(f"/personal/enkatomgangar/{round_id}/papper")
    assert page.status_code == 200
    assert "css/print.css" in page.text
    form = instruments.get("nns-personal")
    for item in form.items:
        assert item.text in page.text
        for step in item.scale.steps:
            assert step.label in page.text
    assert "import-answers" in page.text
    assert "nns-personal" in page.text


def test_paper_answers_count_in_the_round_of_their_form_and_year(client, samordnare, runner,
                                                                 tmp_path):
    open_round(client, invited="4", period=THIS_YEAR.key)
    round_id = db.session.scalar(sa.select(SurveyRound.id))
    today, earlier = str(dt.date.today()), str(THIS_YEAR.start - dt.timedelta(days=1))
    lines = [row("1", "nns-personal", "P3", 4, day=today),
             row("2", "nns-personal", "P3", 5, day=today),
             row("3", "nns-personal", "P3", 5, day=earlier),  # the year before
             row("4", "nns-personal", "P3", 5, day=today, insats="Steget"),  # another insats
             row("5", "nns-styrelse", "B12", 5, day=today)]  # another form
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    in_round = db.session.scalars(sa.select(SurveyResponse.paper_number).where(
        SurveyResponse.round_id == round_id).order_by(SurveyResponse.id)).all()
    assert in_round == ["1", "2"]
    assert "2 av 4" in client.get(f"/personal/enkatomgangar/{round_id}").text


def test_the_access_log_leaves_out_the_survey_pages(monkeypatch):
    """gunicorn's access log line holds the client's address, user agent and the second: not
    for an anonymous answer (its order among the responses would give it away)."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from questionnaire import accesslog

    logged = []
    monkeypatch.setattr(Logger, "access", lambda self, resp, req, environ, t: logged.append(
        environ["PATH_INFO"]))
    logger = accesslog.Logger(Config())
    for path in ("/enkat/abc", "/personal/logga-in"):
        logger.access(None, None, {"PATH_INFO": path}, dt.timedelta(0))
    assert logged == ["/personal/logga-in"]
    from questionnaire.config import ROOT

    assert "questionnaire.accesslog.Logger" in (ROOT / "Containerfile").read_text()


def test_the_development_server_log_leaves_out_the_survey_pages(app, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" %s -', "POST /enkat/abc HTTP/1.1",
                                           303)
        logging.getLogger("werkzeug").info('127.0.0.1 - - "%s" %s -', "GET /personal/ HTTP/1.1",
                                           200)
    assert [r.getMessage() for r in caplog.records] == ['127.0.0.1 - - "GET /personal/ HTTP/1.1" 200 -']
