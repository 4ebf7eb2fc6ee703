import re

import pytest
import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import Answer, Participant, Questionnaire, User
from tests.conftest import fill_in, skapa


def test_init_db_is_safe_to_run_again(runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output


def test_demo_data_prints_a_login_and_a_working_link(runner, client):
    result = runner.invoke(args=["demo-data", "--participants", "20", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert re.search(r"handledare@stegvis\.example\s+lösenord: \S+", result.output)
    url = re.search(r"http://localhost(/l/\S+)", result.output).group(1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 21
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire)) > 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) > 100
    page = client.get(url, follow_redirects=True)
    assert "Fråga 1 av 6" in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_data_with_a_seed_is_reproducible_in_shape(runner):
    runner.invoke(args=["demo-data", "--participants", "5", "--seed", "9"])
    steps = db.session.scalars(sa.select(Answer.step).order_by(Answer.id)).all()
    assert steps
    assert all(s is None or 1 <= s <= 6 for s in steps)


def test_participant_link_for_unknown_code_fails_on_stderr(runner):
    result = runner.invoke(args=["participant-link", "NOPE-123"])
    assert result.exit_code == 1
    assert "Det finns ingen deltagare med koden NOPE-123" in result.output


def test_participant_link_accepts_any_case_and_dash(runner, make_participant, client):
    person = make_participant()
    code = person.code
    result = runner.invoke(args=["participant-link", f"{code[:3].lower()}-{code[3:].lower()}"])
    assert result.exit_code == 0, result.output
    path = re.search(r"http://localhost(/l/\S+)", result.output).group(1)
    assert client.get(path).status_code == 302


def test_participant_link_when_nothing_is_due(runner, make_participant):
    person = make_participant(days_ago=30)
    fill_in(person, "skapa", "intake", skapa(3, 3, 3, 3, 3, 3))
    result = runner.invoke(args=["participant-link", person.code])
    assert result.exit_code == 1
    assert "har ingen enkät att fylla i just nu" in result.output


def test_participant_link_after_a_short_insats_ended_opens_the_exit_rating(
        runner, make_participant, client):
    person = make_participant(days_ago=40, insats="Kort", length_weeks=4)
    result = runner.invoke(args=["participant-link", person.code])
    assert result.exit_code == 0, result.output
    path = re.search(r"http://localhost(/l/\S+)", result.output).group(1)
    client.get(path)
    opened = db.session.execute(
        sa.select(Questionnaire.instrument, Questionnaire.timepoint).order_by(Questionnaire.id))
    assert opened.all() == [("skapa", "exit"), ("nns-avslut", "exit")]


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(args=["create-user", "Anna@Kommun.se", "--role", "samordnare",
                                 "--password-stdin"], input="ett långt lösenord\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User)).one()
    assert user.email == "anna@kommun.se"
    assert user.role == "samordnare"
    assert "ett långt lösenord" not in user.password_hash
    again = runner.invoke(args=["create-user", "anna@kommun.se", "--role", "samordnare",
                                "--password-stdin"], input="ett långt lösenord\n")
    assert again.exit_code == 1
    assert "finns redan" in again.output
    short = runner.invoke(args=["create-user", "b@kommun.se", "--role", "handledare",
                                "--password-stdin"], input="kort\n")
    assert short.exit_code == 1
    assert "minst 10 tecken" in short.output


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_range_is_refused_with_a_message(runner, tmp_path, day):
    result = runner.invoke(args=["export", "--out", str(tmp_path / "e.zip"), "--to", day])
    assert result.exit_code != 0
    assert "1900" in result.output
    assert not (tmp_path / "e.zip").exists()
