"""The samordnare's instrument pages: upload, every problem listed, a preview in each language
as the tablet shows it, then publish; download a version as XLSForm."""

import io

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, InstrumentVersion
from tests.conftest import csrf_token
from tests.pagetext import visible_text
from tests.xlsforms import vellinge, workbook


def upload(client, data: bytes, name: str = "vellinge.xlsx", **extra):
    return client.post("/personal/instrument/", data={
        "csrf_token": csrf_token(client, "/personal/instrument/"),
        "file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data")


def count(key: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion).where(
        InstrumentVersion.instrument == key))


def test_a_file_with_problems_is_listed_and_nothing_changes(client, login):
    login("samordnare")
    data = workbook([{"type": "select_one nope", "name": "Q1", "label::Svenska (sv)": "Fråga"}],
                    [], {"form_id": "egen", "form_title": "Egen", "results": "group"})
    page = upload(client, data, "egen.xlsx")
    assert page.status_code == 400
    text = visible_text(page.text)
    assert "egen.xlsx:survey:2: listan nope finns inte på bladet choices" in text
    assert "Inget har ändrats" in text
    assert count("egen") == 0


def test_upload_previews_each_language_then_publishes(client, login):
    login("samordnare")
    page = upload(client, vellinge())
    assert page.status_code == 200
    assert count("vellinge") == 0  # a preview stores nothing
    assert 'lang="ar" dir="rtl"' in page.text
    text = visible_text(page.text)
    assert "إلى أي مدى تشعر أنك تتحكم في حياتك؟" in text  # V1 in Arabic
    assert "Hur mycket vet du om arbetsmarknaden?" in text
    assert "En ny enkät: den blir version 1." in text
    data = page.text.split('name="data" value="')[1].split('"')[0]
    published = client.post("/personal/instrument/", data={
        "csrf_token": csrf_token(client, "/personal/instrument/"), "data": data,
        "filename": "vellinge.xlsx", "publish": "1"})
    assert published.status_code == 302
    assert count("vellinge") == 1
    assert db.session.scalar(sa.select(AuditEvent.subject).filter_by(
        action="instrument_add")) == "vellinge@1"
    listing = visible_text(client.get("/personal/instrument/").text)
    assert "vellinge version 1 är publicerad." in listing
    assert "sv, ar" in listing
    again = visible_text(upload(client, vellinge()).text)
    assert "Filen har samma innehåll som version 1" in again


def test_a_version_downloads_as_xlsform_that_reads_back_the_same(client, login):
    login("samordnare")
    response = client.get("/personal/instrument/skapa.xlsx")
    assert response.status_code == 200
    assert instruments.read(response.data) == dict(instruments.get("skapa").definition)
    assert client.get("/personal/instrument/nope.xlsx").status_code == 404


def test_handledare_cannot_upload(client, login):
    login("handledare")
    assert client.get("/personal/instrument/").status_code == 403
