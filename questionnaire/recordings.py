"""Recorded readings of an instrument version's texts, one per text and language.

What a participant can hear on a question page, each a `part` of the version: the question
("item:S1"), each step of each scale ("step:F:3"; a scale shared by several questions is read
once) and the "Vill inte svara" button ("decline"). A samordnare's page (admin/recordings.py)
records them in the browser; a take is stored as it comes (the browser's own audio format), and
participants hear it only once it is approved. A new take replaces the old one and waits for
approval again. Recordings go with their instrument version (ON DELETE CASCADE).

Services flush; the request commits.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, send_file
from flask_babel import gettext as _

from questionnaire.extensions import db
from questionnaire.i18n import step_label, tr
from questionnaire.instruments.base import Instrument, Item, Scale
from questionnaire.models import RECORDING_TYPES, Recording, utcnow

#: A reading of one question is a few hundred kilobytes in Opus; this leaves room for a slow one.
MAX_BYTES = 2_000_000
#: How each accepted type begins (what is sent is checked, not only what it says it is).
_SIGNATURES = {
    "audio/webm": lambda d: d[:4] == b"\x1a\x45\xdf\xa3",
    "audio/ogg": lambda d: d[:4] == b"OggS",
    "audio/mp4": lambda d: d[4:8] == b"ftyp",
}
#: The decline button's text (templates/macros.html; its msgid is in the participant catalog).
DECLINE = "Vill inte svara"


class RecordingRejected(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Part:
    key: str
    item: Item | None = None
    scale: Scale | None = None
    value: int | None = None

    def text(self) -> str:
        """What is read, in the current locale (the same helpers as the question page)."""
        if self.item is not None:
            return tr(self.item.text)
        if self.scale is not None:
            step = next(s for s in self.scale.steps if s.value == self.value)
            return step_label(self.scale.key, step.label)
        return _(DECLINE)


def item_part(key: str) -> str:
    return f"item:{key}"


def step_part(scale: str, value: int) -> str:
    return f"step:{scale}:{value}"


def parts(inst: Instrument) -> list[Part]:
    """Every text of the version that the question pages read aloud, in the order they appear:
    each question followed by the steps of its scale (the first time that scale appears)."""
    found: list[Part] = []
    scales: set[str] = set()
    for item in inst.items:
        found.append(Part(item_part(item.key), item=item))
        if item.scale is not None and item.scale.key not in scales:
            scales.add(item.scale.key)
            found.extend(Part(step_part(item.scale.key, s.value), scale=item.scale, value=s.value)
                         for s in item.scale.steps)
    if any(not item.required for item in inst.items):
        found.append(Part("decline"))
    return found


def mime_of(content_type: str | None) -> str:
    """The bare media type of a Content-Type header ("audio/webm;codecs=opus" -> "audio/webm")."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def too_large() -> str:
    return _("Inspelningen är större än %(n)s MB. Läs in en kortare text eller spela in igen. "
             "Ingenting sparades.", n=MAX_BYTES // 1_000_000)


def check(mime: str, data: bytes) -> None:
    """Refuse what is not a recording this page can make, or is too long to be one."""
    if mime not in RECORDING_TYPES or not data:
        raise RecordingRejected(_("Inspelningen måste vara ljud i formatet WebM, Ogg eller MP4. "
                                  "Ingenting sparades."))
    if len(data) > MAX_BYTES:
        raise RecordingRejected(too_large(), 413)
    if not _SIGNATURES[mime](data):
        raise RecordingRejected(_("Filen är inte en ljudinspelning i formatet den säger. "
                                  "Ingenting sparades."))


def find(version_id: int, part: str, locale: str) -> Recording | None:
    return db.session.scalar(sa.select(Recording).filter_by(
        instrument_version_id=version_id, part=part, locale=locale))


def store(version_id: int, part: str, locale: str, mime: str, data: bytes) -> Recording:
    """Keep a take (checked first); a new take of the same text replaces the old one and waits
    for approval again."""
    check(mime, data)
    recording = find(version_id, part, locale)
    if recording is None:
        recording = Recording(instrument_version_id=version_id, part=part, locale=locale)
        db.session.add(recording)
    recording.mime = mime
    recording.data = data
    recording.digest = hashlib.sha256(data).hexdigest()
    recording.approved = False
    recording.created_month = utcnow().strftime("%Y-%m")
    db.session.flush()
    return recording


def of_version(version_id: int, locale: str | None = None,
               approved_only: bool = False) -> dict[tuple[str, str], Recording]:
    """The recordings of a version by (part, locale), without their audio."""
    query = sa.select(Recording).filter_by(instrument_version_id=version_id)
    if locale is not None:
        query = query.filter_by(locale=locale)
    if approved_only:
        query = query.filter_by(approved=True)
    return {(r.part, r.locale): r for r in db.session.scalars(query)}


def counts() -> dict[tuple[int, str], tuple[int, int]]:
    """(version id, locale) -> (approved, recorded), for the overview."""
    rows = db.session.execute(
        sa.select(Recording.instrument_version_id, Recording.locale,
                  sa.func.sum(sa.case((Recording.approved, 1), else_=0)), sa.func.count())
        .group_by(Recording.instrument_version_id, Recording.locale))
    return {(v, loc): (int(a or 0), int(n)) for v, loc, a, n in rows}


def response(take: Recording, max_age: int) -> Response:
    """The take's audio with its type, its digest as ETag (304 when the browser has it) and byte
    ranges (a media element asks for them). With `max_age`, cached as immutable: the URL carries
    the digest, so a new take is a new URL. Private: only a browser with a session may have it."""
    sent = send_file(io.BytesIO(take.data), mimetype=take.mime, etag=take.digest,
                     conditional=True, max_age=max_age)
    sent.headers["Cache-Control"] = (f"private, max-age={max_age}, immutable" if max_age
                                     else "private, no-cache")
    return sent
