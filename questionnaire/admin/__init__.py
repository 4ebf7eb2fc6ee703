"""Administration for samordnare: the instruments (XLSForm files).

Upload a file: every problem is listed and nothing changes; a valid file is previewed as a
participant sees it, in each of its languages, and published only when the samordnare says so.
The preview page carries the file itself (base64) to the publish button, so no process keeps it:
publishing validates it again. Every publication is audited.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from questionnaire import audit, instruments
from questionnaire.auth import role_required
from questionnaire.extensions import db
from questionnaire.i18n import language, language_name, text_direction
from questionnaire.instruments import xlsform

bp = Blueprint("admin", __name__, url_prefix="/personal/instrument")


@bp.get("/")
@role_required("samordnare")
def instrument_list() -> Any:
    rows = [(inst, instruments.versions(inst.key), instruments.locales(inst))
            for inst in instruments.published()]
    return render_template("admin/instruments.html", rows=rows)


def _uploaded() -> tuple[bytes | None, str]:
    """The file of the request: an upload, or the preview's carried copy."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(xlsform.MAX_BYTES + 1), upload.filename
    carried = request.form.get("data", "")
    if carried:
        try:
            return base64.b64decode(carried, validate=True), request.form.get("filename", "")
        except (binascii.Error, ValueError):
            return None, ""
    return None, ""


@bp.post("/")
@role_required("samordnare")
def upload() -> Any:
    data, filename = _uploaded()
    filename = (filename or "form.xlsx").rsplit("/", 1)[-1][:100]
    if data is None:
        return _problems([_("Välj en fil (.xlsx) att ladda upp.")], filename)
    try:
        definition = instruments.read(data)
    except instruments.FormErrors as e:
        return _problems(e.lines(filename), filename)
    key = definition["settings"]["form_id"]
    if request.form.get("publish") == "1":
        inst, added = instruments.publish(definition)
        if added:
            audit.record("instrument_add", user_id=current_user.id,
                         subject=f"{inst.key}@{inst.version}", checksum=inst.checksum)
            flash(_("%(key)s version %(v)s är publicerad.", key=inst.key, v=inst.version))
        else:
            flash(_("%(key)s: samma innehåll som version %(v)s finns redan; inget ändrades.",
                    key=inst.key, v=inst.version))
        db.session.commit()
        return redirect(url_for(".instrument_list"))
    existing = instruments.versions(key)
    same = next((i for i in existing if i.checksum == xlsform.checksum(definition)), None)
    preview = xlsform.build(definition, (existing[-1].version + 1) if existing else 1)
    return render_template(
        "admin/preview.html", inst=preview, existing=existing, same=same, filename=filename,
        data=base64.b64encode(data).decode(), sections=_preview_sections(preview))


def _problems(lines: list[str], filename: str) -> tuple[str, int]:
    return render_template("admin/instruments.html", problems=lines, filename=filename,
                           rows=[(i, instruments.versions(i.key), instruments.locales(i))
                                 for i in instruments.published()]), 400


def _preview_sections(inst: instruments.Instrument) -> list[Markup]:
    """The form as the tablet shows it, once per language it can be shown in."""
    sections = []
    for code in dict.fromkeys([*inst.languages, *instruments.locales(inst)]):
        with force_locale(code):
            sections.append(Markup(render_template(  # rendered (and escaped) by Jinja
                "admin/preview_section.html", inst=inst, section_lang=language(code).tag,
                section_dir=text_direction(code), section_name=language_name(code),
                section_font=language(code).font)))
    return sections


@bp.get("/<key>.xlsx")
@role_required("samordnare")
def download(key: str) -> Any:
    version = request.args.get("version", type=int)
    try:
        data = instruments.export_file(key, version)
    except KeyError:
        abort(404)
    audit.record("instrument_export", user_id=current_user.id, subject=key)
    db.session.commit()
    return Response(data, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f'attachment; filename="{key}.xlsx"'})
