"""The web downloads offer, beside every CSV, the variant for Excel with Swedish settings."""

import csv
import io
import json
import zipfile

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from tests.conftest import csrf_token
from tests.reportdata import load_nns_and_skapa

NNS_YEAR = {"period": "2025"}


def test_report_page_links_both_csv_downloads(client, login, runner, tmp_path):
    load_nns_and_skapa(runner, tmp_path)
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns", **NNS_YEAR}).text
    assert "format=csv-excel" in page
    assert "format=csv&" in page or "format=csv\"" in page
    response = client.get("/personal/rapporter",
                          query_string={"rapport": "nns", "format": "csv-excel", **NNS_YEAR})
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert 'filename="stegvis-nns-2025-excel.csv"' in response.headers["Content-Disposition"]
    # made for people (issue 18 item 12): title rows, then the screen's headings and labels
    lines = response.data.decode("utf-8-sig").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("Formulär;"))
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[start:])), delimiter=";"))
    row = next(r for r in rows if (r["Formulär"], r["Fråga"], r["Grupp"]) == ("Avslut", "N1",
                                                                              "Samtliga"))
    assert row["% positivt"] == "75,0"
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="report")
                               .order_by(AuditEvent.id.desc())).first()
    assert json.loads(event.details)["format"] == "csv-excel"


def test_export_page_offers_csv_for_excel(client, login, runner, tmp_path):
    load_nns_and_skapa(runner, tmp_path)
    login("analytiker")
    assert 'value="csv-excel"' in client.get("/personal/export").text
    response = client.post("/personal/export", data={
        "csrf_token": csrf_token(client, "/personal/export"), "format": "csv-excel",
        "fran": "2025-11-01", "till": "2026-10-31"})
    assert response.status_code == 200
    body = response.data
    response.close()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        answers = zf.read("answers.csv")
    assert answers.startswith(b"\xef\xbb\xbf")
    assert len(answers.decode("utf-8-sig").splitlines()) == 1 + 12 + 72
    assert answers.decode("utf-8-sig").splitlines()[0].startswith("pseudonym;gender;age_band;")
