"""Instruments are XLSForm files: SKAPA and NNS as shipped, and a förbund's own form added,
validated, versioned, exported, answered and reported like them."""

import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from questionnaire import instruments, migrate
from questionnaire.answering import answers
from questionnaire.extensions import db
from questionnaire.models import Answer, Insats, InstrumentItem, InstrumentVersion, ScheduleEntry
from tests.conftest import fill_in
from tests.xlsforms import AR, SV, vellinge, workbook

# -- the shipped instruments ------------------------------------------------------------------


def test_skapa_has_six_areas_on_five_steps_worded_as_in_the_source(app):
    skapa = instruments.get("skapa")
    assert [i.key for i in skapa.items] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert [i.key for i in skapa.areas] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert all(i.scale.min == 1 and i.scale.max == 5 for i in skapa.items)
    assert skapa.item("S4").text == "Tror du att du kan klara av att arbeta?"
    assert skapa.item("S1").text == (
        "Hur skulle du betygsätta din hälsa i förhållande till att kunna hantera ett arbete?"
    )
    assert [i.area for i in skapa.items] == [
        "Hälsa", "Vägen till arbete", "Tid i vardagen", "Tro på arbete", "Kompetens", "Samarbete"
    ]
    assert skapa.individual_results
    assert skapa.default_timepoints == ("intake", "6m", "exit")


def test_nns_scales_and_forms(app):
    ongoing, final = instruments.get("nns-pagaende"), instruments.get("nns-avslut")
    assert [i.key for i in ongoing.items] == ["N1", "N2", "N3", "N4", "N5", "N7", "N9"]
    assert [s.label for s in ongoing.item("N1").scale.steps] == [
        "Aldrig", "Sällan", "Ibland", "Ofta", "För det mesta", "Alltid"]
    assert [s.label for s in final.item("N5").scale.steps] == [
        "Inte alls", "Till liten del", "Till viss del", "Till stor del", "Till mycket stor del",
        "Helt och hållet"]
    assert [s.label for s in final.item("N6a").scale.steps] == ["Nej", "Ja"]
    assert final.item("N6a").scale.pictogram == "yesno"
    assert final.item("F11").is_text
    assert not ongoing.individual_results
    assert ongoing.unofficial_translations


@pytest.mark.parametrize(("n6a", "asked"), [(None, False), (1, False), (2, True)])
def test_n6b_and_n6c_only_after_yes(app, n6a, asked):
    final = instruments.get("nns-avslut")
    keys = [i.key for i in final.visible_items({"N6a": n6a})]
    assert ("N6b" in keys) is asked
    assert ("N6c" in keys) is asked


def test_versions_are_stored_with_item_scales(app):
    rows = db.session.scalars(sa.select(InstrumentVersion)).all()
    assert {(r.instrument, r.version) for r in rows} == {
        ("skapa", 1), ("nns-pagaende", 1), ("nns-avslut", 1), ("nns-personal", 1),
        ("nns-remittent", 1), ("nns-chefsgrupp", 1), ("nns-styrelse", 1), ("bip-organisation", 1),
        ("bip-handledare", 1)}
    assert all(json.loads(r.definition)["settings"]["form_id"] == r.instrument for r in rows)
    scale = dict(db.session.execute(
        sa.select(InstrumentItem.key, InstrumentItem.scale_max)
        .join(InstrumentVersion).where(InstrumentVersion.instrument == "nns-avslut")).all())
    assert scale["N1"] == 6
    assert scale["N6a"] == 2
    assert scale["F11"] == 0


def test_init_db_again_publishes_nothing_new(app):
    migrate.upgrade()
    migrate.upgrade()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion)) == 9


def test_shipped_files_export_and_add_again_as_a_no_op(app, runner, tmp_path):
    for key in ("skapa", "nns-pagaende", "nns-avslut"):
        out = tmp_path / f"{key}.xlsx"
        result = runner.invoke(args=["instrument", "export", key, "--out", str(out)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["instrument", "add", str(out)])
        assert result.exit_code == 0, result.output
        assert "inget ändrades" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion)) == 9


