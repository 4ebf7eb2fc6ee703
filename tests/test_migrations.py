"""The Alembic migrations produce exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from questionnaire import migrate
from questionnaire.extensions import db


def test_migrations_match_the_models(app):
    # the app fixture built the schema with the migrations
    migrate.upgrade()  # safe to run again
    assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0007_rep"
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
