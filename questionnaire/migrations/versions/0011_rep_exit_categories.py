"""exit reasons: sjukskrivning för medicinsk behandling, fortsatt insats inom kommunen / IPS, LSS

Revision ID: 0011_rep
Revises: 0010_case
Create Date: 2026-11-29 17:05:00
"""

from alembic import op

revision = '0011_rep'
down_revision = '0010_case'
branch_labels = None
depends_on = None

OLD = ('arbete', 'arbete_lonestod', 'studier', 'af_insats', 'arbetstraning_praktik',
       'samarbete_af_fk', 'tillbaka_remittent', 'annan_forberedande', 'foraldraledig',
       'alderspension', 'sjukersattning', 'flyttat', 'avbrutit', 'annat')
NEW = ('kommun_ips', 'sjukskrivning_behandling', 'lss')


def _check(reasons: tuple[str, ...]) -> str:
    return f"exit_reason IS NULL OR exit_reason IN ({', '.join(repr(r) for r in reasons)})"


def upgrade() -> None:
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolment_exit_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_enrolment_exit_reason_known'),
                                         _check(OLD + NEW))


def downgrade() -> None:
    # exits recorded with a new reason would break the old check: they become "annat"
    op.execute(f"UPDATE enrolment SET exit_reason = 'annat' WHERE exit_reason IN {NEW!r}")
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_enrolment_exit_reason_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_enrolment_exit_reason_known'), _check(OLD))
