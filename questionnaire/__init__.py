"""Stegvis: the application factory.

Folder layout (packages named after the product's nouns; blueprints after their audience):
  questionnaire/instruments/   the questionnaires: XLSForm files stored as versioned data
  questionnaire/answering/     the participant's pages (blueprint `participant`) and answers.py,
                               where every answer is saved (start, save, complete)
  questionnaire/casework/      the handledare's pages (blueprint `staff`), what is due when
  questionnaire/reporting/     reports, periods, the disclosure rules, export and the report pages
                               (blueprint `analysis`)
  questionnaire/admin/         the samordnare's instrument pages
  questionnaire/models.py      tables and their constraints
  questionnaire/cli.py         the command line of domain.md part B
"""

from __future__ import annotations

import importlib.metadata
import os
import sqlite3
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, render_template, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from questionnaire import assets, audit, security
from questionnaire import config as config_module
from questionnaire.extensions import babel, csrf, db, limiter, login_manager
from questionnaire.i18n import (
    language,
    language_name,
    page_locales,
    participant_side,
    select_locale,
    step_label,
    text_direction,
    tr,
    tr_in,
)
from questionnaire.pages import message_page

try:
    __version__ = importlib.metadata.version("stegvis")
except importlib.metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"


@sa.event.listens_for(sa.engine.Engine, "do_connect")
def _private_sqlite_file(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> None:
    """A new SQLite file is created readable by its owner only (its -wal and -shm files follow
    the database file's mode)."""
    if dialect.name != "sqlite":
        return
    name = str(cargs[0] if cargs else cparams.get("database", ""))
    if name and name != ":memory:" and not name.startswith("file:") and not Path(name).exists():
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces foreign keys only when asked; WAL lets readers and a writer overlap."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = config_module.ROOT
    app = Flask(
        __name__,
        instance_path=str(config_module.instance_folder()),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path), config or {}))
    app.config.update(config or {})
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]  # the client address, scheme and host the proxy saw
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att fortsätta.")
    limiter.init_app(app)
    security.init_app(app)
    assets.init_app(app)

    from questionnaire import admin, auth, dates, survey
    from questionnaire.admin import recordings
    from questionnaire.answering import views as participant
    from questionnaire.casework import views as staff
    from questionnaire.reporting import views as analysis
    from questionnaire.survey import rounds

    for blueprint in (participant.bp, auth.bp, staff.bp, analysis.bp, admin.bp, survey.bp,
                      rounds.bp, recordings.bp):
        app.register_blueprint(blueprint)
    survey.quiet_development_log()
    app.before_request(auth.end_idle_sessions)
    app.before_request(auth.require_password_change)
    app.before_request(staff.handover_lock)
    app.add_template_filter(staff.qr_svg, "qr")
    app.add_template_filter(dates.day, "datum")
    app.add_template_filter(audit.readable, "details")
    app.jinja_env.globals.update(tr=tr, tr_in=tr_in, step_label=step_label)

    from questionnaire.cli import register

    register(app)
    _register_error_pages(app)
    app.jinja_env.globals["stegvis_version"] = __version__

    @app.cli.command("version")
    def version() -> None:
        """Print the installed version of Stegvis."""
        click.echo(f"Stegvis {__version__}")

    @app.context_processor
    def page_language() -> dict[str, Any]:
        locale = str(get_locale() or "sv")
        current = language(locale)
        return {
            "lang": current.tag,
            "dir": text_direction(locale),
            "font": current.font,
            "languages": [(code, language(code).tag, language_name(code))
                          for code in page_locales()],
            "current_locale": locale,
            "handover": session.get("handover") is not None,
            "handover_idle_seconds": app.config["HANDOVER_IDLE_MINUTES"] * 60,
        }

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_e: CSRFError) -> tuple[Any, int]:
        return message_page(
            _l("Sidan var för gammal"),
            _l("Sidan hann bli för gammal eller kom inte från Stegvis. "
               "Gå tillbaka och försök igen."),
            400, code="csrf",
        )

    @app.errorhandler(404)
    def not_found(_e: Exception) -> tuple[Any, int]:
        return message_page(_l("Sidan finns inte"), _l("Det finns ingen sida här."), 404)

    @app.errorhandler(405)
    def not_allowed(_e: Exception) -> tuple[Any, int]:
        return message_page(_l("Det gick inte"), _l("Det gick inte att göra så här."), 405)

    @app.errorhandler(403)
    def forbidden(_e: Exception) -> tuple[Any, int]:
        return message_page(
            _l("Ingen behörighet"), _l("Du har inte behörighet till den här sidan."), 403
        )

    @app.errorhandler(413)
    def too_large(_e: Exception) -> tuple[Any, int]:
        return message_page(_l("Det gick inte"),
                            _l("Det som skickades är för stort."), 413)

    @app.errorhandler(429)
    def too_many(_e: Exception) -> tuple[Any, int]:
        return message_page(_l("För många försök"),
                            _l("Det har gjorts för många försök. Vänta en stund och försök igen."),
                            429)

    @app.errorhandler(400)
    def bad_request(_e: Exception) -> tuple[Any, int]:
        return message_page(_l("Det gick inte"), _l("Det som skickades gick inte att läsa."), 400)

    @app.errorhandler(500)
    def server_error(_e: Exception) -> tuple[Any, int]:
        from questionnaire.casework.views import SERVER_ERROR  # the staff's words

        return message_page(
            _l("Något gick fel"),
            _l("Något gick fel hos oss. Dina sparade svar finns kvar. Försök igen om en stund.")
            if participant_side() else SERVER_ERROR,
            500,
        )
