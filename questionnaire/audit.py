"""The audit log: every export, view and change, and every log-in refused.

Tamper evidence: each row stores `row_hash`, the SHA-256 of the previous row's hash and its own
content, so editing, inserting or deleting a row in the middle breaks the chain from that row on;
`flask --app app audit-verify` walks it. The chain's latest hash, copied somewhere the database
cannot reach (docs/operations.md), also shows a log cut off at the end.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from questionnaire.extensions import db
from questionnaire.models import AuditEvent, utcnow

#: PostgreSQL advisory lock held while a row is chained, so that two processes never chain to
#: the same previous row (SQLite has one writer at a time already).
_CHAIN_LOCK = 0x5_7E6_715


def row_hash(previous: str | None, event: AuditEvent) -> str:
    """The hash of a row: its content (not `user_id`, which a removed account would null) chained
    to the row before it."""
    content = json.dumps([previous or "", event.at.isoformat(sep=" ", timespec="microseconds"),
                          event.actor_label, event.action, event.subject, event.details],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def record(action: str, *, user_id: int | None = None, actor: str | None = None,
           subject: str | None = None, **details: Any) -> AuditEvent:
    """Add an audit event (flushes; the caller commits with the change it records)."""
    if actor is None:
        actor = f"cli:{getpass.getuser()}" if user_id is None else f"user:{user_id}"
    event = AuditEvent(at=utcnow(), user_id=user_id, actor_label=actor, action=action,
                       subject=subject,
                       details=json.dumps(details, ensure_ascii=False, sort_keys=True,
                                          default=str) if details else None)
    if db.session.get_bind().dialect.name == "postgresql":
        # Held until commit: the row chained before this one is committed, and no UPDATE is
        # needed, so the app's role can be refused UPDATE and DELETE on audit_event.
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
        event.row_hash = row_hash(_previous_hash(), event)
        db.session.add(event)
        db.session.flush()
    else:
        # SQLite: inserting first takes the database's write lock, so the row read next is
        # the last one any process wrote.
        db.session.add(event)
        db.session.flush()
        event.row_hash = row_hash(_previous_hash(event.id), event)
        db.session.flush()
    return event


def _previous_hash(before: int | None = None) -> str | None:
    query = sa.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    return db.session.scalar(query)


def verify() -> Iterator[tuple[int, str | None]]:
    """Walk the chain in order; yields (id, hash) of each row, or (id, None) where it breaks."""
    previous = None
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)
                                    .execution_options(yield_per=1000)):
        expected = row_hash(previous, event)
        yield event.id, expected if event.row_hash == expected else None
        previous = event.row_hash


def readable(details: str | None) -> str:
    """An event's details as a person reads them in the log: `key: value` pairs, empty ones left
    out (the stored JSON, which the hash chain covers, stays as it is)."""
    if not details:
        return ""
    try:
        found = json.loads(details)
    except ValueError:
        return details
    if not isinstance(found, dict):
        return str(found)
    shown = []
    for key, value in found.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        shown.append(f"{key}: {value}")
    return " · ".join(shown)
