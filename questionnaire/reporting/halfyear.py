"""The half-year report's first table (issue 16 item 1): participants per period, as every
verksamhetsrapport opens (seed 002, Skaraborg's template in seed 003).

Counted per enrolment (a person in two insatser counts in each; the total of all insatser is
their sum), by gender: kvinnor and män columns, "annat" and not stated counted in samtliga only,
never a column of their own. Rows (`status`):

- `at_start`: enrolled before the period and not exited before its first day;
- `new`: started in the period;
- `exited`: exited in the period;
- `at_end`: enrolled on the period's last day (started by then, not exited by then);
- `active`: in the insats at some time in the period (`at_start` + `new`).

`new` and `exited` are flows (a period's count is the sum of its quarters'); `at_start` and
`at_end` are states on one day (a period's is its first or last quarter's). questionnaire.
disclosure treats them accordingly: a state is shown only where the flows that change it fit
the same cells, and `active` only where both its parts (`at_start` and `new`) are shown, so
that it is a sum of cells the rule allows.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Enrolment, Insats, Participant
from questionnaire.reporting import reports

STATUSES = ("active", "at_start", "new", "exited", "at_end")


def participants(filters: reports.Filters) -> list[dict]:
    """Participants per period, by gender; the per-row small-group rule of domain.md part B."""
    start = filters.start or dt.date.min
    end = filters.end or dt.date.max
    exit_date = Enrolment.exit_date
    status = {
        "active": sa.and_(Enrolment.start_date <= end,
                          sa.or_(exit_date.is_(None), exit_date >= start)),
        "at_start": sa.and_(Enrolment.start_date < start,
                            sa.or_(exit_date.is_(None), exit_date >= start)),
        "new": Enrolment.start_date.between(start, end),
        "exited": exit_date.between(start, end),
        "at_end": sa.and_(Enrolment.start_date <= end,
                          sa.or_(exit_date.is_(None), exit_date > end)),
    }
    group = reports._group_sql(Participant.gender)
    query = (
        sa.select(group, *(sa.func.sum(sa.case((c, 1), else_=0)) for c in status.values()))
        .select_from(Enrolment)
        .join(Participant, Enrolment.participant_id == Participant.id)
        .where(*filters.narrowed(Enrolment.referrer, Enrolment.start_date,
                                 Participant.birth_year))
        .group_by(group)
    )
    if filters.insats is not None:
        query = query.join(Insats, Enrolment.insats_id == Insats.id).where(
            Insats.name == filters.insats)
    counts: dict[str, dict[str, int]] = {s: {} for s in status}
    for g, *sums in db.session.execute(query):
        for name, n in zip(status, sums, strict=True):
            counts[name][g] = int(n or 0)
    rows = []
    for name in STATUSES:
        persons = reports._by_group(counts[name])
        shown = reports.visible_groups(persons, filters.min_group)
        rows.append({"status": name, **{g: persons[g] if g in shown else None
                                        for g in reports.GROUPS}})
    return rows
