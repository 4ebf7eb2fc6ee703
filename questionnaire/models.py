"""The data model. Invariants live in the database as constraints, not only in Python.

No names and no personnummer anywhere: a participant is a generated code, a gender and a birth
year, as far as the reports need them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from questionnaire.extensions import db
from questionnaire.i18n import N_

#: Timepoint codes of domain.md, in the order they happen; then the follow-ups after exit
#: (efterstöd, issue 16): 6 and 12 months after the exit date.
TIMEPOINTS = ("intake", "3m", "6m", "9m", "12m", "18m", "24m", "exit", "exit+6m", "exit+12m")
GENDERS = ("kvinna", "man", "annat")
#: Who referred the participant (issue: register a participant).
REFERRERS = ("af", "fk", "kommun", "region", "egen", "annan")
RESPONDENTS = ("deltagare", "handledare")
ROLES = ("handledare", "samordnare", "analytiker")
#: Exit reasons (domain.md, "Exit"), grouped as the reports group them.
EXIT_REASONS = {
    "positive": (
        "arbete", "arbete_lonestod", "studier", "af_insats", "arbetstraning_praktik",
        "samarbete_af_fk", "kommun_ips",
    ),
    "less_clear": ("tillbaka_remittent", "annan_forberedande"),
    "other": (
        "sjukskrivning_behandling", "lss", "foraldraledig", "alderspension", "sjukersattning",
        "flyttat", "avbrutit", "annat",
    ),
}
ALL_EXIT_REASONS = tuple(r for group in EXIT_REASONS.values() for r in group)
#: How exit reasons are named to people (translated when shown).
EXIT_REASON_LABELS = {
    "positive": N_("Positivt avslut"), "less_clear": N_("Mindre tydlig stegförflyttning"),
    "other": N_("Övriga avslut"),
    "arbete": N_("Arbete"), "arbete_lonestod": N_("Arbete med lönestöd"),
    "studier": N_("Studier"), "af_insats": N_("Arbetssökande hos AF med insats/ersättning"),
    "arbetstraning_praktik": N_("Arbetsträning eller praktik"),
    "samarbete_af_fk": N_("Förstärkt samarbete AF/FK"),
    "kommun_ips": N_("Fortsatt insats inom kommunen / IPS"),
    "sjukskrivning_behandling": N_("Sjukskrivning för medicinsk behandling"),
    "lss": N_("LSS"),
    "tillbaka_remittent": N_("Tillbaka till remittent utan tydlig planering"),
    "annan_forberedande": N_("Annan förberedande insats"),
    "foraldraledig": N_("Föräldraledig"), "alderspension": N_("Ålderspension"),
    "sjukersattning": N_("Sjukersättning"), "flyttat": N_("Flyttat"),
    "avbrutit": N_("Avbrutit/ej nåbar"), "annat": N_("Annat"),
}


def utcnow() -> dt.datetime:
    """Naive UTC, stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _scale_checks(table: str) -> tuple[sa.Constraint, ...]:
    """An answer's step checked by the database against its item's scale: the composite key
    carries the item's lowest and highest step (copied into the answer row), a text only for a
    free-text item."""
    return (
        sa.ForeignKeyConstraint(
            ["instrument_version_id", "item_key", "scale_min", "scale_max"],
            [
                "instrument_item.instrument_version_id",
                "instrument_item.key",
                "instrument_item.scale_min",
                "instrument_item.scale_max",
            ],
            name=f"fk_{table}_item_scale",
        ),
        sa.CheckConstraint(
            "step IS NULL OR (scale_max > 0 AND step >= scale_min AND step <= scale_max)",
            name="step_in_scale",
        ),
        sa.CheckConstraint("text IS NULL OR scale_max = 0", name="text_only_free_text"),
    )


class Insats(db.Model):
    """A programme funded by the förbund, with its own schedule of questionnaires."""

    __tablename__ = "insats"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Unique, shown to staff and used by the command line (`--insats NAME`).
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    #: Planned length; a 12-week insats has no 6-month follow-up. None = open-ended.
    length_weeks: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    schedule: so.Mapped[list[ScheduleEntry]] = so.relationship(
        back_populates="insats", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("length_weeks IS NULL OR length_weeks > 0", name="length_positive"),
    )


