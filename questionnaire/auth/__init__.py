"""Staff log-in and log-out, password change, roles, and the idle timeout.

Passwords are hashed with scrypt (Werkzeug). Log-in attempts are rate limited per address
(Flask-Limiter). Staff sessions end after STAFF_IDLE_MINUTES without a request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from questionnaire import audit
from questionnaire.extensions import db, limiter, login_manager
from questionnaire.models import User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/personal")

@functools.cache
def _dummy_hash() -> str:
    """A hash to compare against when the e-mail is unknown, so both cases take the same time."""
    return generate_password_hash("not a password")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def role_required(*roles: str) -> Callable:
    """Only logged-in staff with one of these roles; others get 403 (or the log-in page)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # read by the authorisation test
        return wrapped

    return decorator


def end_idle_sessions() -> None:
    """Before each request: log staff out after too long without a request."""
    if not current_user.is_authenticated:
        return
    now = utcnow().timestamp()
    last = session.get("seen")
    limit = current_app.config["STAFF_IDLE_MINUTES"] * 60
    if last is not None and now - last > limit:
        audit.record("logout_idle", user_id=current_user.id)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_l("Du loggades ut eftersom du inte använt Stegvis på ett tag."))
    else:
        session["seen"] = now


class LoginForm(FlaskForm):
    email = StringField(_l("E-post"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Lösenord"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[InputRequired()])
    new = PasswordField(_l("Nytt lösenord"), validators=[
        InputRequired(), Length(min=10, max=200, message=_l("Minst 10 tecken."))])
    repeat = PasswordField(_l("Nytt lösenord igen"), validators=[
        InputRequired(), EqualTo("new", message=_l("Lösenorden är inte likadana."))])


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    # Bound to the posted form only: Flask-WTF would otherwise read a JSON body as form data.
    form = LoginForm(formdata=request.form)
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        ok = check_password_hash(user.password_hash if user else _dummy_hash(), form.password.data)
        if user is not None and ok and user.active:
            session.clear()  # a fresh session: nothing from before the log-in carries over
            login_user(user)
            session["seen"] = utcnow().timestamp()
            audit.record("login", user_id=user.id)
            db.session.commit()
            return redirect(url_for("staff.home"))
        audit.record("login_failed", actor=f"login:{email[:200]}")
        db.session.commit()
        form.password.errors.append(_l("Fel e-post eller lösenord."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logga-ut")
@login_required
def logout() -> Any:
    audit.record("logout", user_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/losenord", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = PasswordForm(formdata=request.form)
    status = 200
    if form.validate_on_submit():
        if check_password_hash(current_user.password_hash, form.current.data):
            current_user.password_hash = generate_password_hash(form.new.data)
            audit.record("password_changed", user_id=current_user.id)
            db.session.commit()
            flash(_l("Lösenordet är bytt."))
            return redirect(url_for("staff.home"))
        form.current.errors.append(_l("Fel lösenord."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status

