"""The action plan's notes in the dialogue view: add, correct, take out, mark done. Routes of the
`staff` blueprint (`blueprint.py`), registered when `views.py` imports this module.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit
from questionnaire.auth import role_required
from questionnaire.casework import caseload
from questionnaire.casework.blueprint import CASEWORK, _enrolment, _parse_date, _self_ratings, bp
from questionnaire.extensions import db
from questionnaire.models import ActionNote, Enrolment, utcnow


def _note_fields(enrolment: Enrolment, errors: list[str]) -> dict[str, Any]:
    """An action note's fields from the form, checked (problems added to `errors`)."""
    form = request.form
    area = form.get("area") or None
    rated = {i.key for inst in _self_ratings(enrolment) for i in inst.areas}
    if area not in (None, *rated):
        errors.append(_("Okänt område."))
    goal = (form.get("goal") or "").strip()
    if not goal:
        errors.append(_("Skriv ett mål."))
    if len(goal) > 1000 or len(form.get("next_step") or "") > 1000 or len(
            form.get("who") or "") > 120:
        errors.append(_("Texten är för lång."))
    due_by = _parse_date(form.get("due_by"), errors, _("Klart senast"), required=False)
    return {"area": area, "goal": goal,
            "next_step": (form.get("next_step") or "").strip() or None,
            "who": (form.get("who") or "").strip() or None, "due_by": due_by}


def _back_to_plan(enrolment: Enrolment, errors: list[str] = ()) -> Any:
    for e in errors:
        flash(e)
    return redirect(url_for(".dialogue", code=enrolment.participant.code,
                            instrument=request.form.get("instrument") or None) + "#plan"), (
        303 if errors else 302)


@bp.post("/deltagare/<code>/anteckning")
@role_required(*CASEWORK)
def add_note(code: str) -> Any:
    enrolment = _enrolment(code)
    errors: list[str] = []
    fields = _note_fields(enrolment, errors)
    if errors:
        return _back_to_plan(enrolment, errors)
    db.session.add(ActionNote(enrolment_id=enrolment.id, created_by=current_user.id, **fields))
    audit.record("add_note", user_id=current_user.id, subject=enrolment.participant.code)
    db.session.commit()
    return _back_to_plan(enrolment)


def _note(enrolment: Enrolment, note_id: int) -> ActionNote:
    """A note in this participant's plan (not taken out of it), else 404."""
    note = db.session.get(ActionNote, note_id)
    if note is None or note.enrolment_id != enrolment.id or note.deleted_at is not None:
        abort(404)
    return note


def _own_note(enrolment: Enrolment, note_id: int, errors: list[str]) -> ActionNote:
    note = _note(enrolment, note_id)
    if note.created_by != current_user.id:
        errors.append(_("Bara den som skrev anteckningen kan ändra eller ta bort den."))
    return note


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/andra")
@role_required(*CASEWORK)
def edit_note(code: str, note_id: int) -> Any:
    """The author corrects a note; the version it replaces is kept in the note's history."""
    enrolment = _enrolment(code)
    errors: list[str] = []
    note = _own_note(enrolment, note_id, errors)
    fields = _note_fields(enrolment, errors) if not errors else {}
    if errors:
        return _back_to_plan(enrolment, errors)
    caseload.edit_note(note, **fields)
    audit.record("edit_note", user_id=current_user.id, subject=enrolment.participant.code,
                 note=note.id)
    db.session.commit()
    return _back_to_plan(enrolment)


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/radera")
@role_required(*CASEWORK)
def delete_note(code: str, note_id: int) -> Any:
    """The author takes a note out of the plan; it is kept, with its history, for the record."""
    enrolment = _enrolment(code)
    errors: list[str] = []
    note = _own_note(enrolment, note_id, errors)
    if errors:
        return _back_to_plan(enrolment, errors)
    note.deleted_at = utcnow()
    audit.record("delete_note", user_id=current_user.id, subject=enrolment.participant.code,
                 note=note.id)
    db.session.commit()
    return _back_to_plan(enrolment)


@bp.post("/deltagare/<code>/anteckning/<int:note_id>/klar")
@role_required(*CASEWORK)
def finish_note(code: str, note_id: int) -> Any:
    enrolment = _enrolment(code)
    note = _note(enrolment, note_id)
    if note.done_at is None:
        note.done_at = utcnow()
        audit.record("finish_note", user_id=current_user.id, subject=enrolment.participant.code)
        db.session.commit()
    return redirect(url_for(".dialogue", code=enrolment.participant.code) + "#plan")
