"""recordings: readings of an instrument version's texts per language, removed with the version

Revision ID: 0008_rec
Revises: 0007_nns
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_rec'
down_revision = '0007_nns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=60), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('mime', sa.String(length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('approved', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_month', sa.String(length=7), nullable=False),
    sa.CheckConstraint("length(created_month) = 7 AND substr(created_month, 5, 1) = '-' AND substr(created_month, 6, 2) BETWEEN '01' AND '12'", name=op.f('ck_recording_created_month_format')),
    sa.CheckConstraint("mime IN ('audio/webm', 'audio/ogg', 'audio/mp4')", name=op.f('ck_recording_mime_known')),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_recording_instrument_version_id_instrument_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording')),
    sa.UniqueConstraint('instrument_version_id', 'part', 'locale', name=op.f('uq_recording_instrument_version_id_part_locale'))
    )


def downgrade() -> None:
    op.drop_table('recording')
