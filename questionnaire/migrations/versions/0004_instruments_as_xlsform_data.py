"""instruments as XLSForm data: stored definitions, scales from 0, generic action-note areas

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:30:00

The instrument definitions move from Python modules into the database (the XLSForm content as
JSON). Existing versions keep their rows and answers; `init-db` fills their definition from the
shipped files (questionnaire/instruments/files). Scales may now start at 0: items and answers
carry the lowest step, and the answers' foreign key and range check include it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _constraint(table: str, kind: str, columns: list[str]) -> str | None:
    """The name a constraint got in this database (long names were shortened on PostgreSQL)."""
    inspector = sa.inspect(op.get_bind())
    found = (inspector.get_foreign_keys(table) if kind == "foreignkey"
             else inspector.get_unique_constraints(table))
    for c in found:
        if c.get("constrained_columns", c.get("column_names")) == columns:
            return c["name"]
    return None


def upgrade() -> None:
    old_fk = _constraint("answer", "foreignkey", ["instrument_version_id", "item_key", "scale_max"])
    old_uq = _constraint("instrument_item", "unique", ["instrument_version_id", "key", "scale_max"])
    with op.batch_alter_table('answer', schema=None) as batch_op:
        if old_fk:
            batch_op.drop_constraint(old_fk, type_='foreignkey')
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('definition', sa.Text(), nullable=True))
    with op.batch_alter_table('instrument_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scale_min', sa.Integer(), server_default='1', nullable=False))
        if old_uq:
            batch_op.drop_constraint(old_uq, type_='unique')
        batch_op.create_unique_constraint('uq_instrument_item_scale', ['instrument_version_id', 'key', 'scale_min', 'scale_max'])
        batch_op.create_check_constraint(op.f('ck_instrument_item_scale_min_range'), 'scale_min IN (0, 1)')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scale_min', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(op.f('ck_answer_step_in_scale'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answer_step_in_scale'),
            'step IS NULL OR (scale_max > 0 AND step >= scale_min AND step <= scale_max)')
        batch_op.create_foreign_key(
            'fk_answer_item_scale', 'instrument_item',
            ['instrument_version_id', 'item_key', 'scale_min', 'scale_max'],
            ['instrument_version_id', 'key', 'scale_min', 'scale_max'])
    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_action_note_area_known'), type_='check')


def downgrade() -> None:
    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_action_note_area_known'),
            "area IS NULL OR area IN ('S1', 'S2', 'S3', 'S4', 'S5', 'S6')")
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint('fk_answer_item_scale', type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_answer_step_in_scale'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answer_step_in_scale'),
            'step IS NULL OR (scale_max > 0 AND step >= 1 AND step <= scale_max)')
        batch_op.drop_column('scale_min')
    with op.batch_alter_table('instrument_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_instrument_item_scale_min_range'), type_='check')
        batch_op.drop_constraint('uq_instrument_item_scale', type_='unique')
        batch_op.create_unique_constraint(
            op.f('uq_instrument_item_instrument_version_id_key_scale_max'),
            ['instrument_version_id', 'key', 'scale_max'])
        batch_op.drop_column('scale_min')
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.drop_column('definition')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_answer_instrument_version_id_item_key_scale_max_instrument_item'),
            'instrument_item', ['instrument_version_id', 'item_key', 'scale_max'],
            ['instrument_version_id', 'key', 'scale_max'])
