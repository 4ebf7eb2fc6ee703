"""The spider diagram's figure for any instrument: its scale (also from 0) starts below the lowest
step, labels wrap, a right-to-left page isolates every label; the table's caption names the
instrument's own lowest and highest step."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import force_locale

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Insats, ScheduleEntry
from questionnaire.reporting import chart
from tests.conftest import csrf_token, fill_in, questionnaire_id
from tests.xlsforms import vellinge


def test_the_axis_starts_below_the_lowest_step_for_any_scale(app):
    instruments.publish(instruments.read(vellinge()))
    db.session.commit()
    for key, lowest, highest in (("skapa", 1, 5), ("vellinge", 0, 4)):
        inst = instruments.get(key)
        with app.test_request_context(), force_locale("sv"):
            fig = json.loads(chart.figure(inst, [chart.Trace("x", [lowest] * len(inst.areas),
                                                             strong=True)]))
        axis = fig["layout"]["polar"]["radialaxis"]
        assert axis["range"][0] < lowest
        assert axis["range"][1] == highest
        assert axis["tickvals"] == list(range(lowest, highest + 1))


def test_long_labels_wrap_and_right_to_left_labels_are_isolated(app):
    assert chart.chart_label("Tro på att kunna arbeta", rtl=False, width=11) == (
        "Tro på att<br>kunna<br>arbeta")
    assert chart.chart_label("6 أشهر 29/11/2026", rtl=True) == "\u20686 أشهر 29/11/2026\u2069"
    inst = instruments.get("skapa")
    with app.test_request_context(), force_locale("ar"):
        fig = json.loads(chart.figure(inst, [chart.Trace("6 أشهر", [3] * 6, strong=True)]))
    assert fig["data"][0]["name"] == "\u20686 أشهر\u2069"
    assert all(t.startswith("\u2068") for t in fig["data"][0]["theta"])


def test_the_table_caption_names_the_instruments_own_steps(client, make_participant):
    person = make_participant(insats="Vellinge")  # its schedule made before Vellinge's form
    instruments.publish(instruments.read(vellinge()))
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Vellinge"))
    insats.schedule = [ScheduleEntry(instrument="vellinge", timepoint="intake")]
    db.session.commit()
    from questionnaire.answering import links

    token = links.create(person)
    db.session.commit()
    qid = questionnaire_id(client.get(f"/l/{token}").headers["Location"])
    fill_in(person, "vellinge", "intake", {"V1": 0, "V2": 3, "V3": 4, "V4": 2}, complete=False)
    client.post(f"/q/{qid}/klar", data={"csrf_token": csrf_token(client, f"/q/{qid}/")})
    page = client.get(f"/q/{qid}/tack")
    assert "Dina svar i siffror (0 = lägst, 4 = högst)" in page.text
