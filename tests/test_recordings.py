"""Recorded readings (issue 17, item 8): the samordnare's recording page, what it refuses, how a
participant's tablet gets an approved take, and that takes go with their instrument version."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, InstrumentVersion, Recording
from tests.conftest import csrf_token

PAGE = "/personal/inspelningar/skapa/1/ti"
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 200  # the first bytes of a WebM file, then nothing
OGG = b"OggS" + b"\x00" * 200


def upload(client, part="item:S1", data=WEBM, mime="audio/webm;codecs=opus", token=None,
           page=PAGE):
    token = token if token is not None else csrf_token(client, page)
    return client.post(f"{page}/ta?part={part}", data=data, content_type=mime,
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


def approve(client, part="item:S1", page=PAGE, **extra):
    return client.post(f"{page}/godkann", data={
        "csrf_token": csrf_token(client, page), "part": part, **extra})


def stored_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Recording))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def speak_audio(page_text: str) -> dict:
    """The recordings the question page's data gives its first question (offline data)."""
    data = json.loads(re.search(r'id="questionnaire-data">(.*?)</script>', page_text,
                                re.S).group(1))
    return data["items"][0]


def test_the_page_lists_every_question_and_step_in_the_language(client, login):
    login("samordnare")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.headers["Permissions-Policy"].count("microphone=(self)") == 1
    inst = instruments.get("skapa", 1)
    from flask_babel import force_locale

    from questionnaire.i18n import step_label, tr
    with force_locale("ti"):
        texts = [tr(i.text) for i in inst.items] + [
            step_label(i.scale.key, s.label) for i in inst.items for s in i.scale.steps]
    for text in texts:
        assert text in page.text
    assert page.text.count('class="take"') == 6 + 6 * 5 + 1  # questions, steps, "Vill inte svara"
    assert 'lang="ti"' in page.text
    overview = client.get("/personal/inspelningar/")
    assert f'href="{PAGE}"' in overview.text
    # every other page keeps the microphone off
    assert "microphone=()" in client.get("/personal/instrument/").headers["Permissions-Policy"]


def test_a_take_is_kept_unapproved_then_approved(client, login, open_link, make_participant):
    login("samordnare")
    response = upload(client)
    assert response.status_code == 200, response.text
    listen = client.get(response.json["url"])
    assert listen.data == WEBM
    assert listen.headers["Content-Type"] == "audio/webm"
    take = db.session.scalars(sa.select(Recording)).one()
    assert (take.part, take.locale, take.approved) == ("item:S1", "ti", False)
    assert re.fullmatch(r"\d{4}-\d{2}", take.created_month)
    assert "recording_add" in actions()

    person_page = client.get(open_link(make_participant(language="ti")))
    assert speak_audio(person_page.text)["audio"] is None  # not approved: not heard

    assert approve(client).status_code == 302
    assert "Inspelningen är godkänd" in client.get(PAGE).text
    assert actions()[-1] == "recording_approve"
    person_page = client.get(open_link(make_participant(language="ti")))
    assert speak_audio(person_page.text)["audio"].startswith("/q/")


def test_a_new_take_replaces_the_old_and_waits_for_approval(client, login):
    login("samordnare")
    first = upload(client).json["url"]
    approve(client)
    second = upload(client, data=OGG, mime="audio/ogg").json["url"]
    assert first != second  # a new take is a new URL
    take = db.session.scalars(sa.select(Recording)).one()
    assert (take.mime, take.approved) == ("audio/ogg", False)
    approve(client, remove="1")
    assert stored_count() == 0
    assert actions()[-1] == "recording_remove"


@pytest.mark.parametrize(("data", "mime", "message"), [
    (b"ID3" + b"\x00" * 100, "audio/mpeg", "WebM, Ogg eller MP4"),  # not a type we record
    (b"hello", "text/plain", "WebM, Ogg eller MP4"),
    (b"", "audio/webm", "WebM, Ogg eller MP4"),
    (b"<html>" + b"\x00" * 100, "audio/webm", "inte en ljudinspelning"),  # says webm, is not
    (b"\x1a\x45\xdf\xa3" + b"\x00" * 2_000_000, "audio/webm", "större än 2 MB"),
])
def test_bad_takes_are_refused_with_a_message_and_nothing_is_stored(client, login, data, mime,
                                                                    message):
    login("samordnare")
    response = upload(client, data=data, mime=mime)
    assert response.status_code in (400, 413)
    assert message in response.json["error"]
    assert "Ingenting sparades" in response.json["error"]
    assert stored_count() == 0
    assert "recording_add" not in actions()


def test_a_text_not_in_the_version_is_refused(client, login):
    login("samordnare")
    assert upload(client, part="item:NOPE").status_code == 400
    assert client.get("/personal/inspelningar/skapa/1/xx").status_code == 404
    assert client.get("/personal/inspelningar/skapa/99/ti").status_code == 404
    assert stored_count() == 0


