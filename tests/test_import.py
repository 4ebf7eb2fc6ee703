"""Paper import (domain.md part B): all rows or none, every bad row reported with its line."""

import sqlalchemy as sa

from questionnaire.answering import answers
from questionnaire.casework import codes
from questionnaire.extensions import db
from questionnaire.models import Answer, Enrolment, Insats, Participant, Questionnaire

HEADER = "participant,gender,birth_year,insats,instrument,timepoint,respondent,item,value,answered_on"


def skapa_rows(code="P-001", timepoint="intake", day="2026-02-03", respondent="",
               steps=(2, 3, 2, 4, 3, 1), insats="Pappersinsatsen"):
    return [f"{code},kvinna,1988,{insats},skapa,{timepoint},{respondent},S{n},{s},{day}"
            for n, s in enumerate(steps, start=1)]


def write(tmp_path, lines, header=HEADER, name="svar.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_valid_file_becomes_completed_questionnaires(runner, tmp_path):
    lines = [*skapa_rows(), *skapa_rows(timepoint="exit", day="2026-09-01", steps=(4, 4, 3, 5, 4, 2)),
             *skapa_rows(respondent="handledare", steps=(3, 3, 3, 3, 3, 3))]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert "Importerade 3 enkäter med 18 svar (1 nya deltagare)" in result.output
    person = db.session.scalars(sa.select(Participant)).one()
    # a legacy code (domain.md B: "participant code") is stored in the one normalised spelling
    assert (person.code, person.gender, person.birth_year) == ("P001", "kvinna", 1988)
    enrolment = db.session.scalars(sa.select(Enrolment)).one()
    assert str(enrolment.start_date) == "2026-02-03"
    assert db.session.scalar(sa.select(Insats.name)) == "Pappersinsatsen"
    qs = db.session.scalars(sa.select(Questionnaire).order_by(Questionnaire.id)).all()
    assert [(q.timepoint, q.respondent, q.source) for q in qs] == [
        ("intake", "deltagare", "paper"), ("exit", "deltagare", "paper"),
        ("intake", "handledare", "paper")]
    assert all(q.completed_at is not None for q in qs)
    assert str(qs[1].completed_at.date()) == "2026-09-01"


def test_columns_in_any_order_and_empty_values_are_not_answered(runner, tmp_path):
    header = "item,value,participant,answered_on,instrument,timepoint,respondent,insats,gender,birth_year"
    lines = [
        "N1,5,P-9,2026-05-05,nns-avslut,exit,,Ins,man,",
        "N6a,1,P-9,2026-05-05,nns-avslut,exit,,Ins,man,",
        "N6b,,P-9,2026-05-05,nns-avslut,exit,,Ins,man,",
        'F11,"Jobb, och en plan",P-9,2026-05-05,nns-avslut,exit,,Ins,man,',
        "F12,,P-9,2026-05-05,nns-avslut,exit,,Ins,man,",
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines, header))])
    assert result.exit_code == 0, result.output
    stored = dict(db.session.execute(sa.select(Answer.item_key, sa.func.coalesce(
        sa.cast(Answer.step, sa.String), Answer.text))).all())
    assert stored == {"N1": "5", "N6a": "1", "F11": "Jobb, och en plan"}


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported(runner, tmp_path):
    lines = [
        *skapa_rows(),  # lines 2-7 are fine
        "P-002,kvinna,1990,Ins,skapa,intake,,S1,7,2026-02-03",  # 8: out of range
        "P-002,kvinna,1990,Ins,skapa,intake,,S7,3,2026-02-03",  # 9: unknown item
        "P-003,kvinna,1990,Ins,skapa,intake,,S1,3,2026-02-30",  # 10: impossible date
        "P-004,kvinna,1990,Ins,skapa,someday,,S1,3,2026-02-03",  # 11: unknown timepoint
        "P-005,okänt,1990,Ins,skapa,intake,,S1,3,2026-02-03",  # 12: gender
        "P-006,kvinna,90,Ins,skapa,intake,,S1,3,2026-02-03",  # 13: birth year
        "P-007,kvinna,1990,Ins,nns,intake,,N1,3,2026-02-03",  # 14: instrument
        "P-008,kvinna,1990,Ins,nns-avslut,exit,handledare,N1,3,2026-02-03",  # 15: NNS by staff
        ",kvinna,1990,Ins,skapa,intake,,S1,3,2026-02-03",  # 16: no code
        "P-010,kvinna,1990,Ins,skapa,intake,,S1,3,2099-01-01",  # 17: future
    ]
    path = write(tmp_path, lines)
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 1
    reported = [int(line.split(":")[1]) for line in result.output.splitlines()
                if line.startswith("svar.csv:")]
    assert reported == list(range(8, 18))
    assert "svar.csv:8: värdet 7 för S1 ska vara ett heltal 1–5" in result.output
    assert "Inget importerades: 10 fel." in result.output
    for model in (Participant, Questionnaire, Answer, Insats):
        assert count(model) == 0


