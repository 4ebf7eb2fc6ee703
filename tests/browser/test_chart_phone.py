"""The spider diagram on a phone: no label cut off, the lowest step away from the centre, axis
numbers readable and beside the axis, and the Arabic legend reads "6 أشهر" in order."""

from __future__ import annotations

import datetime as dt

import pytest

from questionnaire.answering import answers, links
from questionnaire.extensions import db
from tests.conftest import fill_in, skapa

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2}


def chart_after_six_months(live_server, new_tablet, make_participant, locale: str):
    """A participant's thank-you page after the 6-month rating, several areas rated 1."""
    page = new_tablet(**PHONE)
    person = make_participant(days_ago=185, language=locale)
    start = answers.current_enrolment(person.id).start_date
    fill_in(person, "skapa", "intake", skapa(2, 2, 3, 1, 2, 3),
            when=dt.datetime.combine(start, dt.time(10)))
    token = links.create(person)
    db.session.commit()
    page.goto(f"{live_server}/l/{token}")
    q = fill_in(person, "skapa", "6m", skapa(1, 1, 3, 4, 1, 2), complete=False)
    page.goto(f"{live_server}/q/{q.id}/sammanfattning")
    page.locator("form[action$='/klar'] button").click()
    page.wait_for_selector("#spider[data-drawn=true]")
    page.locator("#spider").scroll_into_view_if_needed()
    return page


@pytest.mark.parametrize("locale", ["sv", "so", "uk", "ar", "ti"])
def test_the_chart_fits_a_phone(live_server, new_tablet, make_participant, tmp_path, locale):
    page = chart_after_six_months(live_server, new_tablet, make_participant, locale)
    if locale in ("ar", "ti"):
        page.locator("#spider").screenshot(path=tmp_path / f"chart-{locale}.png")
    width = page.viewport_size["width"]
    cut = page.evaluate("""(width) => {
        const box = document.getElementById('spider').getBoundingClientRect();
        return [...document.querySelectorAll('#spider .angularaxistick text, #spider .legendtext')]
          .map(t => [t.textContent, t.getBoundingClientRect()])
          .filter(([, r]) => r.left < Math.max(0, box.left) - 1 || r.right > Math.min(width, box.right) + 1)
          .map(([text]) => text);
    }""", width)
    assert cut == []
    hidden = page.evaluate("""() => {
        const legend = document.querySelector('#spider .legend').getBoundingClientRect();
        return [...document.querySelectorAll('#spider .angularaxistick text')]
          .filter(t => { const r = t.getBoundingClientRect();
              return r.bottom > legend.top && r.top < legend.bottom
                  && r.right > legend.left && r.left < legend.right; })
          .map(t => t.textContent);
    }""")
    assert hidden == []  # no area name under the legend
    # the three areas rated 1 are three points, not one dot in the centre
    points = page.evaluate("""() => {
        const traces = document.querySelectorAll('#spider .scatterlayer .trace');
        return [...traces[traces.length - 1].querySelectorAll('.points path')]
          .map(p => { const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; });
    }""")
    ones = [points[n] for n in (0, 1, 4)]  # S1, S2 and S5 are 1
    for a in range(3):
        for b in range(a + 1, 3):
            assert abs(ones[a][0] - ones[b][0]) + abs(ones[a][1] - ones[b][1]) > 10
    numbers = page.evaluate("""() => [...document.querySelectorAll('#spider .annotation-text')]
        .map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert numbers
    assert min(numbers) >= 14
    labels = page.evaluate("""() => [...document.querySelectorAll('#spider .angularaxistick text')]
        .map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert min(labels) >= 13
    assert page.locator("table.numbers tbody tr").count() == 6  # the same numbers as a table


def test_the_axis_numbers_are_beside_the_axis_line(live_server, new_tablet, make_participant):
    page = chart_after_six_months(live_server, new_tablet, make_participant, "sv")
    # the smallest distance (px) from each number's box to a line through the centre: a spoke
    # (towards an area's name) or the radial axis line, if it is drawn
    distances = page.evaluate("""() => {
        const ring = document.querySelector('#spider .angular-line path').getBoundingClientRect();
        const c = [ring.x + ring.width / 2, ring.y + ring.height / 2];
        const towards = el => { const r = el.getBoundingClientRect();
            return Math.atan2(r.y + r.height / 2 - c[1], r.x + r.width / 2 - c[0]); };
        const angles = [...document.querySelectorAll('#spider .angularaxistick text')].map(towards);
        const axis = document.querySelector('#spider .radial-line path');
        if (axis && axis.getBoundingClientRect().width + axis.getBoundingClientRect().height > 0)
            angles.push(...[...document.querySelectorAll('#spider .annotation-text')].map(towards));
        return [...document.querySelectorAll('#spider .annotation-text')].map(t => {
            const r = t.getBoundingClientRect();
            const corners = [[r.left, r.top], [r.right, r.top], [r.left, r.bottom], [r.right, r.bottom]];
            return Math.min(...angles.map(a => {
                const d = corners.map(([x, y]) => (x - c[0]) * Math.sin(a) - (y - c[1]) * Math.cos(a));
                const ahead = corners.some(([x, y]) => (x - c[0]) * Math.cos(a) + (y - c[1]) * Math.sin(a) > 0);
                if (!ahead) return Infinity;
                return Math.min(...d) < 0 && Math.max(...d) > 0 ? 0 : Math.min(...d.map(Math.abs));
            }));
        });
    }""")
    assert distances
    assert min(distances) >= 4


def test_the_arabic_legend_keeps_six_months_in_order(live_server, new_tablet, make_participant):
    page = chart_after_six_months(live_server, new_tablet, make_participant, "ar")
    order = page.evaluate("""() => {
        const t = [...document.querySelectorAll('#spider .legendtext')]
          .find(t => t.textContent.includes('أشهر'));
        const text = t.textContent, six = text.indexOf('6'), word = text.indexOf('أشهر');
        const x = n => t.getExtentOfChar(n).x + t.getExtentOfChar(n).width / 2;
        return {six: x(six), word: x(word)};
    }""")
    assert order["six"] > order["word"]  # right to left: "6" first, at the right of أشهر
