import datetime as dt

import pytest

from questionnaire.casework import schedule
from questionnaire.models import Enrolment, Insats

START = dt.date(2026, 1, 15)
#: The default schedule comes from the published instrument files: a database is needed.
pytestmark = pytest.mark.usefixtures("app")


def insats(length_weeks=None):
    return Insats(name="x", length_weeks=length_weeks, schedule=schedule.default_schedule())


def statuses(ins, today, done=(), exit_date=None):
    enrolment = Enrolment(start_date=START, exit_date=exit_date)
    return {(s.instrument, s.timepoint): s.status
            for s in schedule.timeline(enrolment, ins, done, today)}


def test_intake_is_due_at_start():
    assert statuses(insats(), START) == {
        ("skapa", "intake"): "due", ("skapa", "6m"): "upcoming",
        ("nns-pagaende", "6m"): "upcoming",
    }


@pytest.mark.parametrize(("today", "status"), [
    (dt.date(2026, 6, 30), "upcoming"),  # 16 days before
    (dt.date(2026, 7, 1), "due"),  # the 14-day window opens
    (dt.date(2026, 8, 14), "due"),
    (dt.date(2026, 8, 15), "overdue"),  # more than 30 days after the date
])
def test_six_month_window(today, status):
    assert statuses(insats(), today)[("skapa", "6m")] == status


def test_unanswered_intake_is_missed_once_six_months_open():
    result = statuses(insats(), dt.date(2026, 7, 10))
    assert result[("skapa", "intake")] == "missed"
    assert result[("nns-pagaende", "6m")] == "due"


def test_a_twelve_week_insats_has_no_six_month_follow_up():
    result = statuses(insats(length_weeks=12), dt.date(2026, 4, 1))
    assert ("skapa", "6m") not in result
    assert result[("skapa", "exit")] == "due"  # planned end is 9 April, window open


def test_exit_questionnaires_become_due_at_exit():
    result = statuses(insats(), dt.date(2026, 3, 2), done=[("skapa", "intake")],
                      exit_date=dt.date(2026, 3, 1))
    assert result == {("skapa", "intake"): "done", ("skapa", "exit"): "due",
                      ("nns-avslut", "exit"): "due"}


def test_due_now_orders_skapa_before_nns():
    enrolment = Enrolment(start_date=START)
    due = schedule.due_now(enrolment, insats(), [], dt.date(2026, 7, 15))
    assert [(s.instrument, s.timepoint) for s in due] == [("skapa", "6m"), ("nns-pagaende", "6m")]


def test_add_months_clamps_to_month_end():
    assert schedule.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
