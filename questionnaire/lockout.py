"""Lock-out after repeated wrong passwords, counted in the database.

Flask-Limiter (questionnaire/extensions.py) throttles requests per client address, in each
process unless it is given a shared store. What matters against password guessing is counted
here instead, in the one place every app process shares without another service: a wrong
password adds a row per key (the account, the client's address, or the handledare whose tablet
is locked), and a key with too many rows in the last LOCKOUT_MINUTES is refused before any
password is checked. Keys are stored hashed: no e-mail address or IP address in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app

from questionnaire.extensions import db
from questionnaire.models import FailedAttempt, utcnow


def _hash(kind: str, value: object) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def login_keys(email: str, address: str | None) -> dict[str, int]:
    """What a log-in attempt counts against, with each key's limit."""
    config = current_app.config
    return {_hash("account", email): config["LOCKOUT_ATTEMPTS"],
            _hash("address", address): config["LOCKOUT_ADDRESS_ATTEMPTS"]}


def handback_keys(user_id: int) -> dict[str, int]:
    """The hand-back screen counts against the handledare whose password it asks for."""
    return {_hash("handback", user_id): current_app.config["LOCKOUT_ATTEMPTS"]}


def _since() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])


def locked(keys: dict[str, int]) -> bool:
    """True when any key has reached its limit of wrong passwords within the window."""
    counts = dict(db.session.execute(
        sa.select(FailedAttempt.key, sa.func.count()).where(
            FailedAttempt.key.in_(keys), FailedAttempt.at > _since())
        .group_by(FailedAttempt.key)).all())
    return any(counts.get(key, 0) >= limit for key, limit in keys.items())


def failed(keys: dict[str, int]) -> None:
    """Count a wrong password against every key (and forget attempts older than the window)."""
    db.session.execute(sa.delete(FailedAttempt).where(FailedAttempt.at <= _since()))
    db.session.add_all(FailedAttempt(key=key) for key in keys)
    db.session.flush()


def succeeded(keys: dict[str, int]) -> None:
    """The right password: the first key's (the account's) count starts again."""
    first = next(iter(keys))
    db.session.execute(sa.delete(FailedAttempt).where(FailedAttempt.key == first))
