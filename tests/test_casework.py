"""The handledare's day (issue 18): the parallel rating on the due timepoint, corrected by its
author; action notes edited and deleted with their history; the same timepoint compared; the
hand-back screen; the labels staff read."""

import datetime as dt
import json
import re

import sqlalchemy as sa

from questionnaire import instruments
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, InsatsStaff, Questionnaire
from tests.conftest import PASSWORD, csrf_token, fill_in, stored
from tests.pagetext import visible_text

TODAY = dt.date.today()


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/personal/"), **data})


def self_rating():
    """A published self-rating instrument (rated areas, individual results): the tests hold for
    any of them."""
    return next(i for i in instruments.published() if i.individual_results and i.areas)


def rate(inst, steps):
    """A staff rating form: each rated area given the step at its position (None = Vet inte)."""
    return {item.key: "" if step is None else str(item.scale_min + step)
            for item, step in zip(inst.areas, steps, strict=False)}


def complete(person, inst, timepoint, steps, respondent="deltagare", days_ago=0):
    fill_in(person, inst.key, timepoint,
            {item.key: item.scale_min + s for item, s in zip(inst.areas, steps, strict=False)},
            respondent=respondent, when=dt.datetime.now() - dt.timedelta(days=days_ago))


def staff_ratings():
    return db.session.scalars(sa.select(Questionnaire).filter_by(respondent="handledare")).all()


def selected_timepoint(html):
    match = re.search(r'<option value="([^"]+)"[^>]*\sselected', html)
    return match and match.group(1)


# --- 1. the handledare's rating -----------------------------------------------------------------

def test_rating_opens_on_the_due_timepoint(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")  # 6 months are due
    page = client.get(f"/personal/deltagare/{person.code}/skattning",
                      query_string={"instrument": inst.key})
    assert page.status_code == 200
    assert selected_timepoint(page.text) == "6m"


def test_rating_with_every_area_unknown_is_refused(client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    form = {"instrument": inst.key, "timepoint": "6m", **rate(inst, [None] * len(inst.areas))}
    response = post(client, f"/personal/deltagare/{person.code}/skattning", **form)
    assert response.status_code == 400
    assert "Skatta minst ett område" in visible_text(response.text)
    assert staff_ratings() == []
    assert selected_timepoint(response.text) == "6m"  # the choice is kept


def test_own_rating_can_be_corrected_and_the_old_values_are_logged(
        client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}/skattning"
    first = rate(inst, [1, 2, 3])
    assert post(client, url, instrument=inst.key, timepoint="6m", **first).status_code == 302
    # the form opens again on that timepoint with the stored values
    page = client.get(url, query_string={"instrument": inst.key, "timepoint": "6m"})
    for key, value in first.items():
        assert re.search(rf'name="{key}" value="{value}"[^>]*checked', page.text), key
    corrected = rate(inst, [2, None, 1])
    assert post(client, url, instrument=inst.key, timepoint="6m", **corrected).status_code == 302
    (q,) = staff_ratings()
    keys = [i.key for i in inst.areas[:3]]
    assert {k: v for k, v in stored(q.id).items() if k in keys} == {
        keys[0]: int(corrected[keys[0]]), keys[1]: "declined", keys[2]: int(corrected[keys[2]])}
    event = db.session.scalars(sa.select(AuditEvent).filter_by(
        action="staff_rating_changed")).one()
    details = json.loads(event.details)
    assert details["before"][keys[0]] == int(first[keys[0]])
    assert details["after"][keys[1]] is None


def test_a_colleagues_rating_is_not_overwritten(app, client, handledare, make_participant,
                                                make_user):
    inst = self_rating()
    person = make_participant(days_ago=190, insats="Testinsatsen")
    url = f"/personal/deltagare/{person.code}/skattning"
    assert post(client, url, instrument=inst.key, timepoint="6m",
                **rate(inst, [1, 1])).status_code == 302
    colleague = make_user("handledare", email="kollega@kommun.example")
    insats_id = db.session.scalar(sa.select(InsatsStaff.insats_id).filter_by(
        user_id=handledare.id))
    db.session.add(InsatsStaff(insats_id=insats_id, user_id=colleague.id))
    db.session.commit()
    client = app.test_client()
    token = csrf_token(client, "/personal/logga-in")
    assert client.post("/personal/logga-in", data={
        "csrf_token": token, "email": colleague.email, "password": PASSWORD}).status_code == 302
    before = stored(staff_ratings()[0].id)
    refused = post(client, url, instrument=inst.key, timepoint="6m", **rate(inst, [3, 3]))
    assert refused.status_code == 400
    assert "kollega" in visible_text(refused.text)
    assert stored(staff_ratings()[0].id) == before


def test_rating_form_speaks_about_the_participant_with_large_targets(
        client, handledare, make_participant):
    inst = self_rating()
    person = make_participant(days_ago=10, insats="Testinsatsen")
    page = client.get(f"/personal/deltagare/{person.code}/skattning",
                      query_string={"instrument": inst.key})
    seen = visible_text(page.text)
    for item in inst.areas:
        assert item.text not in seen  # the participant's own question is not put to staff
        assert item.area in seen
    assert "Hur bedömer du deltagarens" in seen
    # every step is a large target like the participant's buttons
    assert len(re.findall(r'<label class="step', page.text)) == sum(
        len(i.scale.steps) for i in inst.areas)
