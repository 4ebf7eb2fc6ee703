"""The recording page: a samordnare (with a bilingual colleague or an interpreter beside them)
records every text of an instrument version in a language, listens, records again and approves.

The browser records with MediaRecorder (static/js/record.js) and sends each take as it is (the
request body, its Content-Type the recorder's, the CSRF token in a header); it is checked and
stored unapproved (questionnaire/recordings.py), and the page plays it back from the server.
Participants hear only approved takes. Every take, approval and withdrawal is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import audit, instruments, recordings
from questionnaire.auth import role_required
from questionnaire.extensions import db
from questionnaire.i18n import language, language_name, text_direction, tr
from questionnaire.models import Recording

bp = Blueprint("recordings", __name__, url_prefix="/personal/inspelningar")


def _version(key: str, version: int, locale: str) -> tuple[instruments.Instrument, int]:
    """The instrument version and its row id; 404 unless participants answer it in `locale`."""
    try:
        inst = instruments.get(key, version)
    except KeyError:
        abort(404)
    if not inst.for_participants or locale not in instruments.locales(inst):
        abort(404)
    return inst, instruments.version_row(inst).id


@bp.get("/")
@role_required("samordnare")
def overview() -> Any:
    counted = recordings.counts()
    rows = []
    for newest in instruments.for_participants():
        for inst in reversed(instruments.versions(newest.key)):
            row_id = instruments.version_row(inst).id
            total = len(recordings.parts(inst))
            rows.append((inst, total, [(code, language_name(code), *counted.get((row_id, code),
                                                                                 (0, 0)))
                                       for code in instruments.locales(inst)]))
    return render_template("admin/recordings.html", rows=rows)


@bp.get("/<key>/<int:version>/<locale>")
@role_required("samordnare")
def page(key: str, version: int, locale: str) -> Any:
    inst, row_id = _version(key, version, locale)
    takes = recordings.of_version(row_id, locale)
    with force_locale(locale):
        texts = [(p, p.text()) for p in recordings.parts(inst)]
        title = tr(inst.title)
    with force_locale("sv"):
        swedish = {p.key: p.text() for p, _text in texts}
    entries = [(p, text, swedish[p.key] if swedish[p.key] != text else None,
                takes.get((p.key, locale))) for p, text in texts]
    return render_template(
        "admin/recordings_page.html", inst=inst, locale=locale, entries=entries, title=title,
        language_name=language_name(locale), text_lang=language(locale).tag,
        text_dir=text_direction(locale), text_font=language(locale).font,
        max_mb=recordings.MAX_BYTES // 1_000_000,
        approved=sum(1 for *_rest, take in entries if take is not None and take.approved))


@bp.post("/<key>/<int:version>/<locale>/ta")
@role_required("samordnare")
def upload(key: str, version: int, locale: str) -> Any:
    """One take: the body is the audio, its Content-Type the recorder's; ?part= says what was
    read. Answers JSON: {"url": where to listen} or {"error": why nothing was stored}."""
    inst, row_id = _version(key, version, locale)
    part = request.args.get("part", "")
    if part not in {p.key for p in recordings.parts(inst)}:
        return {"error": _("Den texten finns inte i den här versionen. Ladda om sidan.")}, 400
    # A take said to be too large is refused unread; security.LARGER_BODIES bounds the rest.
    too_large = (request.content_length or 0) > recordings.MAX_BYTES
    data = b"" if too_large else request.get_data(cache=False)
    try:
        if too_large or len(data) > recordings.MAX_BYTES:
            raise recordings.RecordingRejected(recordings.too_large(), 413)
        take = recordings.store(row_id, part, locale, recordings.mime_of(request.content_type),
                                data)
    except recordings.RecordingRejected as e:
        db.session.rollback()
        return {"error": e.message}, e.status
    audit.record("recording_add", user_id=current_user.id, subject=f"{key}@{version}",
                 part=part, locale=locale, bytes=len(data), mime=take.mime)
    db.session.commit()
    return {"ok": True, "url": url_for(".listen", recording_id=take.id, v=take.digest[:16]),
            "message": _("Inspelningen är sparad. Lyssna på den och godkänn den.")}


@bp.post("/<key>/<int:version>/<locale>/godkann")
@role_required("samordnare")
def approve(key: str, version: int, locale: str) -> Any:
    """Approve a take (participants hear it from now on), or withdraw it (`remove`)."""
    _inst, row_id = _version(key, version, locale)
    part = request.form.get("part", "")
    take = recordings.find(row_id, part, locale)
    back = redirect(url_for(".page", key=key, version=version, locale=locale,
                            _anchor=f"part-{part}"))
    if take is None:
        flash(_("Det finns ingen inspelning att godkänna. Spela in först."))
        return back
    if request.form.get("remove") == "1":
        db.session.delete(take)
        audit.record("recording_remove", user_id=current_user.id, subject=f"{key}@{version}",
                     part=part, locale=locale)
        flash(_("Inspelningen är borttagen."))
    else:
        take.approved = True
        audit.record("recording_approve", user_id=current_user.id, subject=f"{key}@{version}",
                     part=part, locale=locale)
        flash(_("Inspelningen är godkänd. Deltagarna hör den nu."))
    db.session.commit()
    return back


@bp.get("/lyssna/<int:recording_id>")
@role_required("samordnare")
def listen(recording_id: int) -> Any:
    """A take as stored, approved or not (the recording page plays it back)."""
    take = db.session.get(Recording, recording_id)
    if take is None:
        abort(404)
    return recordings.response(take, max_age=0)
