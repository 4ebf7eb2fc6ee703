"""hardening: session generation, temporary passwords, audit hash chain, failed attempts

Revision ID: 0005_i14c
Revises: 0005_i14a
Create Date: 2026-11-29 14:10:00
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0005_i14c'
down_revision = '0005_i14a'
branch_labels = None
depends_on = None


def _chain(previous, row) -> str:
    """The same rule as questionnaire.audit.row_hash, frozen here for the existing rows."""
    content = json.dumps([previous or "", row.at.isoformat(sep=" ", timespec="microseconds"),
                          row.actor_label, row.action, row.subject, row.details],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    op.create_table('failed_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempt'))
    )
    with op.batch_alter_table('failed_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_failed_attempt_key_at', ['key', 'at'], unique=False)

    # Chain the rows written before this migration, in the order they were written.
    connection = op.get_bind()
    table = sa.table('audit_event', sa.column('id'), sa.column('at'), sa.column('actor_label'),
                     sa.column('action'), sa.column('subject'), sa.column('details'),
                     sa.column('row_hash'))
    previous = None
    for row in connection.execute(sa.select(table).order_by(table.c.id)).all():
        previous = _chain(previous, row)
        connection.execute(sa.update(table).where(table.c.id == row.id)
                           .values(row_hash=previous))


def downgrade() -> None:
    with op.batch_alter_table('failed_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_failed_attempt_key_at')
    op.drop_table('failed_attempt')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_generation')
