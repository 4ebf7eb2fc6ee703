"""caseload: each enrolment's own handledare (assigned, handed over between colleagues)

Revision ID: 0010_case
Revises: 0009_cmp
Create Date: 2026-11-29 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_case'
down_revision = '0009_cmp'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handledare_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_enrolment_handledare_id'), ['handledare_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enrolment_handledare_id_user_account'),
                                    'user_account', ['handledare_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrolment_handledare_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enrolment_handledare_id'))
        batch_op.drop_column('handledare_id')