class ScheduleEntry(db.Model):
    """Instrument X is due at timepoint T in this insats."""

    __tablename__ = "schedule_entry"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    insats_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("insats.id", ondelete="CASCADE"))
    instrument: so.Mapped[str] = so.mapped_column(sa.String(40))
    timepoint: so.Mapped[str] = so.mapped_column(sa.String(10))

    insats: so.Mapped[Insats] = so.relationship(back_populates="schedule")

    __table_args__ = (
        sa.UniqueConstraint("insats_id", "instrument", "timepoint"),
        sa.CheckConstraint(_in("timepoint", TIMEPOINTS), name="timepoint_known"),
    )


class Participant(db.Model):
    """A participant, known only by a generated pseudonymous code."""

    __tablename__ = "participant"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Generated, unambiguous characters; what staff write in the case file.
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    #: kvinna / man / annat; None = not stated.
    gender: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    birth_year: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    #: Preferred language for questionnaires (a locale code such as "ar").
    language: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    #: IDENTIFYING, staff-only short label (e.g. initials). Never exported, never in reports.
    staff_label: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    enrolments: so.Mapped[list[Enrolment]] = so.relationship(back_populates="participant")

    __table_args__ = (
        sa.CheckConstraint(f"gender IS NULL OR {_in('gender', GENDERS)}", name="gender_known"),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_range",
        ),
    )


class Enrolment(db.Model):
    """A participant's time in one insats: the clock that the schedule runs on."""

    __tablename__ = "enrolment"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    insats_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("insats.id"), index=True)
    start_date: so.Mapped[dt.date] = so.mapped_column(sa.Date)
    exit_date: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    exit_reason: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    #: af / fk / kommun / region / egen / annan
    referrer: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    #: The handledare who works with the participant (None: nobody yet, so everyone working in
    #: the insats has them in their own caseload until someone is assigned).
    handledare_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    participant: so.Mapped[Participant] = so.relationship(back_populates="enrolments")
    insats: so.Mapped[Insats] = so.relationship()
    handledare: so.Mapped[User | None] = so.relationship()
    questionnaires: so.Mapped[list[Questionnaire]] = so.relationship(back_populates="enrolment")

    __table_args__ = (
        sa.CheckConstraint("exit_date IS NULL OR exit_date >= start_date", name="exit_after_start"),
        sa.CheckConstraint(
            f"exit_reason IS NULL OR {_in('exit_reason', ALL_EXIT_REASONS)}",
            name="exit_reason_known",
        ),
        sa.CheckConstraint(
            "(exit_date IS NULL) = (exit_reason IS NULL)", name="exit_date_with_reason"
        ),
        sa.CheckConstraint(f"referrer IS NULL OR {_in('referrer', REFERRERS)}",
                           name="referrer_known"),
    )


