"""caseload: referrer, staff label, action notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 20:42:06.183731
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('action_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=10), nullable=True),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('who', sa.String(length=120), nullable=True),
    sa.Column('due_by', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("area IS NULL OR area IN ('S1', 'S2', 'S3', 'S4', 'S5', 'S6')", name=op.f('ck_action_note_area_known')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_action_note_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_action_note_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_note'))
    )
    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_note_enrolment_id'), ['enrolment_id'], unique=False)

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referrer', sa.String(length=10), nullable=True))
        # autogenerate does not see CHECK constraints added to an existing table
        batch_op.create_check_constraint(
            op.f('ck_enrolment_exit_date_with_reason'),
            "(exit_date IS NULL) = (exit_reason IS NULL)")
        batch_op.create_check_constraint(
            op.f('ck_enrolment_referrer_known'),
            "referrer IS NULL OR referrer IN ('af', 'fk', 'kommun', 'region', 'egen', 'annan')")

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_label', sa.String(length=12), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('staff_label')

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolment_referrer_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_enrolment_exit_date_with_reason'), type_='check')
        batch_op.drop_column('referrer')

    with op.batch_alter_table('action_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_note_enrolment_id'))

    op.drop_table('action_note')
