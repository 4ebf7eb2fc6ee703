"""Friendly pages for what went wrong, shared by every blueprint."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from questionnaire.extensions import db


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def message_page(title: str, message: str, status: int) -> tuple[Any, int]:
    """A page (or JSON for the tablet's script) that says what happened. Changes nothing."""
    db.session.rollback()
    if wants_json():
        return {"error": str(message)}, status
    return render_template("message.html", title=title, message=message), status
