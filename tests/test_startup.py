"""Start-up stays light: heavy libraries are imported only where they are used (issue 7):
Plotly on chart pages, XlsxWriter for Excel, segno for QR codes, Alembic for migrations."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import datetime as dt, json, sys, tempfile
from questionnaire.casework import codes, schedule
from questionnaire import create_app, migrate
from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, Participant

heavy = ("plotly", "xlsxwriter", "segno", "alembic")
seen = {}
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tempfile.mkdtemp()}/s.db",
                  "SECRET_KEY": "s", "PSEUDONYM_KEY": "s"})
seen["start"] = [m for m in heavy if m in sys.modules]
with app.app_context():
    migrate.upgrade()
    person = Participant(code=codes.generate())
    db.session.add(Enrolment(participant=person, start_date=dt.date.today(),
                             insats=Insats(name="S", schedule=schedule.default_schedule())))
    db.session.flush()
    token = links.create(person)
    db.session.commit()
client = app.test_client()
page = client.get(f"/l/{token}", follow_redirects=True)
assert "Fråga 1 av 6" in page.text
page.close()
seen["question page"] = [m for m in heavy[:3] if m in sys.modules]  # (the script migrated)
print(json.dumps(seen))
"""


def test_the_app_and_its_question_pages_import_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"start": [], "question page": []}
