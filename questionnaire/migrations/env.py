"""Alembic environment: runs on the connection that questionnaire.migrate hands over."""

from alembic import context

import questionnaire.models  # noqa: F401  (registers the tables)
from questionnaire.extensions import db

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=db.metadata,
    render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
