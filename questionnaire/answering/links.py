"""One-time participant links: open a participant's due questionnaires on their own device.

Only a hash of the token is stored. A link works until the questionnaires it opened are completed
(so a closed browser or a dropped network can come back through it) or until it expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from questionnaire.extensions import db
from questionnaire.models import Participant, ParticipantLink, utcnow


class LinkError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(participant: Participant, now: dt.datetime | None = None) -> str:
    """Create a link and return its token (shown once; only the hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    db.session.add(ParticipantLink(
        participant=participant, token_hash=_hash(token), created_at=now,
        expires_at=now + dt.timedelta(days=current_app.config["LINK_TTL_DAYS"]),
    ))
    db.session.flush()
    return token


def url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/l/{token}"


def resolve(token: str, now: dt.datetime | None = None) -> ParticipantLink:
    """The usable link for a token, or LinkError with a message for the participant."""
    now = now or utcnow()
    link = db.session.scalar(sa.select(ParticipantLink).filter_by(token_hash=_hash(token)))
    if link is None:
        raise LinkError(_l("Länken finns inte. Kontrollera att du har skrivit av den rätt."), 404)
    if link.used_at is not None:
        raise LinkError(_l("Den här länken är redan använd. Tack för dina svar!"), 410)
    if link.expires_at <= now:
        raise LinkError(_l("Länken har slutat gälla. Be din handledare om en ny länk."), 410)
    return link


def mark_used(link_id: int, now: dt.datetime | None = None) -> None:
    link = db.session.get(ParticipantLink, link_id)
    if link is not None and link.used_at is None:
        link.used_at = now or utcnow()
        db.session.flush()
