import dataclasses

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import InstrumentItem, InstrumentVersion


def test_skapa_has_six_areas_on_five_steps_worded_as_in_the_source():
    skapa = instruments.get("skapa")
    assert [i.key for i in skapa.items] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert all(i.scale.max == 5 and i.area for i in skapa.items)
    assert skapa.item("S4").text == "Tror du att du kan klara av att arbeta?"
    assert skapa.item("S1").text == (
        "Hur skulle du betygsätta din hälsa i förhållande till att kunna hantera ett arbete?"
    )
    assert [i.area for i in skapa.items] == [
        "Hälsa", "Vägen till arbete", "Tid i vardagen", "Tro på arbete", "Kompetens", "Samarbete"
    ]


def test_nns_scales_and_forms():
    ongoing, final = instruments.get("nns-pagaende"), instruments.get("nns-avslut")
    assert [i.key for i in ongoing.items] == ["N1", "N2", "N3", "N4", "N5", "N7", "N9"]
    assert [s.label for s in ongoing.item("N1").scale.steps] == [
        "Aldrig", "Sällan", "Ibland", "Ofta", "För det mesta", "Alltid"]
    assert [s.label for s in final.item("N5").scale.steps] == [
        "Inte alls", "Till liten del", "Till viss del", "Till stor del", "Till mycket stor del",
        "Helt och hållet"]
    assert [s.label for s in final.item("N6a").scale.steps] == ["Nej", "Ja"]
    assert final.item("N3").text == "Har stödet fått ta den tid du behövt?"
    assert ongoing.item("N3").text == "Får stödet ta den tid du behöver?"
    assert [i.key for i in final.items if i.is_text] == ["F11", "F12", "F13"]


@pytest.mark.parametrize(("n6a", "asked"), [(None, False), (1, False), (2, True)])
def test_n6b_and_n6c_only_after_yes(n6a, asked):
    final = instruments.get("nns-avslut")
    keys = [i.key for i in final.visible_items({"N6a": n6a})]
    assert ("N6b" in keys) is asked
    assert ("N6c" in keys) is asked


def test_versions_are_mirrored_with_item_scales(app):
    rows = db.session.scalars(sa.select(InstrumentVersion)).all()
    assert {(r.instrument, r.version) for r in rows} == {
        ("skapa", 1), ("nns-pagaende", 1), ("nns-avslut", 1)}
    scale = dict(db.session.execute(
        sa.select(InstrumentItem.key, InstrumentItem.scale_max)
        .join(InstrumentVersion).where(InstrumentVersion.instrument == "nns-avslut")).all())
    assert scale["N1"] == 6
    assert scale["N6a"] == 2
    assert scale["F11"] == 0


def test_a_published_version_cannot_be_reworded(app, monkeypatch):
    skapa = instruments.get("skapa")
    reworded = dataclasses.replace(skapa, items=(
        dataclasses.replace(skapa.items[0], text="Hur mår du?"), *skapa.items[1:]))
    assert reworded.checksum != skapa.checksum
    monkeypatch.setitem(instruments.REGISTRY, "skapa", {1: reworded})
    with pytest.raises(instruments.InstrumentChanged):
        instruments.sync_to_database()


def test_a_new_version_is_added_beside_the_old(app, monkeypatch):
    skapa = instruments.get("skapa")
    v2 = dataclasses.replace(skapa, version=2, title="Ny titel")
    monkeypatch.setitem(instruments.REGISTRY, "skapa", {1: skapa, 2: v2})
    instruments.sync_to_database()
    assert instruments.get("skapa").version == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentVersion)
                             .where(InstrumentVersion.instrument == "skapa")) == 2
