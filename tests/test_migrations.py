"""The Alembic migrations produce exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from questionnaire import migrate
from questionnaire.extensions import db


def test_migrations_match_the_models(app):
    # the app fixture built the schema with the migrations
    migrate.upgrade()  # safe to run again
    assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0013_exp"
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_codes_imported_as_written_get_the_one_spelling(app):
    from alembic import command

    with db.engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0003")
    with db.engine.begin() as conn:
        for code in ("FUP-HNKY", "p-001", "T0002", "T-0002"):
            conn.execute(sa.text("INSERT INTO participant (code, created_at) "
                                 "VALUES (:c, CURRENT_TIMESTAMP)"), {"c": code})
    migrate.upgrade()
    codes = set(db.session.scalars(sa.text("SELECT code FROM participant")))
    # T-0002 would collide with T0002 (one person under two codes): left as written
    assert codes == {"FUPHNKY", "P001", "T0002", "T-0002"}


def test_rounds_opened_before_links_get_one(app):
    from alembic import command

    with db.engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0006_i18")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO survey_round (instrument, title, invited, created_at) "
                             "VALUES ('nns-personal', 'Personal', 7, '2026-03-02 10:00:00'),"
                             " ('nns-styrelse', 'Styrelse', NULL, '2026-11-02 10:00:00')"))
    migrate.upgrade()
    rows = db.session.execute(sa.text("SELECT token, period, max_responses FROM survey_round "
                                      "ORDER BY id")).all()
    assert [(r.period, r.max_responses) for r in rows] == [("2025", 21), ("2026", 100)]
    assert len({r.token for r in rows}) == 2
    assert all(len(r.token) >= 40 for r in rows)
