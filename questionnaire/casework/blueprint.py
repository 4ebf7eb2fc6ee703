"""The staff blueprint (`staff`, under /personal) and the helpers its view modules share.

The blueprint's pages are in `views.py` (the participant's file: caseload, registering, the
participant's page, links, the tablet hand-over, erasure), `ratings.py` (the handledare's rating,
the dialogue view, the printout), `notes.py` (the action plan's notes) and `settings.py` (the
samordnare's insatser, users, audit log and translations overview). Each of them imports `bp` and
these helpers from here; `views.py` imports the other three so that their routes join `bp`, and
nothing here imports any of them, so there is no import cycle.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from questionnaire import instruments
from questionnaire.casework import caseload
from questionnaire.instruments import Instrument
from questionnaire.models import Enrolment

bp = Blueprint("staff", __name__, url_prefix="/personal")

CASEWORK = ("handledare", "samordnare")


def _enrolment(code: str) -> Enrolment:
    enrolment = caseload.visible_enrolment(current_user, code)
    if enrolment is None:
        abort(404)
    return enrolment


def _parse_date(raw: str | None, errors: list[str], label: str, required: bool = True,
                latest: dt.date | None = None) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors.append(_("%(label)s saknas.", label=label))
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(label)s: skriv datumet som ÅÅÅÅ-MM-DD.", label=label))
        return None
    if latest is not None and day > latest:
        errors.append(_("%(label)s kan inte ligga i framtiden.", label=label))
    return day


def _titles() -> dict[str, str]:
    """Every instrument's short name for staff, by key."""
    return {i.key: i.name for i in instruments.published()}


def _self_ratings(enrolment: Enrolment) -> list[Instrument]:
    """The self-rating instruments (individual results, rated areas) this insats gives."""
    scheduled = {e.instrument for e in enrolment.insats.schedule}
    return [i for i in instruments.published()
            if i.individual_results and i.areas and i.key in scheduled]