@pytest.mark.parametrize("role", ["handledare", "analytiker", None])
def test_only_a_samordnare_records(client, login, role):
    token = csrf_token(client, "/personal/logga-in")
    if role is not None:
        login(role)
        token = csrf_token(client, "/personal/")
    response = upload(client, token=token)
    assert response.status_code in (302, 401, 403)
    assert stored_count() == 0


def test_no_csrf_token_no_take(client, login):
    login("samordnare")
    assert upload(client, token="forged").status_code == 400
    assert stored_count() == 0


def recorded_and_approved(client, login, make_participant, language="ti"):
    """A samordnare approves a take of S1 in Tigrinya; then a participant opens their link in
    another browser. Returns (participant's client, the take's URL)."""
    login("samordnare")
    upload(client)
    approve(client)
    participant = client.application.test_client()
    from questionnaire.answering import links

    link = links.create(make_participant(language=language))
    db.session.commit()
    first = participant.get(f"/l/{link}").headers["Location"]
    page = participant.get(first)
    return participant, speak_audio(page.text)["audio"]


def test_the_tablet_gets_an_approved_take_with_cache_headers(client, login, open_link,
                                                             make_participant):
    participant, url = recorded_and_approved(client, login, make_participant)
    heard = participant.get(url)
    assert heard.status_code == 200
    assert heard.data == WEBM
    assert heard.headers["Content-Type"] == "audio/webm"
    cache = heard.headers["Cache-Control"]
    assert "immutable" in cache
    assert "private" in cache  # a browser with the session may keep it; a shared cache may not
    assert "max-age=31536000" in cache
    etag = heard.headers["ETag"].strip('"')
    assert etag == db.session.scalars(sa.select(Recording)).one().digest
    again = participant.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    part = participant.get(url, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206
    assert part.data == WEBM[:4]


def test_nobody_without_the_questionnaire_hears_a_take(client, app, login, open_link,
                                                       make_participant):
    participant, url = recorded_and_approved(client, login, make_participant)
    stranger = app.test_client()
    assert stranger.get(url).status_code == 404  # no session: nothing, not even that it exists
    other = app.test_client()  # someone else's questionnaire: not theirs to open
    from questionnaire.answering import links

    link = links.create(make_participant(language="ti"))
    db.session.commit()
    other.get(f"/l/{link}")
    assert other.get(url).status_code == 404
    # the staff's listening address is for samordnare only
    take = db.session.scalars(sa.select(Recording)).one()
    assert participant.get(f"/personal/inspelningar/lyssna/{take.id}").status_code in (302, 401)


def test_an_unapproved_or_other_versions_take_is_not_served(client, login, open_link,
                                                            make_participant):
    participant, url = recorded_and_approved(client, login, make_participant)
    upload(client, data=OGG, mime="audio/ogg")  # a new take: unapproved again
    assert participant.get(url).status_code == 404
    approve(client)
    assert participant.get(url).status_code == 404  # the old take's address does not get the new
    assert participant.get(url.split("?")[0]).status_code == 404
    take = db.session.scalars(sa.select(Recording)).one()
    qid = re.search(r"/q/(\d+)/", url).group(1)
    # a take of another version under this questionnaire's address
    nns = instruments.version_row(instruments.get("nns-pagaende")).id
    db.session.add(Recording(instrument_version_id=nns, part="item:N1", locale="ti",
                             mime="audio/ogg", data=OGG, digest="0" * 64, approved=True,
                             created_month="2026-11"))
    db.session.commit()
    other = db.session.scalar(sa.select(Recording.id).where(Recording.id != take.id))
    assert participant.get(f"/q/{qid}/ljud/{other}").status_code == 404


def test_takes_go_with_their_instrument_version(client, login):
    login("samordnare")
    upload(client)
    upload(client, part="step:S1:3")
    approve(client)
    assert stored_count() == 2
    row = instruments.version_row(instruments.get("skapa", 1))
    db.session.delete(row)
    db.session.commit()
    assert stored_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion).where(
        InstrumentVersion.instrument == "skapa")) == 0


def test_the_question_page_gives_every_step_its_take(client, login, make_participant):
    login("samordnare")
    for part in ("item:S1", "step:S1:1", "decline"):
        upload(client, part=part)
        approve(client, part=part)
    from questionnaire.answering import links

    participant = client.application.test_client()
    link = links.create(make_participant(language="ti"))
    db.session.commit()
    page = participant.get(participant.get(f"/l/{link}").headers["Location"])
    first = speak_audio(page.text)
    assert first["steps"][0]["audio"] is not None
    assert first["steps"][1]["audio"] is None  # not recorded: the device's voice, if any
    assert first["decline_audio"] is not None
    # the server-rendered page carries the same addresses on the texts the button reads
    assert f'data-audio="{first["audio"]}"' in page.text
    assert f'data-audio="{first["steps"][0]["audio"]}"' in page.text
    assert participant.get(first["decline_audio"]).status_code == 200
