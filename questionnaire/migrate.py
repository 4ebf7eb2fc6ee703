"""Schema migrations (Alembic) and the first data every database needs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from questionnaire import instruments
from questionnaire.extensions import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade() -> None:
    """Create or upgrade the schema, then publish the instrument versions. Safe to run again."""
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    instruments.sync_to_database()
    db.session.commit()
