"""export: the answers' index on (questionnaire_id, id), the order the export reads them in

The export aggregates each questionnaire's answers in the order they were given as it reads
them (reporting/export.py, _packed): this index gives that order. It replaces the index on
questionnaire_id alone (this one serves every lookup that one did).

Revision ID: 0013_exp
Revises: 0012_follow
Create Date: 2026-11-30 07:00:00
"""

from alembic import op

revision = '0013_exp'
down_revision = '0012_follow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_questionnaire_id'))
        batch_op.create_index('ix_answer_questionnaire_id_id', ['questionnaire_id', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_questionnaire_id_id')
        batch_op.create_index(batch_op.f('ix_answer_questionnaire_id'), ['questionnaire_id'],
                              unique=False)
