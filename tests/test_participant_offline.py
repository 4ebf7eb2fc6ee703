"""The server side of the tablet's promises (issue 14, items 3, 5 and 6): distinct error codes
for the tap script, a fresh CSRF token, the keep-alive and the idle lock, the service worker,
the manifest and the offline page. The browser tests in tests/browser/ drive the same in
Chromium."""

import re

import sqlalchemy as sa

from questionnaire.answering import answers
from questionnaire.extensions import db
from questionnaire.models import Answer, Questionnaire
from tests.conftest import csrf_token, questionnaire_id, stored


def rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Answer))


def test_the_service_worker_is_served_from_the_root_for_the_questions(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a new version reaches the tablets
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'addEventListener("fetch"' in response.text


def test_the_manifest_makes_the_questions_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["scope"] == "/q/"
    assert manifest["start_url"].startswith(manifest["scope"])
    for icon in manifest["icons"]:
        found = client.get(icon["src"])
        assert found.status_code == 200
        found.close()


def test_the_offline_page_speaks_the_language_asked_for(client):
    page = client.get("/q/utan-nat/ar")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "Ingen anslutning" not in page.text  # translated
    assert client.get("/q/utan-nat/xx").status_code == 404
    swedish = client.get("/q/utan-nat/sv").text
    assert "Ingen anslutning" in swedish


def test_a_fresh_csrf_token_only_for_ones_own_questionnaire(client, open_link, make_participant):
    qid = questionnaire_id(open_link(make_participant()))
    fresh = client.get(f"/q/{qid}/nyckel").json["csrf_token"]
    saved = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 2},
                        headers={"X-CSRFToken": fresh})
    assert saved.status_code == 200
    other = make_participant()
    q = answers.start(answers.current_enrolment(other.id), "skapa", "intake")
    db.session.commit()
    assert client.get(f"/q/{q.id}/nyckel").status_code == 404


def test_refusals_say_whether_sending_again_can_help(client, open_link, make_participant, answer):
    qid = questionnaire_id(open_link(make_participant()))
    stale = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 2},
                        headers={"X-CSRFToken": "stale", "Accept": "application/json"})
    assert (stale.status_code, stale.json["code"]) == (400, "csrf")
    assert answer(qid, "S9", expect=400, step=2).json["code"] == "rejected"
    q = db.session.get(Questionnaire, qid)
    for n in range(1, 7):
        answers.save_answer(q, f"S{n}", step=1)
    answers.complete(q)
    db.session.commit()
    done = answer(qid, "S1", expect=409, step=5)
    assert done.json["code"] == "completed"
    assert "redan avslutad" in done.json["error"]


def hand_over(client, person):
    start = client.post(f"/personal/deltagare/{person.code}/lamna-over",
                        data={"csrf_token": csrf_token(client, "/personal/")})
    return int(re.search(r"/q/(\d+)/", start.headers["Location"]).group(1))


def age(client, seconds):
    """Make the hand-over's last request `seconds` older."""
    with client.session_transaction() as session:
        state = session["handover"]
        state["seen"] -= seconds
        session["handover"] = state


def test_the_keep_alive_keeps_a_handed_over_tablet_open(app, client, handledare,
                                                        make_participant):
    app.config["HANDOVER_IDLE_MINUTES"] = 1
    qid = hand_over(client, make_participant(insats="Testinsatsen"))
    token = csrf_token(client, f"/q/{qid}/")
    for _ in range(4):  # a touch every 20 s
        age(client, 20)
        assert client.get("/q/kvar").json == {"ok": True}
    age(client, 20)  # 100 s after the hand-over, 20 s after the last touch
    tapped = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 3},
                         headers={"X-CSRFToken": token})
    assert tapped.status_code == 200, tapped.text
    assert stored(qid) == {"S1": 3}


def test_an_answer_after_the_lock_is_refused_and_never_called_saved(app, client, handledare,
                                                                    make_participant):
    app.config["HANDOVER_IDLE_MINUTES"] = 1
    qid = hand_over(client, make_participant(insats="Testinsatsen"))
    token = csrf_token(client, f"/q/{qid}/")
    age(client, 61)
    tapped = client.post(f"/q/{qid}/svar", json={"item": "S1", "step": 3},
                         headers={"X-CSRFToken": token})
    assert tapped.status_code == 401
    assert tapped.json["code"] == "locked"
    assert tapped.json["lock_url"].endswith("/personal/lamna-tillbaka")
    locked = client.get("/personal/lamna-tillbaka")
    assert "sparades inte" in locked.text
    assert "Dina svar är sparade" not in locked.text
    assert rows() == 0


def test_a_plain_form_answer_after_the_lock_is_not_called_saved(app, client, handledare,
                                                                make_participant):
    app.config["HANDOVER_IDLE_MINUTES"] = 1
    qid = hand_over(client, make_participant(insats="Testinsatsen"))
    token = csrf_token(client, f"/q/{qid}/")
    age(client, 61)
    posted = client.post(f"/q/{qid}/fraga/S1", data={"csrf_token": token, "step": "3"})
    assert posted.headers["Location"].endswith("/personal/lamna-tillbaka")
    locked = client.get(posted.headers["Location"])
    assert "Surfplattan är låst" in locked.text
    assert "sparades inte" in locked.text
    assert "Dina svar är sparade" not in locked.text
    assert rows() == 0


def test_the_tablets_own_timer_shows_the_locked_screen_not_thanks(client, handledare,
                                                                  make_participant):
    qid = hand_over(client, make_participant(insats="Testinsatsen"))
    page = client.get(f"/q/{qid}/fraga/S1")
    lock_url = re.search(r'data-lock-url="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    locked = client.get(lock_url)
    assert "Surfplattan är låst" in locked.text
    assert "Tack!" not in locked.text
    assert client.get(f"/q/{qid}/fraga/S1").headers["Location"].endswith("/lamna-tillbaka")