def test_rules_across_rows(runner, tmp_path):
    lines = [
        "P-1,kvinna,1990,Ins,nns-avslut,exit,,N6a,1,2026-05-05",  # 2
        "P-1,kvinna,1990,Ins,nns-avslut,exit,,N6b,4,2026-05-05",  # 3: only after N6a = Ja
        "P-1,kvinna,1990,Ins,nns-avslut,exit,,N1,4,2026-05-06",  # 4: other date, same form
        "P-1,kvinna,1990,Ins,nns-avslut,exit,,N6a,1,2026-05-05",  # 5: item twice
        "P-1,man,1990,Ins,skapa,intake,,S1,3,2026-01-05",  # 6: gender differs
    ]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 1
    for line in ("svar.csv:3: N6b besvaras bara när N6a = 2", "svar.csv:4: samma enkät har ett annat datum",
                 "svar.csv:5: frågan N6a finns redan på rad 2", "svar.csv:6: kön för P-1"):
        assert line in result.output
    assert count(Answer) == 0


def test_importing_the_same_file_twice_is_refused(runner, tmp_path):
    path = write(tmp_path, skapa_rows())
    assert runner.invoke(args=["import-answers", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-answers", str(path)])
    assert again.exit_code == 1
    assert "P-001 har redan en enkät skapa vid intake" in again.output
    assert count(Answer) == 6
    assert count(Questionnaire) == 1


def test_missing_and_unknown_columns(runner, tmp_path):
    path = write(tmp_path, ["P-1,kvinna,1990,Ins,skapa,intake,S1,3,2026-01-05"],
                 header="participant,gender,birth_year,insats,instrument,timepoint,item,valu,answered_on")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 1
    assert "kolumner saknas: respondent, value" in result.output
    assert "okända kolumner: valu" in result.output


def test_not_utf8_and_missing_file(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nP-1,kvinna,1990,Ins,skapa,intake,,S1,3,2026-01-05,Åre\n")
                     .encode("latin-1"))
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    missing = runner.invoke(args=["import-answers", str(tmp_path / "nope.csv")])
    assert missing.exit_code != 0


def test_excel_bom_and_crlf_are_accepted(runner, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *skapa_rows()]) + "\r\n").encode())
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output


def test_a_code_written_as_displayed_updates_the_existing_participant(runner, tmp_path,
                                                                      make_participant):
    person = make_participant(days_ago=100, insats="Pappersinsatsen")
    shown = codes.display(person.code)  # "FUP-HNKY", as the screen shows it and staff write it
    lines = [line.replace(",1988,", ",1990,") for line in (
        *skapa_rows(code=shown), *skapa_rows(code=shown.lower(), respondent="handledare"))]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert "(0 nya deltagare)" in result.output
    assert db.session.scalars(sa.select(Participant.code)).all() == [person.code]
    owners = db.session.scalars(sa.select(Enrolment.participant_id).join(Questionnaire)).all()
    assert owners == [person.id, person.id]
    # the original's intake is done (no longer due), and the same file again is refused
    assert ("skapa", "intake") in answers.completed_slots(answers.current_enrolment(person.id))
    again = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert again.exit_code == 1
    assert f"{shown} har redan en enkät skapa vid intake" in again.output


def test_codes_and_their_written_forms_are_one_person_within_a_file(runner, tmp_path):
    code = codes.generate()
    lines = [*skapa_rows(code=code), *skapa_rows(code=codes.display(code), timepoint="exit",
                                                 day="2026-06-01")]
    result = runner.invoke(args=["import-answers", str(write(tmp_path, lines))])
    assert result.exit_code == 0, result.output
    assert "(1 nya deltagare)" in result.output
    assert db.session.scalars(sa.select(Participant.code)).all() == [code]


def test_names_and_mistyped_codes_never_become_participants(runner, tmp_path, make_participant):
    person = make_participant()
    typo = person.code[:-1] + next(c for c in codes.ALPHABET if c != person.code[-1])
    lines = [
        *skapa_rows(code="P-001"),  # 2-7: a legacy code of the documented shape: fine
        *skapa_rows(code="AnnaSvensson85")[:2],  # 8, 9
        *skapa_rows(code="anna")[:1],  # 10
        *skapa_rows(code=codes.display(typo))[:1],  # 11: one character wrong
        *skapa_rows(code="SVENSSON85")[:1],  # 12: capitals, but a word, not a code
    ]
    path = write(tmp_path, lines)
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 1
    assert "svar.csv:8: AnnaSvensson85 ser ut som ett namn" in result.output
    assert "svar.csv:9: AnnaSvensson85 ser ut som ett namn" in result.output
    assert "svar.csv:10: anna ser ut som ett namn" in result.output
    assert f"svar.csv:11: deltagarkoden {codes.display(typo)} har fel kontrolltecken" in (
        result.output)
    assert "svar.csv:12: deltagarkoden SVENSSON85 finns inte" in result.output
    assert "Inget importerades: 5 fel." in result.output
    assert db.session.scalars(sa.select(Participant.code)).all() == [person.code]
    assert count(Questionnaire) == 0


def test_every_entry_point_finds_a_code_however_it_is_written(runner, make_participant):
    person = make_participant()
    typo = person.code[:-1] + next(c for c in codes.ALPHABET if c != person.code[-1])
    mistyped = runner.invoke(args=["participant-link", codes.display(typo)])
    assert mistyped.exit_code == 1
    assert "fel kontrolltecken" in mistyped.output
    link = runner.invoke(args=["participant-link", " " + codes.display(person.code).lower()])
    assert link.exit_code == 0, link.output
    erased = runner.invoke(args=["erase", codes.display(person.code), "--yes"])
    assert erased.exit_code == 0, erased.output
    assert count(Participant) == 0