class InstrumentVersion(db.Model):
    """One published version of an instrument, read from an XLSForm file (instruments/)."""

    __tablename__ = "instrument_version"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The file's form_id, e.g. skapa / nns-pagaende / a förbund's own form
    instrument: so.Mapped[str] = so.mapped_column(sa.String(40))
    version: so.Mapped[int] = so.mapped_column(sa.Integer)
    #: SHA-256 of the version's content (wording, scales, rules): a published version never
    #: changes; changed content becomes a new version.
    checksum: so.Mapped[str] = so.mapped_column(sa.String(64))
    #: The XLSForm content as JSON (xlsform.read): what the version asks, in every language.
    definition: so.Mapped[str | None] = so.mapped_column(sa.Text, deferred=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    items: so.Mapped[list[InstrumentItem]] = so.relationship(
        order_by="InstrumentItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("instrument", "version"),)


class InstrumentItem(db.Model):
    """An item of a version, with its scale size: the database checks answers against it."""

    __tablename__ = "instrument_item"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instrument_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("instrument_version.id", ondelete="CASCADE")
    )
    key: so.Mapped[str] = so.mapped_column(sa.String(10))
    position: so.Mapped[int] = so.mapped_column(sa.Integer)
    #: Lowest step of the item's scale (0 or 1; 1 for a free-text item).
    scale_min: so.Mapped[int] = so.mapped_column(sa.Integer, default=1, server_default="1")
    #: Highest step of the item's scale; 0 for a free-text item.
    scale_max: so.Mapped[int] = so.mapped_column(sa.Integer)

    __table_args__ = (
        sa.UniqueConstraint("instrument_version_id", "key"),
        # Target of the answers' composite foreign key.
        sa.UniqueConstraint("instrument_version_id", "key", "scale_min", "scale_max",
                            name="uq_instrument_item_scale"),
        sa.CheckConstraint("scale_max >= 0 AND scale_max <= 10", name="scale_max_range"),
        sa.CheckConstraint("scale_min IN (0, 1)", name="scale_min_range"),
    )


class Questionnaire(db.Model):
    """One filling-in of one instrument version, by one respondent, at one timepoint."""

    __tablename__ = "questionnaire"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    instrument_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("instrument_version.id")
    )
    #: Denormalised from the version, so "one per instrument and timepoint" holds across versions.
    instrument: so.Mapped[str] = so.mapped_column(sa.String(40))
    timepoint: so.Mapped[str] = so.mapped_column(sa.String(10))
    respondent: so.Mapped[str] = so.mapped_column(sa.String(12), default="deltagare")
    #: The language the questions were shown in when it was started.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default="sv")
    #: tablet / link / paper
    source: so.Mapped[str] = so.mapped_column(sa.String(10), default="tablet")
    started_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    completed_at: so.Mapped[dt.datetime | None] = so.mapped_column(index=True)
    #: The staff member who made a handledare's rating (only they may correct it).
    rated_by: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    enrolment: so.Mapped[Enrolment] = so.relationship(back_populates="questionnaires")
    version: so.Mapped[InstrumentVersion] = so.relationship()
    answers: so.Mapped[list[Answer]] = so.relationship(
        back_populates="questionnaire", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "instrument", "timepoint", "respondent"),
        sa.UniqueConstraint("id", "instrument_version_id"),
        sa.CheckConstraint(_in("timepoint", TIMEPOINTS), name="timepoint_known"),
        sa.CheckConstraint(_in("respondent", RESPONDENTS), name="respondent_known"),
        sa.CheckConstraint(_in("source", ("tablet", "link", "paper")), name="source_known"),
    )


class Answer(db.Model):
    """The current answer to one item of one questionnaire (at most one per item)."""

    __tablename__ = "answer"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    questionnaire_id: so.Mapped[int] = so.mapped_column()
    instrument_version_id: so.Mapped[int] = so.mapped_column()
    item_key: so.Mapped[str] = so.mapped_column(sa.String(10))
    #: Copied from the item so that the database can check the step's range.
    scale_min: so.Mapped[int] = so.mapped_column(sa.Integer, default=1, server_default="1")
    scale_max: so.Mapped[int] = so.mapped_column(sa.Integer)
    #: The chosen step (the choice's name: 1 or 0 = lowest); None when declined or a text item.
    step: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    text: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: "Vill inte svara": the item was seen and deliberately skipped.
    declined: so.Mapped[bool] = so.mapped_column(default=False)
    #: Set by the tablet for each tap, so a retried save is recognised.
    client_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    answered_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    questionnaire: so.Mapped[Questionnaire] = so.relationship(back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("questionnaire_id", "item_key"),
        # A questionnaire's answers in the order they were given (the export reads them so)
        sa.Index("ix_answer_questionnaire_id_id", "questionnaire_id", "id"),
        sa.ForeignKeyConstraint(
            ["questionnaire_id", "instrument_version_id"],
            ["questionnaire.id", "questionnaire.instrument_version_id"],
            ondelete="CASCADE",
        ),
        *_scale_checks("answer"),
        sa.CheckConstraint(
            "(CASE WHEN step IS NOT NULL THEN 1 ELSE 0 END)"
            " + (CASE WHEN text IS NOT NULL THEN 1 ELSE 0 END)"
            " + (CASE WHEN declined THEN 1 ELSE 0 END) = 1",
            name="exactly_one_value",
        ),
    )


class ParticipantLink(db.Model):
    """A one-time link that opens a participant's due questionnaires; only its hash is kept."""

    __tablename__ = "participant_link"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    participant_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column()
    #: Set when the questionnaires it opened are completed; the link cannot be used again.
    used_at: so.Mapped[dt.datetime | None] = so.mapped_column()

    participant: so.Mapped[Participant] = so.relationship()