# -- a förbund's own form ------------------------------------------------------------------


def add(runner, tmp_path, data: bytes, name: str = "form.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["instrument", "add", str(path)])


def test_an_evaluators_four_area_form_from_zero_is_added_listed_and_exported(
        app, runner, tmp_path):
    result = add(runner, tmp_path, vellinge())
    assert result.exit_code == 0, result.output
    assert "vellinge version 1 är publicerad (4 frågor)" in result.output
    inst = instruments.get("vellinge")
    assert [i.key for i in inst.areas] == ["V1", "V2", "V3", "V4"]
    assert [s.value for s in inst.item("V1").scale.steps] == [0, 1, 2, 3, 4]
    assert inst.item("V2").area.translations["ar"] == "سوق العمل"
    assert inst.intro == "Fyra frågor om dig."

    listing = runner.invoke(args=["instrument", "list"]).output.splitlines()
    row = next(line.split("\t") for line in listing if line.startswith("vellinge\t"))
    assert row[1:4] == ["1", "sv,ar", "4"]

    out = tmp_path / "back.xlsx"
    assert runner.invoke(args=["instrument", "export", "vellinge", "--out", str(out)]
                         ).exit_code == 0
    sheet = load_workbook(out)["survey"]
    header = [c.value for c in sheet[1]]
    assert f"label::{AR}" in header
    assert f"area::{SV}" in header
    again = runner.invoke(args=["instrument", "add", str(out)])
    assert again.exit_code == 0
    assert "samma innehåll som version 1" in again.output
    assert len(instruments.versions("vellinge")) == 1


def test_changed_content_is_a_new_version_and_answers_keep_theirs(
        app, runner, tmp_path, make_participant):
    assert add(runner, tmp_path, vellinge()).exit_code == 0
    person = make_participant()  # a new insats: the file's default timepoints
    q = fill_in(person, "vellinge", "intake", {"V1": 0, "V2": 4, "V3": 2, "V4": 1})
    # the same content under a new version string is still the same content
    assert "inget ändrades" in add(runner, tmp_path, vellinge(version="2026-02")).output
    result = add(runner, tmp_path, vellinge(title="Min väg vidare"), "v2.xlsx")
    assert result.exit_code == 0
    assert "version 2" in result.output
    assert instruments.get("vellinge").version == 2
    assert instruments.get("vellinge", 1).title == "Min väg framåt"
    db.session.expire_all()
    assert answers.instrument_of(q).version == 1
    assert answers.instrument_of(q).title == "Min väg framåt"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s, c, t: c.append({"list_name": "other"}) or s.__setitem__(
        1, {**s[1], "type": "select_one nope"}), "survey:3: listan nope finns inte"),
    (lambda s, c, t: s.__setitem__(2, {**s[2], "name": "V1"}),
     "survey:4: namnet V1 finns redan på rad 3"),
    (lambda s, c, t: s.__setitem__(3, {**s[3], "relevant": "${V9} = '1'"}),
     "survey:5: relevant nämner V9, som inte är en fråga före den här"),
    (lambda s, c, t: s.__setitem__(3, {**s[3], f"label::{AR}": None}),
     "survey:5: V3 saknar text på ar"),
    (lambda s, c, t: c.__setitem__(2, {**c[2], f"label::{AR}": ""}),
     "choices:4: steget 2 saknar text på ar"),
    (lambda s, c, t: s.append({"type": "select_one tom", "name": "X1", f"label::{SV}": "x",
                               f"label::{AR}": "x"}), "survey:7: listan tom finns inte"),
    (lambda s, c, t: c.__setitem__(1, {**c[1], "name": "3"}),
     "choices:3: stegen i steg ska komma i ordning"),
    (lambda s, c, t: s.__setitem__(1, {**s[1], "type": "integer"}),
     "survey:3: typen ”integer” stöds inte"),
    (lambda s, c, t: s.__setitem__(1, {**s[1], "constraint": ". > 1"}),
     "survey:1: kolumnen constraint stöds inte"),
    (lambda s, c, t: t.__setitem__("results", "public"),
     "settings:2: results måste vara individual eller group"),
    (lambda s, c, t: t.__setitem__("form_id", "Vellinge Form"),
     "settings:2: form_id måste finnas"),
    (lambda s, c, t: s.__setitem__(1, {**s[1], "label::Deutsch (de)": "x"}),
     "survey:1: språket i kolumnen label::Deutsch (de) är inget som Stegvis har"),
    (lambda s, c, t: [(r.pop(f"area::{SV}"), r.pop(f"area::{AR}")) for r in s[2:]],
     "survey: en självskattning (results individual) behöver minst tre frågor med område"),
    (lambda s, c, t: s.__setitem__(2, {**s[2], "relevant": "${V1} > 2"}),
     "survey:4: relevant ”${V1} > 2” stöds inte"),
])
def test_every_problem_is_listed_and_nothing_is_added(app, runner, tmp_path, change, expected):
    from tests.xlsforms import VELLINGE_AREAS, VELLINGE_STEPS

    survey = [{"type": "note", "name": "intro", f"label::{SV}": "Intro", f"label::{AR}": "م"}]
    for key, area_sv, area_ar, text_sv, text_ar in VELLINGE_AREAS:
        survey.append({"type": "select_one steg", "name": key, f"label::{SV}": text_sv,
                       f"label::{AR}": text_ar, f"area::{SV}": area_sv, f"area::{AR}": area_ar})
    choices = [{"list_name": "steg", "name": n, f"label::{SV}": sv, f"label::{AR}": ar}
               for n, sv, ar in VELLINGE_STEPS]
    settings = {"form_id": "vellinge", "form_title": "Min väg", "version": "1",
                "default_language": "sv", "results": "individual"}
    change(survey, choices, settings)
    result = add(runner, tmp_path, workbook(survey, choices, settings), "fel.xlsx")
    assert result.exit_code == 1
    assert any(line.startswith(f"fel.xlsx:{expected}") for line in result.output.splitlines()
               ), result.output
    assert "Inget lades till" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion).where(
        InstrumentVersion.instrument == "vellinge")) == 0


