"""Locale selection and the marker for strings that are translated when shown, not when defined.

Locale order, first match wins:
  1. ?lang=xx on any page (stored in the session, so the choice sticks);
  2. the language stored in the session (the participant's or the staff member's own choice);
  3. the participant's preferred language (set at registration), while answering;
  4. the browser's Accept-Language;
  5. Swedish.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from flask import current_app, g, has_request_context, request, session


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (gettext_noop).

    Instrument texts are data defined at import time; they are translated with `_()` when shown,
    in the language of the person looking at them.
    """
    return message


@cache
def _available(translation_dir: str) -> tuple[str, ...]:
    found = sorted(
        p.parent.parent.name for p in Path(translation_dir).glob("*/LC_MESSAGES/messages.po")
    )
    return ("sv", *[loc for loc in found if loc != "sv"])


def available_locales() -> tuple[str, ...]:
    return _available(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])


def select_locale() -> str:
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    available = available_locales()
    asked = request.args.get("lang")
    if asked in available:
        session["lang"] = asked
    for candidate in (session.get("lang"), getattr(g, "participant_language", None)):
        if candidate in available:
            return candidate
    return request.accept_languages.best_match(available) or "sv"


def text_direction(locale: str) -> str:
    return Locale.parse(locale).text_direction


def language_name(locale: str) -> str:
    """A language's name in that language (for the language menu)."""
    return Locale.parse(locale).get_display_name(locale) or locale