class FollowUpLink(db.Model):
    """The link handed out at exit that opens the follow-ups after exit (exit+6m, exit+12m), each
    when it is due, and nothing else (answering/followup.py); only its hash is kept."""

    __tablename__ = "follow_up_link"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime] = so.mapped_column()
    #: Set when the handledare revokes it (or a new one replaces it): it opens nothing more.
    revoked_at: so.Mapped[dt.datetime | None] = so.mapped_column()

    enrolment: so.Mapped[Enrolment] = so.relationship()


class User(UserMixin, db.Model):
    """A staff account. Staff identities never leave in exports."""

    __tablename__ = "user_account"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(12))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    #: Raised by log-out, a password change and deactivation: every session started before
    #: (a saved cookie included) ends, because each session carries the number it began with.
    session_generation: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    #: A temporary password (given by a samordnare) must be changed before anything else.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False,
                                                             server_default=sa.false())

    __table_args__ = (sa.CheckConstraint(_in("role", ROLES), name="role_known"),)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active


class InsatsStaff(db.Model):
    """Which staff work in which insats (handledare see only their insatser's participants)."""

    __tablename__ = "insats_staff"
    insats_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("insats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEvent(db.Model):
    """Who did what, when. Append-only: the app only ever inserts rows here."""

    __tablename__ = "audit_event"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    #: A staff account, or None for the command line (then `actor_label` says who ran it).
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(254))
    #: e.g. export, report, login, view_participant
    action: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    #: The pseudonymous participant code or other object the event is about, if any.
    subject: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: Filters, row counts and the like, as JSON text.
    details: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: SHA-256 of the previous row's hash and this row's content (questionnaire/audit.py): an
    #: edited, inserted or deleted row breaks the chain (`flask --app app audit-verify`).
    row_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class FailedAttempt(db.Model):
    """A wrong password at the log-in or the hand-back screen, kept for the lock-out window.
    In the database, so every app process counts the same attempts (questionnaire/lockout.py)."""

    __tablename__ = "failed_attempt"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: SHA-256 of what is limited ("account:EMAIL", "address:IP", "handback:USER"): no e-mail
    #: or address is kept in clear.
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_failed_attempt_key_at", "key", "at"),)


class ActionNote(db.Model):
    """A step of the action plan agreed in the dialogue, for one rated area (or the whole plan).
    Shown again at the next dialogue."""

    __tablename__ = "action_note"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrolment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    #: The rated area's item key (e.g. S1), or None for the plan as a whole.
    area: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    goal: so.Mapped[str] = so.mapped_column(sa.Text)
    next_step: so.Mapped[str | None] = so.mapped_column(sa.Text)
    who: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    due_by: so.Mapped[dt.date | None] = so.mapped_column(sa.Date)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    created_by: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    done_at: so.Mapped[dt.datetime | None] = so.mapped_column()
    #: Deleted by its author: kept (with its history) but no longer part of the plan.
    deleted_at: so.Mapped[dt.datetime | None] = so.mapped_column()
    #: The note as it stood before each edit, oldest first: a JSON list of
    #: {area, goal, next_step, who, due_by, until} (`until`: when that version was replaced).
    previous: so.Mapped[str | None] = so.mapped_column(sa.Text)


# --- Anonymous answers of professionals (NNS personal, remittent, chefsgrupp, styrelse) --------
#: Where a professional response came from: a paper form typed in, or a survey round's link.
SURVEY_SOURCES = ("paper", "web")


class SurveyRound(db.Model):
    """A round of a professional form (e.g. "NNS personal 2025/26"), optionally for one insats,
    with how many were invited. Responses may also come without a round (paper import)."""

    __tablename__ = "survey_round"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: The professional form's key (instruments registry).
    instrument: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    insats_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("insats.id", ondelete="SET NULL"))
    #: How many were asked to answer (the response rate's denominator); None = not known.
    invited: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    closed_at: so.Mapped[dt.datetime | None] = so.mapped_column()
    #: The shareable link's secret (32 random bytes, URL-safe): whoever has it may answer.
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    #: The NNS year the round is for (a `periods` key, e.g. "2025" for 2025-11-01 – 2026-10-31).
    period: so.Mapped[str] = so.mapped_column(sa.String(7))
    #: The link takes no more responses than this (an abuse limit; 3 x invited by default).
    max_responses: so.Mapped[int] = so.mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("invited IS NULL OR invited > 0", name="invited_positive"),
        sa.CheckConstraint("max_responses > 0", name="max_responses_positive"),
    )


