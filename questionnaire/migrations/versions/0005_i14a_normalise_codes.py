"""participant codes stored in their one normalised spelling

Codes imported before the import normalised them were stored as written (`FUP-HNKY`, `p-001`).
They get the spelling every entry point looks up (no dash or space, capitals), unless that
spelling is already taken by another participant: such a pair is one person under two codes and
is left for a person to resolve (both stay reachable by the code as written).

Revision ID: 0005_i14a
Revises: 0004
"""

import re

import sqlalchemy as sa
from alembic import op

revision = '0005_i14a'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    participant = sa.table("participant", sa.column("id", sa.Integer),
                           sa.column("code", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(participant.c.id, participant.c.code)).all()
    taken = {code for _id, code in rows}
    for pid, code in rows:
        normal = re.sub(r"[\s-]", "", code).upper()
        if normal != code and normal not in taken:
            conn.execute(participant.update().where(participant.c.id == pid)
                         .values(code=normal))
            taken.discard(code)
            taken.add(normal)


def downgrade() -> None:
    pass  # the written forms are not kept; the normalised codes work with the older code too
