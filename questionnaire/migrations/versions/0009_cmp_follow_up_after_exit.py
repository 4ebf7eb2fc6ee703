"""timepoints exit+6m and exit+12m: follow-up after exit

Revision ID: 0009_cmp
Revises: 0008_rec
Create Date: 2026-11-29 17:00:00
"""

from alembic import op

revision = '0009_cmp'
down_revision = '0008_rec'
branch_labels = None
depends_on = None

BEFORE = ('intake', '3m', '6m', '9m', '12m', '18m', '24m', 'exit')
AFTER = (*BEFORE, 'exit+6m', 'exit+12m')


def _known(codes: tuple[str, ...]) -> str:
    return "timepoint IN (" + ", ".join(f"'{c}'" for c in codes) + ")"


def _replace(codes: tuple[str, ...]) -> None:
    for table in ('schedule_entry', 'questionnaire'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_timepoint_known'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_timepoint_known'),
                                             _known(codes))


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM schedule_entry WHERE timepoint IN ('exit+6m', 'exit+12m')")
    _replace(BEFORE)
