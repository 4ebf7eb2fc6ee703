"""A server error says what happened in words for the person who sees it."""

import pytest

from questionnaire.answering import links
from questionnaire.casework import overview


def _boom(*_args, **_kwargs):
    raise RuntimeError("boom")


@pytest.fixture
def errors_as_pages(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, no traceback


def test_staff_are_not_told_about_their_saved_answers(client, login, monkeypatch,
                                                      errors_as_pages):
    """A samordnare's page fails: the message speaks to staff (a participant's 'your saved
    answers are kept' made no sense to them)."""
    login("samordnare")
    monkeypatch.setattr(overview, "start_page", _boom)
    response = client.get("/personal/")
    assert response.status_code == 500
    assert "Dina sparade svar" not in response.text
    assert "Något gick fel hos oss" in response.text
    assert "Försök igen om en stund" in response.text
    assert "kontakta" in response.text  # what to do if it happens again


def test_a_participant_is_told_their_answers_are_kept(client, make_participant, monkeypatch,
                                                     errors_as_pages):
    monkeypatch.setattr(links, "resolve", _boom)
    response = client.get("/l/some-token")
    assert response.status_code == 500
    assert "Dina sparade svar finns kvar" in response.text
