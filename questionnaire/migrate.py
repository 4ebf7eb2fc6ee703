"""Schema migrations (Alembic) and the first data every database needs.

Alembic is imported only when a migration runs (init-db, tests), not when the app starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from questionnaire import instruments
from questionnaire.extensions import db

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade() -> None:
    """Create or upgrade the schema, then publish the instrument versions. Safe to run again."""
    from alembic import command

    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    instruments.sync_shipped()
    db.session.commit()
