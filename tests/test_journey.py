"""The participant's journey (issue 18, item 10): on their own one-time link they see all their
ratings over time, intake → reviews → exit, as a chart and a table, in their language. For any
self-rating instrument: the shipped one and a förbund's own 0–4 form."""

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.answering import links
from questionnaire.extensions import db
from questionnaire.models import Insats, ScheduleEntry
from tests.conftest import fill_in
from tests.pagetext import visible_text
from tests.xlsforms import vellinge


def self_rating():
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def only(inst, insats_name="Testinsatsen"):
    insats = db.session.scalar(sa.select(Insats).filter_by(name=insats_name))
    insats.schedule = []
    db.session.flush()
    insats.schedule = [ScheduleEntry(instrument=inst.key, timepoint=t)
                       for t in ("intake", "6m", "exit")]
    db.session.commit()


def rated(person, inst, timepoint, offset, days_ago):
    fill_in(person, inst.key, timepoint,
            {i.key: min(i.scale_min + offset + n % 2, i.scale_max)
             for n, i in enumerate(inst.areas)},
            when=dt.datetime.now() - dt.timedelta(days=days_ago))


def journey_person(make_participant, inst, language=None):
    person = make_participant(days_ago=400, exit_days_ago=5, language=language)
    only(inst)
    rated(person, inst, "intake", 0, 395)
    rated(person, inst, "6m", 1, 215)
    rated(person, inst, "exit", 2, 4)
    return person


def own_page(client, person):
    token = links.create(person)
    db.session.commit()
    opened = client.get(f"/l/{token}")
    assert opened.status_code == 302
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200
    return page.text


def journey_table(html):
    table = re.search(r'<table class="numbers journey">(.*?)</table>', html, re.S)
    assert table, "no journey table"
    head = [visible_text(h) for h in re.findall(r"<th scope=\"col\">(.*?)</th>", table.group(1))]
    rows = [[visible_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)]
    return head, rows


@pytest.mark.parametrize("form", ["shipped", "vellinge"])
def test_own_link_shows_every_rating_over_time(client, make_participant, request, form):
    if form == "vellinge":
        instruments.publish(instruments.read(vellinge()))
        db.session.commit()
    inst = self_rating() if form == "shipped" else instruments.get("vellinge")
    person = journey_person(make_participant, inst)
    html = own_page(client, person)
    figure = json.loads(re.search(r'<script type="application/json" id="spider-data">(.*?)'
                                  r"</script>", html, re.S).group(1).replace("<\\/", "</"))
    assert len(figure["data"]) == 3  # intake, 6 months, exit
    head, rows = journey_table(html)
    assert [h.split()[0] for h in head[1:]] == ["Inskrivning", "6", "Avslut"]
    low = inst.areas[0].scale_min
    assert rows[0] == [str(inst.areas[0].area), str(low), str(low + 1), str(low + 2)]
    text = visible_text(html)
    high = inst.areas[0].scale_max
    assert f"({low} = lägst, {high} = högst)" in text


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_the_journey_in_arabic_script_reads_right_to_left(client, make_participant, language):
    inst = self_rating()
    person = journey_person(make_participant, inst, language=language)
    html = own_page(client, person)
    assert re.search(rf'<html lang="{language}" dir="rtl"', html)
    head, rows = journey_table(html)
    assert "Inskrivning" not in " ".join(head)
    assert "Avslut" not in " ".join(head)
    assert rows[0][0] != str(inst.areas[0].area)  # the area's name in Arabic
    assert re.search(r"[\u0600-\u06ff]", rows[0][0])


def test_no_journey_before_the_first_rating(client, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=400, exit_days_ago=5)
    only(inst)
    html = own_page(client, person)
    assert 'class="numbers journey"' not in html
    assert 'id="spider"' not in html
