"""The dialogue view and the printed star (issue 18, items 8 and 9): the way back to the
participant and to the hand-over, "Förra gången" only when there is a rating between the intake
and the latest, and a print view with the spider diagram as inline SVG, the instrument's own
scale, the plan and the next meeting, in the participant's language beside Swedish. For any
self-rating instrument: the shipped one and a förbund's own 0–4 form."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import Insats, ScheduleEntry
from tests.conftest import csrf_token, fill_in
from tests.pagetext import visible_text
from tests.xlsforms import vellinge


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def self_rating():
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def complete(person, inst, timepoint, steps, days_ago=0, respondent="deltagare"):
    fill_in(person, inst.key, timepoint,
            {item.key: item.scale_min + s for item, s in zip(inst.areas, steps, strict=False)},
            respondent=respondent, when=dt.datetime.now() - dt.timedelta(days=days_ago))


@pytest.fixture
def vellinge_form(app):
    """Vellinge's own 0–4 form, the only self-rating of the insats 'Testinsatsen'."""
    instruments.publish(instruments.read(vellinge()))
    db.session.commit()
    return instruments.get("vellinge")


def only(inst):
    """Give 'Testinsatsen' only this instrument (at its default timepoints)."""
    insats = db.session.scalar(sa.select(Insats).filter_by(name="Testinsatsen"))
    insats.schedule = []
    db.session.flush()
    insats.schedule = [ScheduleEntry(instrument=inst.key, timepoint=t)
                       for t in inst.default_timepoints]
    db.session.commit()


def dialogue(client, person, inst):
    return client.get(f"/personal/deltagare/{person.code}/dialog",
                      query_string={"instrument": inst.key})


def headers(html):
    return [visible_text(h) for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html)]


# --- 8. the dialogue view -----------------------------------------------------------------------

def test_dialogue_links_back_to_the_participant_and_to_the_hand_over(client, handledare,
                                                                      make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190)
    complete(person, inst, "intake", [1] * len(inst.areas), days_ago=180)
    page = dialogue(client, person, inst).text
    assert f'href="/personal/deltagare/{person.code}"' in page
    assert f'action="/personal/deltagare/{person.code}/lamna-over"' in page
    handed = post(client, f"/personal/deltagare/{person.code}/lamna-over")
    assert handed.status_code == 302
    assert "/q/" in handed.headers["Location"]  # the 6-month rating opens for the participant


def test_previous_column_only_when_rated_between_intake_and_latest(client, handledare,
                                                                   make_participant):
    inst = self_rating()
    person = make_participant(days_ago=400)
    complete(person, inst, "intake", [0] * len(inst.areas), days_ago=390)
    complete(person, inst, "6m", [2] * len(inst.areas), days_ago=200)
    two = headers(dialogue(client, person, inst).text)
    assert "Förra gången" not in two
    assert "Sedan förra gången" not in two
    assert "Inskrivning" in two
    assert "Sedan inskrivning" in two

    complete(person, inst, "12m", [3] * len(inst.areas), days_ago=10)
    three = dialogue(client, person, inst).text
    assert "Förra gången" in headers(three)
    assert "Sedan förra gången" in headers(three)
    first_row = re.search(r"<tbody>\s*<tr[^>]*>(.*?)</tr>", three, re.S).group(1)
    cells = [visible_text(c).split()[0] for c in re.findall(r"<td>(.*?)</td>", first_row, re.S)]
    low = inst.areas[0].scale_min
    assert cells[:3] == [str(low), str(low + 2), str(low + 3)]  # intake, previous, latest


# --- 9. the printable star ----------------------------------------------------------------------

def print_page(client, person, inst):
    return client.get(f"/personal/deltagare/{person.code}/utskrift",
                      query_string={"instrument": inst.key})


@pytest.mark.parametrize("form", ["shipped", "vellinge"])
def test_print_shows_the_star_as_svg_with_the_instruments_scale(client, handledare,
                                                               make_participant, request, form):
    inst = self_rating() if form == "shipped" else request.getfixturevalue("vellinge_form")
    only(inst)
    person = make_participant(days_ago=200)
    n = len(inst.areas)
    complete(person, inst, "intake", [k % 4 for k in range(n)], days_ago=190)
    complete(person, inst, "6m", [k % 4 + 1 for k in range(n)], days_ago=5)
    page = print_page(client, person, inst)
    assert page.status_code == 200
    svg = re.search(r"<svg[^>]*class=\"star\".*?</svg>", page.text, re.S)
    assert svg, "no inline SVG star"
    star = svg.group(0)
    assert star.count("<polygon") >= 2 or star.count("<path") >= 2  # both ratings drawn
    drawn = "".join(visible_text(star).split())  # a long name is wrapped onto lines
    for area in inst.areas:
        assert "".join(str(area.area).split()) in drawn
    low, high = inst.areas[0].scale.min, inst.areas[0].scale.max
    text = visible_text(page.text)
    assert f"{low} = lägst, {high} = högst" in text
    assert "plotly" not in page.text.lower()  # nothing drawn by script: it prints as it is


def test_print_has_the_plan_the_next_meeting_and_the_way_back(client, handledare,
                                                               make_participant):
    inst = self_rating()
    person = make_participant(days_ago=100)
    complete(person, inst, "intake", [1] * len(inst.areas), days_ago=95)
    complete(person, inst, "3m", [2] * len(inst.areas), days_ago=5)
    post(client, f"/personal/deltagare/{person.code}/anteckning", goal="Söka praktik",
         next_step="Ringa Samhall", who="Kim")
    page = print_page(client, person, inst).text
    text = visible_text(page)
    assert "Söka praktik" in text
    assert "Ringa Samhall" in text
    assert "Nästa träff" in text
    assert "6 månader" in text.split("Nästa träff", 1)[1]
    assert '<meta name="viewport"' in page
    assert "Skriv ut" in text
    assert f'href="/personal/deltagare/{person.code}/dialog' in page


def test_print_is_in_the_participants_language_beside_swedish(client, handledare,
                                                              make_participant, vellinge_form):
    only(vellinge_form)
    person = make_participant(days_ago=10, language="ar")
    complete(person, vellinge_form, "intake", [0, 1, 2, 3], days_ago=5)
    page = print_page(client, person, vellinge_form).text
    sections = re.findall(r'<section class="print-section" lang="([^"]+)" dir="([^"]+)"', page)
    assert sections == [("ar", "rtl"), ("sv", "ltr")]
    star = re.search(r"<svg[^>]*class=\"star\".*?</svg>", page, re.S).group(0)
    assert "التمكين" in star
    assert "Egenmakt" in star
    arabic = page.split('lang="ar"', 1)[1].split('lang="sv"', 1)[0]
    assert "0 = lägst" not in arabic
    assert re.search(r"0\s*=.*4\s*=", visible_text(arabic))  # the scale in Arabic too
    # dates read left to right in the Arabic text too (else the bidi algorithm turns
    # 2026-12-01 into 01-12-2026): the next meeting's day is isolated
    meeting = visible_text(arabic).split("اللقاء القادم", 1)[1]
    assert re.search("\u2066\\d{4}-\\d{2}-\\d{2}\u2069", meeting)
