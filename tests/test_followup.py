"""Follow-up after exit (issue 16, item 5): timepoints exit+6m and exit+12m."""

import csv
import datetime as dt
import io

import pytest

from questionnaire.casework import schedule
from questionnaire.models import TIMEPOINTS, Enrolment, Insats, ScheduleEntry
from tests.reportdata import Data

START, EXIT = dt.date(2026, 1, 15), dt.date(2026, 3, 10)
pytestmark = pytest.mark.usefixtures("app")


def with_follow_up():
    return Insats(name="x", schedule=[
        *schedule.default_schedule(), ScheduleEntry(instrument="skapa", timepoint="exit+6m"),
        ScheduleEntry(instrument="skapa", timepoint="exit+12m")])


def statuses(today, done=(), exit_date=EXIT):
    enrolment = Enrolment(start_date=START, exit_date=exit_date)
    return {(s.instrument, s.timepoint): (s.status, s.due_on)
            for s in schedule.timeline(enrolment, with_follow_up(), done, today)}


def test_the_codes_follow_exit():
    assert TIMEPOINTS[-3:] == ("exit", "exit+6m", "exit+12m")


def test_follow_ups_fall_six_and_twelve_months_after_the_exit():
    found = statuses(dt.date(2026, 3, 11), done=[("skapa", "intake"), ("skapa", "exit")])
    assert found[("skapa", "exit+6m")] == ("upcoming", dt.date(2026, 9, 10))
    assert found[("skapa", "exit+12m")] == ("upcoming", dt.date(2027, 3, 10))
    # the window opens 14 days before, as for every follow-up
    assert statuses(dt.date(2026, 8, 27))[("skapa", "exit+6m")][0] == "due"
    later = statuses(dt.date(2026, 10, 11), done=[("skapa", "exit")])
    assert later[("skapa", "exit+6m")][0] == "overdue"
    assert later[("skapa", "exit")][0] == "done"
    assert statuses(dt.date(2027, 3, 1))[("skapa", "exit+6m")][0] == "missed"


def test_no_follow_up_before_the_exit_is_known():
    found = statuses(dt.date(2026, 12, 1), exit_date=None)
    assert ("skapa", "exit+6m") not in found
    assert ("skapa", "exit+12m") not in found


def test_progression_can_end_at_a_follow_up(runner, tmp_path):
    d = Data()
    for n in range(2):
        person = d.person("kvinna")
        d.form(person, "skapa", "intake", "2025-06-01", {f"S{k}": 1 for k in range(1, 7)})
        d.form(person, "skapa", "exit", "2025-10-01", {f"S{k}": 1 for k in range(1, 7)})
        d.form(person, "skapa", "exit+6m", "2026-04-01",
               {f"S{k}": 1 + (k <= n + 1) for k in range(1, 7)})
    d.load(runner, tmp_path)
    args = ["report", "progression", "--from", "2025-11-01", "--to", "2026-10-31",
            "--min-group", "1"]
    plain = runner.invoke(args=args)
    assert plain.exit_code == 0, plain.output
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(plain.stdout))}
    assert rows["samtliga"]["n"] == ""  # the exits were before the period
    follow = runner.invoke(args=[*args, "--end", "exit+6m"])
    assert follow.exit_code == 0, follow.output
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(follow.stdout))}
    # one improved in one area, one in two
    assert (rows["samtliga"]["n"], rows["samtliga"]["areas_1_pct"],
            rows["samtliga"]["areas_2_pct"], rows["samtliga"]["any_improved_pct"]) == (
        "2", "50.0", "50.0", "100.0")
    bad = runner.invoke(args=[*args, "--end", "6m"])
    assert bad.exit_code != 0
    assert "Traceback" not in bad.output


def test_the_due_list_shows_a_follow_up_after_exit(client, handledare, make_participant):
    import sqlalchemy as sa

    from questionnaire.casework import caseload
    from questionnaire.extensions import db

    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule.append(ScheduleEntry(instrument="skapa", timepoint="exit+6m"))
    db.session.commit()
    person = make_participant(days_ago=400, exit_days_ago=185)  # 6 months ago, give or take
    rows = caseload.caseload(handledare, dt.date.today())
    mine = next(r for r in rows if r.enrolment.participant_id == person.id)
    assert (mine.next_slot.instrument, mine.next_slot.timepoint) == ("skapa", "exit+6m")
    assert mine.next_slot.status == "due"
    page = client.get("/personal/deltagare", query_string={"status": "due"})
    assert page.status_code == 200
    assert "6 månader efter avslut" in page.text


def test_a_link_opens_the_follow_up_after_exit(client, runner, make_participant):
    import sqlalchemy as sa

    from questionnaire.extensions import db
    from questionnaire.models import Questionnaire

    person = make_participant(days_ago=400, exit_days_ago=185)
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule.append(ScheduleEntry(instrument="skapa", timepoint="exit+6m"))
    db.session.commit()
    result = runner.invoke(args=["participant-link", person.code])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    page = client.get(url[url.index("/", len("https://")):], follow_redirects=True)
    assert page.status_code == 200
    started = db.session.scalars(sa.select(Questionnaire.timepoint)).all()
    assert started == ["exit+6m"]
