"""casework: who made a handledare's rating; action notes edited and deleted with their history

Revision ID: 0006_i18
Revises: 0006_i15
Create Date: 2026-11-29 14:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_i18'
down_revision = '0006_i15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rated_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_questionnaire_rated_by_user_account'),
                                    'user_account', ['rated_by'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.drop_column('previous')
        batch_op.drop_column('deleted_at')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_questionnaire_rated_by_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('rated_by')
