"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:06:00.058381
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('insats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('length_weeks', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length_weeks IS NULL OR length_weeks > 0', name=op.f('ck_insats_length_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insats')),
    sa.UniqueConstraint('name', name=op.f('uq_insats_name'))
    )
    op.create_table('instrument_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_version')),
    sa.UniqueConstraint('instrument', 'version', name=op.f('uq_instrument_version_instrument_version'))
    )
    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("gender IS NULL OR gender IN ('kvinna', 'man', 'annat')", name=op.f('ck_participant_gender_known')),
    sa.CheckConstraint('birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)', name=op.f('ck_participant_birth_year_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('code', name=op.f('uq_participant_code'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('handledare', 'samordnare', 'analytiker')", name=op.f('ck_user_account_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('insats_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.String(length=40), nullable=True),
    sa.CheckConstraint("exit_reason IS NULL OR exit_reason IN ('arbete', 'arbete_lonestod', 'studier', 'af_insats', 'arbetstraning_praktik', 'samarbete_af_fk', 'tillbaka_remittent', 'annan_forberedande', 'foraldraledig', 'alderspension', 'sjukersattning', 'flyttat', 'avbrutit', 'annat')", name=op.f('ck_enrolment_exit_reason_known')),
    sa.CheckConstraint('exit_date IS NULL OR exit_date >= start_date', name=op.f('ck_enrolment_exit_after_start')),
    sa.ForeignKeyConstraint(['insats_id'], ['insats.id'], name=op.f('fk_enrolment_insats_id_insats')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_enrolment_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_insats_id'), ['insats_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_participant_id'), ['participant_id'], unique=False)

    op.create_table('insats_staff',
    sa.Column('insats_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['insats_id'], ['insats.id'], name=op.f('fk_insats_staff_insats_id_insats'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_insats_staff_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('insats_id', 'user_id', name=op.f('pk_insats_staff'))
    )
    op.create_table('instrument_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.CheckConstraint('scale_max >= 0 AND scale_max <= 10', name=op.f('ck_instrument_item_scale_max_range')),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_instrument_item_instrument_version_id_instrument_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_item')),
    sa.UniqueConstraint('instrument_version_id', 'key', 'scale_max', name=op.f('uq_instrument_item_instrument_version_id_key_scale_max')),
    sa.UniqueConstraint('instrument_version_id', 'key', name=op.f('uq_instrument_item_instrument_version_id_key'))
    )
    op.create_table('participant_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_participant_link_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_participant_link_token_hash'))
    )
    with op.batch_alter_table('participant_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_link_participant_id'), ['participant_id'], unique=False)

    op.create_table('schedule_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('insats_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('timepoint', sa.String(length=10), nullable=False),
    sa.CheckConstraint("timepoint IN ('intake', '3m', '6m', '9m', '12m', '18m', '24m', 'exit')", name=op.f('ck_schedule_entry_timepoint_known')),
    sa.ForeignKeyConstraint(['insats_id'], ['insats.id'], name=op.f('fk_schedule_entry_insats_id_insats'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_entry')),
    sa.UniqueConstraint('insats_id', 'instrument', 'timepoint', name=op.f('uq_schedule_entry_insats_id_instrument_timepoint'))
    )
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('timepoint', sa.String(length=10), nullable=False),
    sa.Column('respondent', sa.String(length=12), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("respondent IN ('deltagare', 'handledare')", name=op.f('ck_questionnaire_respondent_known')),
    sa.CheckConstraint("source IN ('tablet', 'link', 'paper')", name=op.f('ck_questionnaire_source_known')),
    sa.CheckConstraint("timepoint IN ('intake', '3m', '6m', '9m', '12m', '18m', '24m', 'exit')", name=op.f('ck_questionnaire_timepoint_known')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_questionnaire_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_questionnaire_instrument_version_id_instrument_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
    sa.UniqueConstraint('enrolment_id', 'instrument', 'timepoint', 'respondent', name=op.f('uq_questionnaire_enrolment_id_instrument_timepoint_respondent')),
    sa.UniqueConstraint('id', 'instrument_version_id', name=op.f('uq_questionnaire_id_instrument_version_id'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=10), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(CASE WHEN step IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN text IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN declined THEN 1 ELSE 0 END) = 1', name=op.f('ck_answer_exactly_one_value')),
    sa.CheckConstraint('step IS NULL OR (scale_max > 0 AND step >= 1 AND step <= scale_max)', name=op.f('ck_answer_step_in_scale')),
    sa.CheckConstraint('text IS NULL OR scale_max = 0', name=op.f('ck_answer_text_only_free_text')),
    sa.ForeignKeyConstraint(['instrument_version_id', 'item_key', 'scale_max'], ['instrument_item.instrument_version_id', 'instrument_item.key', 'instrument_item.scale_max'], name=op.f('fk_answer_instrument_version_id_item_key_scale_max_instrument_item')),
    sa.ForeignKeyConstraint(['questionnaire_id', 'instrument_version_id'], ['questionnaire.id', 'questionnaire.instrument_version_id'], name=op.f('fk_answer_questionnaire_id_instrument_version_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('questionnaire_id', 'item_key', name=op.f('uq_answer_questionnaire_id_item_key'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_questionnaire_id'), ['questionnaire_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_questionnaire_id'))

    op.drop_table('answer')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_completed_at'))

    op.drop_table('questionnaire')
    op.drop_table('schedule_entry')
    with op.batch_alter_table('participant_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_link_participant_id'))

    op.drop_table('participant_link')
    op.drop_table('instrument_item')
    op.drop_table('insats_staff')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_participant_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_insats_id'))

    op.drop_table('enrolment')
    op.drop_table('user_account')
    op.drop_table('participant')
    op.drop_table('instrument_version')
    op.drop_table('insats')
