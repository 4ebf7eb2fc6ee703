"""The staff workspace: the start page after log-in (the handledare's caseload comes here)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("staff", __name__, url_prefix="/personal")


@bp.get("/")
@login_required
def home() -> Any:
    return render_template("staff/home.html")
