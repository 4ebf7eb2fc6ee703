"""Languages, locale selection and the marker for strings translated when shown.

Every language a participant can answer in is listed in LANGUAGES. Its catalog
`translations/CODE/LC_MESSAGES/messages.po` holds everything a participant sees; the staff pages
have their own domain (`staff.po`), translated for the staff languages only.

Locale order, first match wins (among the languages of the page's audience):
  1. ?lang=xx on any page (stored in the session, so the choice sticks);
  2. on a participant's page, the language picked on this visit, else their own (set at
     registration). A pick becomes their own only once they answer a question in it, so a
     language tapped by mistake does not open their next link too (answering/views.py);
  3. the language stored in the session (the staff member's, or a visitor's, own choice);
  4. the browser's Accept-Language;
  5. Swedish.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.support import Translations
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, gettext, pgettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (gettext_noop).

    Instrument texts are data defined at import time; they are translated with `_()` when shown,
    in the language of the person looking at them.
    """
    return message


def NC_(context: str, message: str) -> str:
    """Mark a string with a context (msgctxt) for extraction without translating it."""
    return message


#: Step labels that one question needs in another form than the others sharing them, with the
#: scale's key as msgctxt (SKAPA's scales are per item: "S6" is S6's). A language translates the
#: contextual entry like the shared one unless its grammar differs: Ukrainian rates health (S1)
#: with adjectives agreeing with здоров'я, and how well one cooperates (S6) with adverbs.
STEP_CONTEXTS = (
    NC_("S6", "Mycket dålig"), NC_("S6", "Dålig"), NC_("S6", "Varken bra eller dålig"),
    NC_("S6", "Bra"), NC_("S6", "Mycket bra"),
)


def step_label(scale: str, label: str) -> str:
    """A step's label in the page's language: the scale's own form where STEP_CONTEXTS gives one,
    else the label shared by every scale that has it."""
    if not label:
        return ""
    translations = getattr(label, "translations", None)  # the instrument file's own
    if translations:
        found = translations.get(str(get_locale()))
        if found:
            return found
    text = pgettext(scale, label)
    return text if text != label else gettext(label)


@dataclass(frozen=True)
class Language:
    code: str  # Babel locale and catalog folder, e.g. "fa_AF", "sv@lattlast"
    tag: str  # BCP 47 tag for lang=, hreflang and speech synthesis
    font: str | None = None  # web font the script needs on a tablet without system fonts
    staff: bool = False  # the staff pages are translated too
    name: str | None = None  # a name Babel does not know, as a msgid translated in this language
    source: bool = False  # the language the texts are written in (Swedish): nothing to review
    #: The native speaker who reviewed the whole translation (name or role, no e-mail) and when.
    #: Unreviewed translations are used all the same; the staff pages say they are unreviewed.
    #: Record a review here, in the same commit as the catalog changes it asked for.
    reviewed_by: str | None = None
    reviewed_on: dt.date | None = None

    @property
    def reviewed(self) -> bool:
        return self.source or (self.reviewed_by is not None and self.reviewed_on is not None)


#: Nobody has reviewed any translation yet (2026-11): every one is Stegvis's own first draft.
LANGUAGES: tuple[Language, ...] = (
    Language("sv", "sv", staff=True, source=True),
    Language("sv@lattlast", "sv", name=N_("Lättläst svenska")),
    Language("en", "en", staff=True),
    Language("ar", "ar", font="arabic"),
    Language("fa", "fa", font="arabic"),
    Language("fa_AF", "fa-AF", font="arabic", name=N_("Dari")),
    Language("so", "so"),
    Language("ti", "ti", font="ethiopic"),
    Language("uk", "uk"),
)
BY_CODE = {lang.code: lang for lang in LANGUAGES}


def language(code: str | None) -> Language:
    return BY_CODE.get(code or "sv", LANGUAGES[0])


@cache
def _catalogs(translation_dir: str, domain: str) -> frozenset[str]:
    return frozenset(p.parent.parent.name
                     for p in Path(translation_dir).glob(f"*/LC_MESSAGES/{domain}.po"))


def _directory() -> str:
    return current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0]


def available_locales() -> tuple[str, ...]:
    """Languages a participant can answer in (their catalog exists)."""
    found = _catalogs(_directory(), "messages")
    return tuple(lang.code for lang in LANGUAGES if lang.code == "sv" or lang.code in found)


def staff_locales() -> tuple[str, ...]:
    """Languages the staff pages are translated into."""
    found = _catalogs(_directory(), "staff")
    return tuple(lang.code for lang in LANGUAGES
                 if lang.code == "sv" or (lang.staff and lang.code in found))


#: Pages for professionals answering a survey round's Swedish form: always in Swedish.
SWEDISH_ONLY = ("survey",)


def participant_side() -> bool:
    """Is this page for a participant (in any of their languages) rather than for staff?"""
    if session.get("handover") is not None:
        return True
    return request.blueprint not in ("staff", "auth", "analysis", "admin", "rounds", "recordings",
                                     *SWEDISH_ONLY)


def page_locales() -> tuple[str, ...]:
    if request.blueprint in SWEDISH_ONLY and session.get("handover") is None:
        return ("sv",)
    return available_locales() if participant_side() else staff_locales()


def select_locale() -> str:
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    available = page_locales()
    if available == ("sv",):
        return "sv"
    asked = request.args.get("lang")
    if asked in available:
        session["lang"] = asked
    # On a participant's page their own (remembered) language comes before the session's: a
    # shared tablet's session may still hold the language the previous participant chose.
    participant = getattr(g, "participant_language", None) if participant_side() else None
    for candidate in (participant, session.get("lang")):
        if candidate in available:
            return candidate
    tags = {language(code).tag: code for code in reversed(available)}
    best = request.accept_languages.best_match(list(tags))
    return tags.get(best, "sv") if best else "sv"


def text_direction(locale: str) -> str:
    return Locale.parse(locale).text_direction


@cache
def _translations(translation_dir: str, code: str) -> Translations:
    return Translations.load(translation_dir, [code], "messages")


def translate_in(code: str, message: str, context: str | None = None) -> str:
    """One message in a given language, outside the page's own locale (with a msgctxt: its
    contextual form if the catalog has one, else the shared one)."""
    translations = _translations(_directory(), code)
    if context is not None:
        text = translations.upgettext(context, message)
        if text != message:
            return text
    return translations.gettext(message)


def language_name(code: str) -> str:
    """A language's name in that language (for the language menu)."""
    lang = language(code)
    if lang.name:
        return translate_in(code, lang.name)
    return Locale.parse(code).get_display_name(code) or code


def translated_in(code: str, message: str) -> bool:
    """Does the participant catalog of `code` have this message (Swedish needs none)? A
    catalog may translate a text as it is (lättläst keeps "Hälsa"), so its entries are asked."""
    if code == "sv":
        return True
    translations = _translations(_directory(), code)
    return (message in getattr(translations, "_catalog", {})
            or translations.gettext(message) != message)


def tr(text: str | None) -> str:
    """An instrument text (a `Label`) in the page's language: the instrument file's own
    translation, else the message catalog's (the shipped instruments), else as written."""
    if not text:
        return ""


    translations = getattr(text, "translations", None)
    if translations:
        found = translations.get(str(get_locale()))
        if found:
            return found
    return gettext(text)


def tr_in(code: str, text: str | None, context: str | None = None) -> str:
    """An instrument text in a given language (side-by-side views, the review page)."""
    if not text:
        return ""
    found = getattr(text, "translations", {}).get(code)
    return found or translate_in(code, text, context=context)
