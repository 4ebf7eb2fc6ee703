"""The audit log: every export, and (as the staff pages arrive) every view and change."""

from __future__ import annotations

import getpass
import json
from typing import Any

from questionnaire.extensions import db
from questionnaire.models import AuditEvent


def record(action: str, *, user_id: int | None = None, actor: str | None = None,
           subject: str | None = None, **details: Any) -> AuditEvent:
    """Add an audit event (flushes; the caller commits with the change it records)."""
    if actor is None:
        actor = f"cli:{getpass.getuser()}" if user_id is None else f"user:{user_id}"
    event = AuditEvent(user_id=user_id, actor_label=actor, action=action, subject=subject,
                       details=json.dumps(details, ensure_ascii=False, sort_keys=True,
                                          default=str) if details else None)
    db.session.add(event)
    db.session.flush()
    return event
