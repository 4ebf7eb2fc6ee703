"""Paper forms of the professional NNS groups (domain.md part B, "Professional NNS forms"):
`participant` is the number of an anonymous response, never a participant."""

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    Insats,
    Participant,
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
)
from tests.test_import import count, write


def row(number, instrument, item, value, day="2026-03-12", insats="", gender="",
        birth_year="", timepoint="", respondent=""):
    return (f"{number},{gender},{birth_year},{insats},{instrument},{timepoint},{respondent},"
            f"{item},{value},{day}")


def test_rows_with_the_same_number_and_form_are_one_anonymous_response(runner, tmp_path):
    lines = [
        row("1", "nns-personal", "P3", 4), row("1", "nns-personal", "P6", 6),
        row("1", "nns-personal", "P8a", ""),  # skipped
        row("2", "nns-personal", "P3", 2, insats="Steget"),
        row("1", "nns-styrelse", "B12", 5, day="2026-04-30"),  # the same number, another form
        row("P-7", "nns-chefsgrupp", "C9a", 3),
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert "4 anonyma svar" in result.output
    assert (count(Participant), count(Questionnaire), count(Answer)) == (0, 0, 0)
    responses = db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)).all()
    assert [(r.instrument, r.answered_month, r.source, r.paper_number) for r in responses] == [
        ("nns-personal", "2026-03", "paper", "1"), ("nns-personal", "2026-03", "paper", "2"),
        ("nns-styrelse", "2026-04", "paper", "1"), ("nns-chefsgrupp", "2026-03", "paper", "P-7")]
    assert responses[0].insats_id is None
    assert db.session.get(Insats, responses[1].insats_id).name == "Steget"
    stored = db.session.execute(sa.select(SurveyAnswer.response_id, SurveyAnswer.item_key,
                                          SurveyAnswer.step).order_by(SurveyAnswer.id)).all()
    assert [(k, s) for r, k, s in stored if r == responses[0].id] == [("P3", 4), ("P6", 6)]
    assert len(stored) == 5


def test_a_response_keeps_nothing_that_could_identify_the_respondent(runner, tmp_path):
    lines = [row("12", "nns-remittent", "R3", 5, day="2026-02-17")]
    assert runner.invoke(args=["import-answers", str(write(tmp_path, lines))]).exit_code == 0
    columns = {c.name for c in SurveyResponse.__table__.columns}
    assert columns == {"id", "instrument_version_id", "instrument", "round_id", "insats_id",
                       "answered_month", "source", "paper_number"}  # the month, not the day
    stored = db.session.execute(sa.select(SurveyResponse.__table__)).mappings().one()
    assert "2026-02-17" not in str(dict(stored))
    assert stored["answered_month"] == "2026-02"


def test_every_bad_row_is_reported_and_nothing_is_imported(runner, tmp_path):
    lines = [
        row("1", "nns-personal", "P3", 4),                          # 2 fine
        row("1", "nns-personal", "P6", 7),                          # 3 out of the scale
        row("2", "nns-personal", "P3", 4, gender="kvinna"),         # 4 not anonymous
        row("3", "nns-personal", "P3", 4, timepoint="exit"),        # 5 no timepoint
        row("Anna", "nns-personal", "P3", 4),                       # 6 a name, no number
        row("4", "nns-personal", "N1", 4),                          # 7 not in the form
        row("5", "nns-styrelse", "B12", 4, respondent="handledare"),  # 8
        row("", "nns-styrelse", "B12", 4),                          # 9 no number
        row("7", "nns-styrelse", "B12", 4, birth_year="1970"),      # 10
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code != 0
    assert bad_lines(result) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "svar.csv:4: gender ska vara tom" in result.output
    assert "svar.csv:7: frågan N1 finns inte i nns-personal" in result.output
    assert count(SurveyResponse) == 0
    assert count(Participant) == 0


def bad_lines(result):
    return sorted({int(line.split(":")[1]) for line in result.output.splitlines()
                   if line.startswith("svar.csv:")})


def test_rules_across_the_rows_of_one_response(runner, tmp_path):
    lines = [
        row("6", "nns-styrelse", "B12", 4), row("6", "nns-styrelse", "B12", 5),  # 2, 3 twice
        row("8", "nns-styrelse", "B12", 4), row("8", "nns-styrelse", "B14a", 4,
                                                day="2026-03-13"),  # 4, 5 two dates
        row("9", "nns-styrelse", "B12", 4), row("9", "nns-styrelse", "B14a", 4,
                                                insats="Steget"),  # 6, 7 two insatser
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code != 0
    assert bad_lines(result) == [3, 5, 7]
    assert count(SurveyResponse) == 0
    assert count(Insats) == 0


def test_the_same_paper_form_is_not_imported_twice(runner, tmp_path):
    lines = [row("1", "nns-personal", "P3", 4), row("2", "nns-personal", "P3", 5)]
    assert runner.invoke(args=["import-answers", str(write(tmp_path, lines))]).exit_code == 0
    again = runner.invoke(args=["import-answers", str(write(tmp_path, lines[1:], name="b.csv"))])
    assert again.exit_code != 0
    assert "b.csv:2: svar nummer 2 på nns-personal från 2026-03 finns redan" in again.output
    assert count(SurveyResponse) == 2
    next_month = [row("2", "nns-personal", "P3", 5, day="2026-04-02")]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, next_month, name="c.csv"))])
    assert result.exit_code == 0, result.output


def test_participant_and_professional_rows_in_one_file(runner, tmp_path):
    lines = [
        "P-001,kvinna,1988,Steget,nns-avslut,exit,,N1,5,2026-03-01",
        row("1", "nns-personal", "P3", 4, insats="Steget"),
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert (count(Participant), count(Questionnaire), count(SurveyResponse)) == (1, 1, 1)


def test_the_database_refuses_a_step_outside_the_items_scale(app, runner, tmp_path):
    import pytest

    assert runner.invoke(args=["import-answers", str(write(
        tmp_path, [row("1", "nns-personal", "P3", 4)]))]).exit_code == 0
    answer = db.session.scalars(sa.select(SurveyAnswer)).one()
    answer.step = 7
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    answer = db.session.scalars(sa.select(SurveyAnswer)).one()
    answer.scale_max = 7
    answer.step = 7
    with pytest.raises(sa.exc.IntegrityError):  # the item's scale is 1-6 (composite key)
        db.session.commit()
    db.session.rollback()


def test_the_same_number_in_another_round_is_another_response(runner, tmp_path):
    """Paper forms are numbered anew each round: number 1 of last year and of this year are two
    responses; the same number with two days of one month is a typo."""
    lines = [row("1", "nns-styrelse", "B12", 4, day="2025-04-10"),
             row("1", "nns-styrelse", "B14a", 2, day="2025-04-10"),
             row("1", "nns-styrelse", "B12", 5, day="2026-04-08")]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert sorted(db.session.scalars(sa.select(SurveyResponse.answered_month))) == [
        "2025-04", "2026-04"]
    typo = [row("2", "nns-styrelse", "B12", 4, day="2026-04-08"),
            row("2", "nns-styrelse", "B14a", 4, day="2026-04-09")]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, typo, name="t.csv"))])
    assert result.exit_code != 0
    assert "t.csv:3: svar nummer 2 på nns-styrelse finns redan på rad 2" in result.output
