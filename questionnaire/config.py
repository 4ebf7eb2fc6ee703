"""Configuration from the environment (domain.md part B).

DATABASE_URL   SQLAlchemy URL; default a SQLite file in the instance folder.
SECRET_KEY     signs sessions and CSRF tokens; default generated once into the instance folder
               (development).
PSEUDONYM_KEY  keys the pseudonyms of exports; default generated once into the instance folder.
STEGVIS_BASE_URL  the public address used in printed participant links.
STEGVIS_INSTANCE  the instance folder: instance/ in a checkout, else $XDG_DATA_HOME/stegvis
               (~/.local/share/stegvis). Everything written there is readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# templates/, static/ and translations/: inside the package when installed from the wheel
# (setup.py copies them there), at the top of the repository in a checkout or editable install.
CHECKOUT = not (PACKAGE / "templates").is_dir()
ROOT = PACKAGE.parent if CHECKOUT else PACKAGE


def instance_folder() -> Path:
    """Where the app writes (SQLite default, generated keys): never inside site-packages."""
    if os.environ.get("STEGVIS_INSTANCE"):
        return Path(os.environ["STEGVIS_INSTANCE"]).expanduser().resolve()
    if CHECKOUT:
        return ROOT / "instance"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data).resolve() / "stegvis"


def _owner_only_file(path: Path, content: str = "") -> None:
    """Create `path` readable by its owner only (health data, keys), if it does not exist yet."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        return
    # Written whole, then linked into place: a second process never reads a half-written key.
    fd, temporary = tempfile.mkstemp(dir=path.parent)  # mode 600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def _instance_secret(instance: Path, name: str) -> str:
    """Read a key kept in the instance folder, creating it once (development default only)."""
    path = instance / name
    _owner_only_file(path, secrets.token_hex(32))
    return path.read_text().strip()


def _default_sqlite(instance: Path) -> str:
    # SQLite gives its -wal and -shm files the database file's permissions.
    _owner_only_file(instance / "stegvis.db")
    return f"sqlite:///{instance / 'stegvis.db'}"


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL has."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance: Path, overrides: dict) -> dict:
    """Settings from the environment; keys given in `overrides` (tests) are not generated."""
    env = os.environ

    def secret(name: str) -> str:
        if name in overrides:
            return overrides[name]
        return env.get(name) or _instance_secret(instance, name.lower())

    return {
        "SQLALCHEMY_DATABASE_URI": normalise_db_url(
            overrides.get("SQLALCHEMY_DATABASE_URI")
            or env.get("DATABASE_URL")
            or _default_sqlite(instance)
        ),
        "SECRET_KEY": secret("SECRET_KEY"),
        "PSEUDONYM_KEY": secret("PSEUDONYM_KEY"),
        "BASE_URL": env.get("STEGVIS_BASE_URL", "http://localhost:5000").rstrip("/"),
        # One-time participant links expire after this many days.
        "LINK_TTL_DAYS": int(env.get("STEGVIS_LINK_TTL_DAYS", "7")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("STEGVIS_SECURE_COOKIES", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # a participant may think for a long time on one question
        "BABEL_DEFAULT_LOCALE": "sv",
        # Two gettext domains in one folder: what participants see, and the staff pages.
        "BABEL_DOMAIN": "messages;staff",
        "BABEL_TRANSLATION_DIRECTORIES": f"{ROOT / 'translations'};{ROOT / 'translations'}",
        # Never put SQL parameters (a participant's free text) in error messages or the log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Staff are logged out after this many idle minutes...
        "STAFF_IDLE_MINUTES": int(env.get("STEGVIS_STAFF_IDLE_MINUTES", "30")),
        # ... and this many hours after logging in, however busy.
        "STAFF_SESSION_HOURS": int(env.get("STEGVIS_STAFF_SESSION_HOURS", "12")),
        # A handed-over tablet locks after this many minutes without a tap.
        "HANDOVER_IDLE_MINUTES": int(env.get("STEGVIS_HANDOVER_IDLE_MINUTES", "10")),
        # Proxies in front of the app (nginx = 1) whose X-Forwarded-For/-Proto/-Host are trusted;
        # 0 (the default) trusts none, so a client cannot choose the address it is limited by.
        "PROXY_HOPS": int(env.get("STEGVIS_PROXY_HOPS", "0")),
        # Wrong passwords (log-in, hand-back) are counted in the database, shared by every
        # process (questionnaire/lockout.py): an account or a locked tablet is refused after
        # LOCKOUT_ATTEMPTS within LOCKOUT_MINUTES, a client address after LOCKOUT_ADDRESS_ATTEMPTS.
        "LOCKOUT_ATTEMPTS": int(env.get("STEGVIS_LOCKOUT_ATTEMPTS", "10")),
        "LOCKOUT_ADDRESS_ATTEMPTS": int(env.get("STEGVIS_LOCKOUT_ADDRESS_ATTEMPTS", "50")),
        "LOCKOUT_MINUTES": int(env.get("STEGVIS_LOCKOUT_MINUTES", "15")),
        # Request throttling per address (Flask-Limiter). memory:// counts per process; give
        # several processes a shared redis:// or memcached:// store (docs/operations.md).
        "RATELIMIT_STORAGE_URI": env.get("STEGVIS_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT": env.get("STEGVIS_LOGIN_LIMIT", "10 per minute;60 per hour"),
        "LINK_LIMIT": env.get("STEGVIS_LINK_LIMIT", "30 per minute"),
        # Answers to one survey round's link (per round, never per address: a meeting answering
        # on their phones at once shares one).
        "SURVEY_LIMIT": env.get("STEGVIS_SURVEY_LIMIT", "60 per minute;600 per hour"),
        # Group figures about fewer persons than this are not shown (domain.md, small groups).
        "REPORT_MIN_GROUP": int(env.get("STEGVIS_MIN_GROUP", "10")),
        # The same for the professional NNS rows (personal, remittent, chefsgrupp, styrelse).
        "REPORT_MIN_GROUP_PROFESSIONAL": int(env.get("STEGVIS_MIN_GROUP_PROFESSIONAL", "5")),
        # No form or answer comes near this; anything larger is refused with a 413 page.
        "MAX_CONTENT_LENGTH": int(env.get("STEGVIS_MAX_REQUEST_KB", "256")) * 1024,
    }
