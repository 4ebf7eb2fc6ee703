"""survey rounds get their shareable link's token, their NNS year and a maximum of responses

Revision ID: 0007_nns
Revises: 0006_i18
Create Date: 2026-11-29 16:45:00
"""

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0007_nns'
down_revision = '0006_i18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('period', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('max_responses', sa.Integer(), nullable=True))
    # Rounds opened before links existed (none in practice): a link of their own, the NNS year
    # they were opened in (1 November – 31 October), and 3 x invited (else 100) responses.
    bind = op.get_bind()
    for id_, created, invited in bind.execute(sa.text(
            'SELECT id, created_at, invited FROM survey_round')).all():
        if isinstance(created, str):  # SQLite
            created = dt.datetime.fromisoformat(created)
        year = created.year if created.month >= 11 else created.year - 1
        bind.execute(sa.text('UPDATE survey_round SET token = :t, period = :p, max_responses = :m'
                             ' WHERE id = :id'),
                     {'t': secrets.token_urlsafe(32), 'p': str(year),
                      'm': 3 * invited if invited else 100, 'id': id_})
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('period', existing_type=sa.String(length=7), nullable=False)
        batch_op.alter_column('max_responses', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_survey_round_token'), ['token'])
        batch_op.create_check_constraint(batch_op.f('ck_survey_round_max_responses_positive'),
                                         'max_responses > 0')


def downgrade() -> None:
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_survey_round_max_responses_positive'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('uq_survey_round_token'), type_='unique')
        batch_op.drop_column('max_responses')
        batch_op.drop_column('period')
        batch_op.drop_column('token')
