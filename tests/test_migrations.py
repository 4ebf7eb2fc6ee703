"""The Alembic migrations produce exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from questionnaire import migrate
from questionnaire.extensions import db


def test_migrations_match_the_models(app):
    # the app fixture built the schema with the migrations
    migrate.upgrade()  # safe to run again
    assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0005_i14c"
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
