"""Staff log-in and log-out, password change, roles, and when a session ends.

Passwords are hashed with scrypt (Werkzeug). Log-in attempts are throttled per address
(Flask-Limiter), and wrong passwords lock the account (and, many more, the address) for a while,
counted in the database (questionnaire/lockout.py). A session ends after STAFF_IDLE_MINUTES
without a request, STAFF_SESSION_HOURS after the log-in, and at once everywhere when the user
logs out, changes password or is deactivated (User.session_generation). A temporary password
must be changed before anything else.
"""

from __future__ import annotations

import functools
import itertools
import re
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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import EqualTo, InputRequired, Length

from questionnaire import audit, lockout
from questionnaire.extensions import db, limiter, login_manager
from questionnaire.models import User, utcnow

bp = Blueprint("auth", __name__, url_prefix="/personal")

@functools.cache
def _dummy_hash() -> str:
    """A hash to compare against when the e-mail is unknown, so both cases take the same time."""
    return generate_password_hash("not a password")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, if the session is still valid: an active account, the same session
    generation (no log-out, password change or deactivation since), within the absolute
    lifetime."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get("gen") != user.session_generation:
        return None
    started = session.get("login_at")
    lifetime = current_app.config["STAFF_SESSION_HOURS"] * 3600
    if started is None or utcnow().timestamp() - started > lifetime:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of this user, a saved cookie included (flushes)."""
    user.session_generation += 1
    db.session.flush()


#: Trivially guessable bases: a password that is one of these plus digits and marks is refused.
COMMON = {
    "lösenord", "losenord", "password", "passord", "qwerty", "qwertyuiop", "asdfghjkl",
    "azerty", "welcome", "välkommen", "valkommen", "sommar", "vinter", "hösten", "hosten",
    "våren", "varen", "stegvis", "admin", "administrator", "letmein", "iloveyou", "hejsan",
    "hemligt", "secret", "abc", "test", "användare", "anvandare", "kommun", "samordning",
    "handledare", "samordnare", "analytiker", "januari", "februari", "december",
}


#: Runs on a keyboard or in an alphabet: a password that is a piece of one is refused.
RUNS = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyzåäö", "qwertyuiopåasdfghjklöäzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


def password_problem(new: str, *, email: str | None = None,
                     current_hash: str | None = None) -> str | None:
    """Why a new password is not good enough, or None. Length is checked by the caller."""
    lowered = new.lower()
    base = re.sub(r"[\d\W_]+", "", lowered)
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(lowered)}
    local = (email or "").split("@")[0].lower()
    local = local if len(local) >= 4 else ""
    in_a_run = any(lowered in run or lowered in run[::-1] for run in RUNS)
    if (len(set(lowered)) < 5 or (len(steps) == 1 and steps <= {-1, 0, 1}) or in_a_run
            or base in COMMON or (local and local in lowered)):
        return _("Lösenordet är för lätt att gissa. Välj en mening med flera ord.")
    if current_hash and check_password_hash(current_hash, new):
        return _("Det nya lösenordet är samma som det nuvarande. Välj ett annat.")
    return None


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


def require_password_change() -> Any:
    """Before each request: a temporary password leads to the password page and nowhere else."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in ("auth.change_password", "auth.logout", "static")):
        return redirect(url_for("auth.change_password"))
    return None


class LoginForm(FlaskForm):
    email = StringField(_l("E-post"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Lösenord"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[InputRequired()])
    new = PasswordField(_l("Nytt lösenord"), validators=[
        InputRequired(), Length(min=10, max=200, message=_l("Minst 10 tecken."))])
    repeat = PasswordField(_l("Nytt lösenord igen"), validators=[
        InputRequired(), EqualTo("new", message=_l("Lösenorden är inte likadana."))])

    def validate_new(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", email=current_user.email,
                                   current_hash=current_user.password_hash)
        if problem:
            raise ValidationError(problem)


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
        keys = lockout.login_keys(email, request.remote_addr)
        if lockout.locked(keys):  # refused before any password is checked
            audit.record("login_refused", actor=f"login:{email[:200]}")
            db.session.commit()
            abort(429)
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        ok = check_password_hash(user.password_hash if user else _dummy_hash(), form.password.data)
        if user is not None and ok and user.active:
            lockout.succeeded(keys)
            session.clear()  # a fresh session: nothing from before the log-in carries over
            login_user(user)
            now = utcnow().timestamp()
            session.update(seen=now, login_at=now, gen=user.session_generation)
            audit.record("login", user_id=user.id)
            db.session.commit()
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(url_for("staff.home"))
        lockout.failed(keys)
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
    end_sessions(current_user)  # a copy of this session's cookie stops working too
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
            current_user.must_change_password = False
            end_sessions(current_user)  # every other session ends; this one goes on
            session["gen"] = current_user.session_generation
            audit.record("password_changed", user_id=current_user.id)
            db.session.commit()
            flash(_l("Lösenordet är bytt."))
            return redirect(url_for("staff.home"))
        form.current.errors.append(_l("Fel lösenord."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status

