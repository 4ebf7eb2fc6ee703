"""Random, huge, out-of-range and odd-unicode input to every endpoint, logged in as every role
and as nobody (and as a participant mid-questionnaire): never a 500, and the database's rules
still hold afterwards. Routes come from the URL map, so a new route is fuzzed without asking."""

import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaire.extensions import db
from questionnaire.models import Answer, Insats, InsatsStaff, Questionnaire
from tests.conftest import csrf_token, questionnaire_id

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "6", "999999999999", "2.5", "true", "null", "S1", "N6a",
                     "2026-02-30", "../../etc", "<script>", "=1+1", "\x00", "ﷺ" * 50,
                     "ሰላም", "x" * 5000]),
)
FORM = st.dictionaries(st.sampled_from(["step", "text", "declined", "email", "password",
                                        "insats", "gender", "birth_year", "start", "goal",
                                        "area", "exit_date", "exit_reason", "name", "schedule",
                                        "confirm", "format", "fran", "till", "timepoint",
                                        "S1", "role", "return", "current", "new", "repeat"]),
                       TEXT, max_size=6)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                    st.text(max_size=20), lambda children: st.lists(children, max_size=3) |
                    st.dictionaries(st.sampled_from(["item", "step", "text", "declined",
                                                     "client_id", "return"]), children,
                                    max_size=4), max_leaves=8)
ARG = st.one_of(st.sampled_from(["S1", "N6b", "F11", "1", "0", "-5", "99999999"]),
                st.text(alphabet="abcXYZ019-_", min_size=1, max_size=12))


def _rules():
    from questionnaire import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "PSEUDONYM_KEY": "y"})
    return sorted({(r.rule, m) for r in app.url_map.iter_rules() if r.endpoint != "static"
                   for m in r.methods & {"GET", "POST"}})


@pytest.mark.parametrize("role", [None, "participant", "handledare", "samordnare",
                                  "analytiker"])
@pytest.mark.parametrize(("rule", "method"), _rules())
@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(form=FORM, body=JSON, args=st.lists(ARG, min_size=3, max_size=3),
       with_token=st.booleans(), as_json=st.booleans(), query=FORM)
def test_no_input_causes_a_server_error(client, login, make_participant, open_link, rule,
                                        method, role, form, body, args, with_token, as_json,
                                        query):
    if not hasattr(client, "_fuzz_ready"):  # once per test: people and a session to fuzz as
        person = make_participant()
        client._qid = questionnaire_id(open_link(person)) if role == "participant" else 1
        client._code = person.code
        if role not in (None, "participant"):
            user = login(role)
            db.session.add(InsatsStaff(insats_id=db.session.scalar(sa.select(Insats.id)),
                                       user_id=user.id))
            db.session.commit()
        client._token = csrf_token(client, "/personal/logga-in")
        client._fuzz_ready = True
    values = iter(args)
    url = re.sub(r"<(?:int:)?(\w+)>", lambda m: (
        str(client._qid) if m.group(1) == "qid" and args[0] != "0" else
        client._code if m.group(1) == "code" and args[1] != "0" else next(values)), rule)
    if "<int:" in rule and not re.fullmatch(r"[\d/a-zA-Z_\-.~%]*", url):
        return
    if method == "GET":
        response = client.get(url, query_string=query)
    elif as_json:
        headers = {"X-CSRFToken": client._token} if with_token else {}
        response = client.post(url, json=body, headers=headers)
    else:
        data = {**form, **({"csrf_token": client._token} if with_token else {})}
        response = client.post(url, data=data)
    response.close()  # as a WSGI server does (a download's temporary file is then removed)
    assert response.status_code < 500, (url, response.status_code)
    # the rules of the data still hold
    for answer in db.session.scalars(sa.select(Answer)):
        assert (answer.step is None) or 1 <= answer.step <= answer.scale_max
    done = db.session.scalars(sa.select(Questionnaire).where(
        Questionnaire.completed_at.is_not(None))).all()
    assert all(q.answers for q in done)
