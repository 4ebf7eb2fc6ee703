"""Friendly pages for what went wrong, shared by every blueprint."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from questionnaire.extensions import db


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def message_page(title: str, message: str, status: int,
                 code: str | None = None) -> tuple[Any, int]:
    """A page (or JSON for the tablet's script) that says what happened. Changes nothing.
    `code` tells the script what kind of trouble it is (e.g. "csrf": fetch a new token)."""
    db.session.rollback()
    if wants_json():
        return ({"error": str(message), "code": code} if code else {"error": str(message)}), status
    return render_template("message.html", title=title, message=message), status