def test_several_problems_are_all_listed(app, runner, tmp_path):
    data = workbook(
        [{"type": "select_one a", "name": "Q1", "label::Svenska (sv)": "Fråga"},
         {"type": "select_one b", "name": "Q1", "label::Svenska (sv)": "Fråga"}],
        [{"list_name": "a", "name": "1", "label::Svenska (sv)": "Ja"}],
        {"form_id": "x", "form_title": "X", "results": "group"})
    lines = add(runner, tmp_path, data, "x.xlsx").output.splitlines()
    assert "x.xlsx:survey:3: namnet Q1 finns redan på rad 2" in lines
    assert "x.xlsx:survey:3: listan b finns inte på bladet choices" in lines


def test_a_file_is_data_never_code(app, runner, tmp_path):
    data = vellinge()
    book = load_workbook(io.BytesIO(data))
    book["survey"]["C3"] = "=HYPERLINK(\"http://example.invalid\",\"x\")"
    buffer = io.BytesIO()
    book.save(buffer)
    result = add(runner, tmp_path, buffer.getvalue())
    assert result.exit_code == 1
    assert "form.xlsx:survey:3: cellen C3 är en formel: skriv värdet i stället" in result.output
    assert add(runner, tmp_path, b"<html>not excel</html>", "fake.xlsx").output.startswith(
        "fake.xlsx: filen är ingen Excel-arbetsbok (.xlsx)")
    big = add(runner, tmp_path, b"PK" + b"0" * 2_100_000, "big.xlsx")
    assert "big.xlsx: filen är större än 2 MB" in big.output
    assert not instruments.versions("vellinge")


