"""The floor for save latency: a bare Flask endpoint that upserts the same answer row into the
same database, with the same connection settings and nothing else (no session, no CSRF, no
scope check, no skip rule, no audit). Run by bench/save.py under gunicorn like Stegvis.

    POST /save  {"qid": 1, "version": 1, "item": "S1", "scale_max": 5, "step": 3,
                 "client_id": "…"}
"""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from flask import Flask, request
from sqlalchemy.dialects import postgresql, sqlite

# Importing the package also installs Stegvis's SQLite settings (WAL, busy timeout, foreign keys)
# on every engine: the floor's connections are set up exactly like the app's.
from questionnaire.config import normalise_db_url

app = Flask(__name__)
engine = sa.create_engine(normalise_db_url(os.environ["DATABASE_URL"]), pool_pre_ping=True)
POSTGRES = engine.dialect.name == "postgresql"

ANSWER = sa.Table("answer", sa.MetaData(), autoload_with=engine)


@app.post("/save")
def save() -> dict:
    data = request.get_json()
    values = {"questionnaire_id": data["qid"], "instrument_version_id": data["version"],
              "item_key": data["item"], "scale_max": data["scale_max"], "step": data["step"],
              "text": None, "declined": False, "client_id": data["client_id"],
              "answered_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
    stmt = (postgresql.insert if POSTGRES else sqlite.insert)(ANSWER).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["questionnaire_id", "item_key"],
                                      set_={k: stmt.excluded[k] for k in values})
    with engine.begin() as conn:
        conn.execute(stmt)
    return {"next": "/"}
