"""follow-up after exit: the link handed out at exit (only its hash)

Revision ID: 0012_follow
Revises: 0011_rep
Create Date: 2026-11-29 17:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_follow'
down_revision = '0011_rep'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'follow_up_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'],
                                name=op.f('fk_follow_up_link_enrolment_id_enrolment'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_follow_up_link_token_hash')),
    )
    with op.batch_alter_table('follow_up_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_link_enrolment_id'), ['enrolment_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('follow_up_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_link_enrolment_id'))
    op.drop_table('follow_up_link')