class SurveyResponse(db.Model):
    """One anonymous response to a professional form. Never a participant, and nothing that
    could identify the respondent: no name, no address, no user agent, and the month only."""

    __tablename__ = "survey_response"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instrument_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("instrument_version.id"))
    #: Denormalised from the version (reports count responses per form across versions).
    instrument: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    round_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="SET NULL"))
    insats_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("insats.id", ondelete="SET NULL"))
    #: YYYY-MM: the month it was answered (never the day or the time).
    answered_month: so.Mapped[str] = so.mapped_column(sa.String(7), index=True)
    #: paper / web
    source: so.Mapped[str] = so.mapped_column(sa.String(10))
    #: The paper form's number as typed in (import-answers' `participant` column), so that the
    #: same form is not imported twice; None for web answers.
    paper_number: so.Mapped[str | None] = so.mapped_column(sa.String(16))

    answers: so.Mapped[list[SurveyAnswer]] = so.relationship(
        back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("id", "instrument_version_id"),
        sa.CheckConstraint(_in("source", SURVEY_SOURCES), name="source_known"),
        sa.CheckConstraint(
            "length(answered_month) = 7 AND substr(answered_month, 5, 1) = '-'"
            " AND substr(answered_month, 6, 2) BETWEEN '01' AND '12'",
            name="answered_month_format"),
        sa.CheckConstraint("(source = 'paper') = (paper_number IS NOT NULL)",
                           name="paper_number_only_on_paper"),
    )


class SurveyAnswer(db.Model):
    """One answered item of a professional response (a skipped item has no row)."""

    __tablename__ = "survey_answer"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    response_id: so.Mapped[int] = so.mapped_column(index=True)
    instrument_version_id: so.Mapped[int] = so.mapped_column()
    item_key: so.Mapped[str] = so.mapped_column(sa.String(10))
    #: Copied from the item so that the database can check the step's range (as `answer`).
    scale_min: so.Mapped[int] = so.mapped_column(sa.Integer)
    scale_max: so.Mapped[int] = so.mapped_column(sa.Integer)
    step: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    text: so.Mapped[str | None] = so.mapped_column(sa.Text)

    response: so.Mapped[SurveyResponse] = so.relationship(back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("response_id", "item_key"),
        sa.ForeignKeyConstraint(
            ["response_id", "instrument_version_id"],
            ["survey_response.id", "survey_response.instrument_version_id"],
            ondelete="CASCADE", name="fk_survey_answer_response_version",
        ),
        *_scale_checks("survey_answer"),
        sa.CheckConstraint("(step IS NULL) <> (text IS NULL)", name="one_value"),
    )


# --- Recorded readings (issue 17: a voice for every language) ---------------------------------
#: What a browser's MediaRecorder makes (Chromium and Firefox: webm/ogg; Safari: mp4).
RECORDING_TYPES = ("audio/webm", "audio/ogg", "audio/mp4")


class Recording(db.Model):
    """A reading of one text of an instrument version in one language, recorded in the browser
    by a bilingual colleague or an interpreter (admin/recordings.py). Participants hear it only
    once a samordnare has approved it; it goes with its version. Who recorded it is in the audit
    log; the row holds the month only."""

    __tablename__ = "recording"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    instrument_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("instrument_version.id", ondelete="CASCADE"))
    #: What is read (questionnaire/recordings.py): "item:KEY", "step:SCALE:VALUE" or "decline"
    part: so.Mapped[str] = so.mapped_column(sa.String(60))
    #: The participant locale it is read in (i18n.LANGUAGES), e.g. "ti"
    locale: so.Mapped[str] = so.mapped_column(sa.String(20))
    mime: so.Mapped[str] = so.mapped_column(sa.String(20))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    #: SHA-256 of `data`: the served URL and ETag change with every new take.
    digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    approved: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: YYYY-MM: the month of the take (never the day or the time).
    created_month: so.Mapped[str] = so.mapped_column(sa.String(7))

    __table_args__ = (
        sa.UniqueConstraint("instrument_version_id", "part", "locale"),
        sa.CheckConstraint(_in("mime", RECORDING_TYPES), name="mime_known"),
        sa.CheckConstraint(
            "length(created_month) = 7 AND substr(created_month, 5, 1) = '-'"
            " AND substr(created_month, 6, 2) BETWEEN '01' AND '12'",
            name="created_month_format"),
    )
