"""The group-result pages and the export download for samordnare and analytiker."""

import csv
import datetime as dt
import io
import json
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent
from questionnaire.reporting.views import nns_period
from tests.conftest import csrf_token
from tests.pagetext import script_sources
from tests.reportdata import load_nns_and_skapa


@pytest.fixture
def data(runner, tmp_path):
    load_nns_and_skapa(runner, tmp_path)


PERIOD = {"fran": "2025-11-01", "till": "2026-10-31"}  # the export's free period
NNS_YEAR = {"period": "2025"}  # the reports' whole period: 1 Nov 2025 - 31 Oct 2026


def test_nns_period_default():
    assert nns_period(dt.date(2026, 11, 22)) == (dt.date(2026, 11, 1), dt.date(2027, 10, 31))
    assert nns_period(dt.date(2026, 10, 31)) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))


def test_report_page_shows_swedish_numbers_and_blank_small_groups(client, login, data):
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "nns", **NNS_YEAR})
    assert page.status_code == 200
    assert "75,0" in page.text  # 9 of 12, Swedish decimal comma
    assert "färre än 10 personer" in page.text
    assert not [s for s in script_sources(page.text) if "plotly" in s]


def test_skapa_profile_page_has_a_group_chart(client, login, data):
    login("analytiker")
    page = client.get("/personal/rapporter", query_string={"rapport": "profile", **NNS_YEAR})
    assert 'data-traces="1"' in page.text
    assert "plotly-polar.min.js" in page.text


@pytest.mark.parametrize("name", ["responses", "exits", "progression"])
def test_other_reports_render(client, login, data, name):
    login("samordnare")
    assert client.get("/personal/rapporter", query_string={"rapport": name}).status_code == 200


def test_the_response_overview_has_no_period(client, login, data):
    """What is due today: no period to choose, no note about whole periods, no period in the
    file name."""
    login("samordnare")
    page = client.get("/personal/rapporter", query_string={"rapport": "responses"}).text
    assert 'name="period"' not in page
    assert "hela perioder" not in page
    download = client.get("/personal/rapporter",
                          query_string={"rapport": "responses", "format": "csv"})
    name = download.headers["Content-Disposition"]
    assert f"stegvis-responses-{dt.date.today()}.csv" in name


def test_csv_has_the_contract_columns_and_excel_the_screens(client, login, data):
    login("samordnare")
    response = client.get("/personal/rapporter",
                          query_string={"rapport": "nns", "format": "csv", **NNS_YEAR})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    row = next(r for r in rows if (r["form"], r["item"], r["group"]) == ("avslut", "N1",
                                                                         "samtliga"))
    assert row["positive_pct"] == "75.0"
    response = client.get("/personal/rapporter",
                          query_string={"rapport": "progression", "format": "xlsx", **NNS_YEAR})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Stegförflyttning")  # made for people: a title row...
    assert ("Grupp", "n") in [r[:2] for r in rows]  # ...and the headings of the screen
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report")).all()
    assert [json.loads(e.details)["format"] for e in events] == ["csv", "xlsx"]
    assert all(e.user_id is not None for e in events)


@pytest.mark.parametrize("query", [
    {"fran": "2025-11-01", "till": "2026-10-31"}, {"fran": "2026-13-40"},
    {"period": "2025-Q7"}, {"period": str(dt.date.today().year + 1)}, {"period": "x" * 500},
    {"insats": "Finns inte"}, {"rapport": "hemlig"}, {"uppdelning": "kommun"},
    {"rapport": "responses", "uppdelning": "insats"},
])
def test_bad_report_choices_get_a_message(client, login, query):
    login("samordnare")
    response = client.get("/personal/rapporter", query_string=query)
    assert response.status_code == 400
    assert 'class="error"' in response.text


def test_export_download_for_analytiker_is_audited(client, login, data):
    user = login("analytiker")
    response = client.post("/personal/export", data={
        "csrf_token": csrf_token(client, "/personal/export"), "format": "csv", **NNS_YEAR})
    assert response.status_code == 200
    body = response.data
    response.close()  # as a WSGI server does: the temporary file is then removed
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert set(zf.namelist()) == {"answers.csv", "assessments.csv", "codebook.csv"}
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="export")).one()
    assert event.user_id == user.id
    assert json.loads(event.details)["answers"] == 12 + 72


@pytest.mark.parametrize(("fran", "till", "message"), [
    ("igår", "", "går inte att läsa"),
    ("0001-01-01", "9999-12-31", "mellan år 1900 och 9998"),
    ("2026-05-01", "2026-01-01", "Från-datumet ska vara före till-datumet."),
])
def test_export_with_bad_input_changes_nothing(client, login, fran, till, message):
    login("analytiker")
    response = client.post("/personal/export", data={
        "csrf_token": csrf_token(client, "/personal/export"), "format": "xlsx", "fran": fran,
        "till": till})
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "export")) == 0