def test_a_group_only_form_with_a_skip_rule(app, runner, tmp_path, make_participant, client,
                                            handledare):
    survey = [
        {"type": "select_one jn", "name": "G1", "label::Svenska (sv)": "Har du en plan?"},
        {"type": "select_one grad", "name": "G2", "label::Svenska (sv)": "Hur bra är planen?",
         "relevant": "${G1} = '2'"},
        {"type": "text", "name": "G3", "label::Svenska (sv)": "Något mer?"},
    ]
    choices = [{"list_name": "jn", "name": "1", "label::Svenska (sv)": "Nej",
                "pictogram": "yesno"},
               {"list_name": "jn", "name": "2", "label::Svenska (sv)": "Ja"},
               *({"list_name": "grad", "name": str(n), "label::Svenska (sv)": label}
                 for n, label in enumerate(("Dålig", "Okej", "Bra"), start=1))]
    result = add(runner, tmp_path, workbook(survey, choices, {
        "form_id": "uppfoljning", "form_title": "Uppföljning", "results": "group"}))
    assert result.exit_code == 0, result.output
    inst = instruments.get("uppfoljning")
    assert not inst.individual_results
    assert inst.item("G2").show_if.item == "G1"
    assert [i.key for i in inst.visible_items({"G1": 1})] == ["G1", "G3"]
    # answered, then never shown to staff one by one, and no individual chart
    person = make_participant()
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule.append(ScheduleEntry(instrument="uppfoljning", timepoint="intake"))
    db.session.commit()
    q = fill_in(person, "uppfoljning", "intake", {"G1": 2, "G2": 3}, complete=False)
    answers.save_answer(q, "G3", text="Mer tid med coachen")
    answers.complete(q)
    db.session.commit()
    assert {a.item_key for a in db.session.scalars(sa.select(Answer).filter_by(
        questionnaire_id=q.id))} == {"G1", "G2", "G3"}
    page = client.get(f"/personal/deltagare/{person.code}").text
    assert "Hur bra är planen?" not in page
    dialogue = client.get(f"/personal/deltagare/{person.code}/dialog").text
    assert "Hur bra är planen?" not in dialogue


def test_a_version_stored_before_instruments_were_files_gets_its_definition(app):
    """Databases from before migration 0004 hold versions without a definition: init-db fills
    it from the shipped file of the same key, and their answers stay."""
    row = db.session.scalar(sa.select(InstrumentVersion).filter_by(instrument="skapa"))
    row.definition = None
    row.checksum = "0" * 64  # the old Python checksum
    db.session.commit()
    instruments._built.clear()
    migrate.upgrade()
    db.session.expire_all()
    row = db.session.scalar(sa.select(InstrumentVersion).filter_by(instrument="skapa"))
    assert row.version == 1
    assert row.definition is not None
    assert instruments.get("skapa").version == 1
    assert len(instruments.versions("skapa")) == 1


def test_import_names_a_version_and_accepts_steps_from_zero(app, runner, tmp_path):
    assert add(runner, tmp_path, vellinge()).exit_code == 0
    assert add(runner, tmp_path, vellinge(title="Ny"), "v2.xlsx").exit_code == 0
    header = "participant,gender,birth_year,insats,instrument,timepoint,respondent,item,value,answered_on"
    rows = [f"P-{n},kvinna,1990,Ins,vellinge@1,intake,,V{k},{(n + k) % 5},2026-03-0{n}"
            for n in (1, 2) for k in range(1, 5)]
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-answers", str(path)])
    assert result.exit_code == 0, result.output
    versions = set(db.session.scalars(sa.select(InstrumentVersion.version).join(
        Answer, Answer.instrument_version_id == InstrumentVersion.id)))
    assert versions == {1}
    assert 0 in set(db.session.scalars(sa.select(Answer.step)))
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "\nP-3,kvinna,1990,Ins,vellinge@7,intake,,V1,1,2026-03-01\n"
                   "P-3,kvinna,1990,Ins,vellinge,intake,,V2,5,2026-03-01\n", encoding="utf-8")
    lines = runner.invoke(args=["import-answers", str(bad)]).output.splitlines()
    assert any(line.startswith("bad.csv:2: okänt instrument vellinge@7") for line in lines)
    assert "bad.csv:3: värdet 5 för V2 ska vara ett heltal 0–4" in lines


