"""The follow-up link handed out at exit (issue 16 item 5): one link that opens the follow-ups
after exit (`exit+6m`, `exit+12m`), each while it is due, and nothing else.

It lives long (until FOLLOW_UP_GRACE_DAYS after the last follow-up falls due), so it shows as
little as possible: only the follow-up questionnaires of its own enrolment, never the
participant's own data, their journey or earlier answers. It is not used up by the six-month
follow-up; before a follow-up is due it only says when to come back. Only a hash of the token is
stored. The handledare can revoke it; a new link for the same enrolment revokes the earlier ones.
What someone who finds a link can do is written down in docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from questionnaire.answering import answers
from questionnaire.answering.links import LinkError
from questionnaire.casework import schedule
from questionnaire.extensions import db
from questionnaire.i18n import N_, available_locales, translate_in
from questionnaire.models import Enrolment, FollowUpLink, Questionnaire, utcnow

#: How long after the last follow-up's date the link still works (it is overdue after 30 days).
FOLLOW_UP_GRACE_DAYS = 42
PATH = "/u/"


#: The text the handledare sends with the link, by SMS or e-mail: no name, no code. The
#: participant reads it, so it is in their catalog; one whole sentence per number of follow-ups.
MESSAGES = {
    1: N_("Hej! Om %(a)s månader vill vi gärna veta hur det går för dig. Öppna länken %(url)s "
          "så kommer några frågor. Länken säger när det är dags, spara den gärna. Hälsningar, "
          "din handledare"),
    2: N_("Hej! Om %(a)s och %(b)s månader vill vi gärna veta hur det går för dig. Öppna länken "
          "%(url)s så kommer några frågor. Länken säger när det är dags, spara den gärna. "
          "Hälsningar, din handledare"),
}


def messages(enrolment: Enrolment, url: str) -> list[tuple[str, str]]:
    """The text to send with the follow-up link `url`, as (language code, text): in the
    participant's own language first (if they answer in another language than Swedish), then in
    Swedish, which every handledare can read."""
    own = enrolment.participant.language
    codes = [own, "sv"] if own not in (None, "sv") and own in available_locales() else ["sv"]
    months = [schedule.AFTER_EXIT[t] for t in follow_ups(enrolment)]
    values = {"a": months[0], "b": months[-1], "url": url}
    return [(code, translate_in(code, MESSAGES[min(len(months), 2)]) % values) for code in codes]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def follow_ups(enrolment: Enrolment) -> list[str]:
    """The follow-ups after exit on the enrolment's schedule, in order (none: no link)."""
    found = {e.timepoint for e in enrolment.insats.schedule if e.timepoint in schedule.AFTER_EXIT}
    return [t for t in schedule.AFTER_EXIT if t in found]


def expires(enrolment: Enrolment) -> dt.datetime:
    """A few weeks after the last follow-up on the schedule falls due."""
    last = max(schedule.AFTER_EXIT[t] for t in follow_ups(enrolment))
    day = schedule.add_months(enrolment.exit_date, last) + dt.timedelta(FOLLOW_UP_GRACE_DAYS)
    return dt.datetime.combine(day, dt.time())


def create(enrolment: Enrolment, now: dt.datetime | None = None) -> str:
    """A new follow-up link for an exited enrolment (earlier ones are revoked); returns the token,
    shown once. The caller checks `follow_ups` and the exit first."""
    now = now or utcnow()
    revoke(enrolment, now)
    token = secrets.token_urlsafe(24)
    db.session.add(FollowUpLink(enrolment_id=enrolment.id, token_hash=_hash(token),
                                created_at=now, expires_at=expires(enrolment)))
    db.session.flush()
    return token


def revoke(enrolment: Enrolment, now: dt.datetime | None = None) -> int:
    """Revoke the enrolment's follow-up links still in force; returns how many."""
    result = db.session.execute(
        sa.update(FollowUpLink)
        .where(FollowUpLink.enrolment_id == enrolment.id, FollowUpLink.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()))
    return result.rowcount


def current(enrolment: Enrolment, now: dt.datetime | None = None) -> FollowUpLink | None:
    """The enrolment's follow-up link in force (not revoked, not expired), if any."""
    return db.session.scalars(
        sa.select(FollowUpLink).where(FollowUpLink.enrolment_id == enrolment.id,
                                      FollowUpLink.revoked_at.is_(None),
                                      FollowUpLink.expires_at > (now or utcnow()))
        .order_by(FollowUpLink.id.desc())).first()


def url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}{PATH}{token}"


def in_force(link_id: int, now: dt.datetime | None = None) -> bool:
    link = db.session.get(FollowUpLink, link_id)
    return link is not None and link.revoked_at is None and link.expires_at > (now or utcnow())


def resolve(token: str, now: dt.datetime | None = None) -> FollowUpLink:
    """The usable link for a token, or LinkError with a message for the participant."""
    link = db.session.scalar(sa.select(FollowUpLink).filter_by(token_hash=_hash(token)))
    if link is None:
        raise LinkError(_l("Länken finns inte. Kontrollera att du har skrivit av den rätt."), 404)
    if link.revoked_at is not None or link.expires_at <= (now or utcnow()):
        raise LinkError(_l("Länken har slutat gälla. Be din handledare om en ny länk."), 410)
    return link


def due(link: FollowUpLink, today: dt.date, language: str) -> list[Questionnaire]:
    """Start (or find) the follow-ups after exit due now for the link's enrolment, and only
    those."""
    enrolment = link.enrolment
    slots = schedule.due_now(enrolment, enrolment.insats, answers.completed_slots(enrolment),
                             today)
    return [answers.start(enrolment, s.instrument, s.timepoint, language=language, source="link")
            for s in slots if s.timepoint in schedule.AFTER_EXIT]


def next_date(link: FollowUpLink, today: dt.date) -> dt.date | None:
    """When the next follow-up opens (its window), if one is still to come."""
    enrolment = link.enrolment
    slots = schedule.timeline(enrolment, enrolment.insats, answers.completed_slots(enrolment),
                              today)
    coming = [s.due_on - dt.timedelta(schedule.WINDOW_DAYS) for s in slots
              if s.timepoint in schedule.AFTER_EXIT and s.status == "upcoming"]
    return min(coming) if coming else None
