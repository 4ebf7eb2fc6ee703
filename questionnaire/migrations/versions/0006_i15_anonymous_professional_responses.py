"""anonymous professional responses: survey rounds, responses (no participant, month only), answers

Revision ID: 0006_i15
Revises: 0005_i14c
Create Date: 2026-11-29 14:34:15.314625
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_i15'
down_revision = '0005_i14c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('insats_id', sa.Integer(), nullable=True),
    sa.Column('invited', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('invited IS NULL OR invited > 0', name=op.f('ck_survey_round_invited_positive')),
    sa.ForeignKeyConstraint(['insats_id'], ['insats.id'], name=op.f('fk_survey_round_insats_id_insats'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round'))
    )
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('insats_id', sa.Integer(), nullable=True),
    sa.Column('answered_month', sa.String(length=7), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('paper_number', sa.String(length=16), nullable=True),
    sa.CheckConstraint("(source = 'paper') = (paper_number IS NOT NULL)", name=op.f('ck_survey_response_paper_number_only_on_paper')),
    sa.CheckConstraint("length(answered_month) = 7 AND substr(answered_month, 5, 1) = '-' AND substr(answered_month, 6, 2) BETWEEN '01' AND '12'", name=op.f('ck_survey_response_answered_month_format')),
    sa.CheckConstraint("source IN ('paper', 'web')", name=op.f('ck_survey_response_source_known')),
    sa.ForeignKeyConstraint(['insats_id'], ['insats.id'], name=op.f('fk_survey_response_insats_id_insats'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_survey_response_instrument_version_id_instrument_version')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_response_round_id_survey_round'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('id', 'instrument_version_id', name=op.f('uq_survey_response_id_instrument_version_id'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_answered_month'), ['answered_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_instrument'), ['instrument'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=10), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('(step IS NULL) <> (text IS NULL)', name=op.f('ck_survey_answer_one_value')),
    sa.CheckConstraint('step IS NULL OR (scale_max > 0 AND step >= scale_min AND step <= scale_max)', name=op.f('ck_survey_answer_step_in_scale')),
    sa.CheckConstraint('text IS NULL OR scale_max = 0', name=op.f('ck_survey_answer_text_only_free_text')),
    sa.ForeignKeyConstraint(['instrument_version_id', 'item_key', 'scale_min', 'scale_max'], ['instrument_item.instrument_version_id', 'instrument_item.key', 'instrument_item.scale_min', 'instrument_item.scale_max'], name='fk_survey_answer_item_scale'),
    sa.ForeignKeyConstraint(['response_id', 'instrument_version_id'], ['survey_response.id', 'survey_response.instrument_version_id'], name='fk_survey_answer_response_version', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('response_id', 'item_key', name=op.f('uq_survey_answer_response_id_item_key'))
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_response_id'), ['response_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_response_id'))

    op.drop_table('survey_answer')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_instrument'))
        batch_op.drop_index(batch_op.f('ix_survey_response_answered_month'))

    op.drop_table('survey_response')
    op.drop_table('survey_round')