def test_the_progression_report_for_a_four_area_form_matches_a_hand_count(
        app, runner, tmp_path):
    assert add(runner, tmp_path, vellinge()).exit_code == 0
    header = "participant,gender,birth_year,insats,instrument,timepoint,respondent,item,value,answered_on"
    # (intake, exit) per person; improved areas by hand: 4, 0, 2, 1
    people = {"A-1": ((0, 0, 0, 0), (1, 1, 1, 1)), "A-2": ((2, 2, 2, 2), (2, 1, 2, 2)),
              "A-3": ((1, 1, 1, 1), (3, 3, 1, 0)), "A-4": ((4, 0, 4, 4), (4, 1, 4, 4))}
    lines = []
    for code, (intake, exit_) in people.items():
        for tp, steps, day in (("intake", intake, "2026-01-10"), ("exit", exit_, "2026-06-10")):
            lines += [f"{code},kvinna,1990,Ins,vellinge,{tp},,V{k},{s},{day}"
                      for k, s in enumerate(steps, start=1)]
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    assert runner.invoke(args=["import-answers", str(path)]).exit_code == 0
    result = runner.invoke(args=["report", "progression", "--instrument", "vellinge",
                                 "--min-group", "1"])
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert out[0] == ("group,n,areas_0_pct,areas_1_pct,areas_2_pct,areas_3_pct,areas_4_pct,"
                      "any_improved_pct")
    assert out[1] == "samtliga,4,25.0,25.0,25.0,0.0,25.0,75.0"
    profile = runner.invoke(args=["report", "profile", "--instrument", "vellinge",
                                  "--min-group", "1"]).output.splitlines()
    assert profile[0] == "timepoint,respondent,item,n,mean,median"
    assert "intake,deltagare,V1,4,1.75,1.5" in profile
    unknown = runner.invoke(args=["report", "progression", "--instrument", "nope"])
    assert unknown.exit_code == 1
    assert "nope finns inte" in unknown.output
    group = runner.invoke(args=["report", "progression", "--instrument", "nns-avslut"])
    assert group.exit_code == 1


def test_a_new_insats_gets_each_files_default_timepoints(app, runner, tmp_path):
    from questionnaire.casework import schedule

    assert add(runner, tmp_path, vellinge(default_timepoints="intake exit")).exit_code == 0
    entries = {(e.instrument, e.timepoint) for e in schedule.default_schedule()}
    assert {("vellinge", "intake"), ("vellinge", "exit"), ("skapa", "6m"),
            ("nns-avslut", "exit")} <= entries
    assert ("vellinge", "6m") not in entries


def test_answers_of_a_zero_based_scale_are_checked_by_the_database(app, runner, tmp_path,
                                                                   make_participant):
    assert add(runner, tmp_path, vellinge()).exit_code == 0
    person = make_participant()
    q = fill_in(person, "vellinge", "intake", {"V1": 0}, complete=False)
    with pytest.raises(answers.AnswerRejected):
        answers.save_answer(q, "V2", step=5)
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):  # the database refuses it too
        db.session.execute(sa.update(Answer).where(Answer.questionnaire_id == q.id)
                           .values(step=-1))
    db.session.rollback()
    # SKAPA's scale starts at 1: step 0 is refused there
    skapa_q = fill_in(person, "skapa", "intake", {"S1": 1}, complete=False)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Answer).where(Answer.questionnaire_id == skapa_q.id)
                           .values(step=0))
    db.session.rollback()
