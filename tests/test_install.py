"""Where an installed Stegvis writes, and which version it says it is.

The wheel itself (built, installed outside the checkout, served by gunicorn) is checked by
tools/check_wheel.py, a step of tools/test.sh.
"""

import importlib.metadata
import stat
from pathlib import Path

import pytest

from questionnaire import config, create_app
from questionnaire.extensions import db
from tests.conftest import csrf_token

TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "PSEUDONYM_KEY": "test-pseudonym-key"}

STEGVIS_VERSION = importlib.metadata.version("stegvis")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_configuration(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY", "STEGVIS_INSTANCE",
                 "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_instance_folder_from_stegvis_instance_holds_owner_only_files(
        no_configuration, monkeypatch, tmp_path):
    monkeypatch.setenv("STEGVIS_INSTANCE", str(tmp_path / "data"))
    app = create_app()
    instance = tmp_path / "data"
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'stegvis.db'}"
    assert mode(instance) == 0o700
    for name in ("stegvis.db", "secret_key", "pseudonym_key"):
        assert mode(instance / name) == 0o600, name
    # the same keys the next time: sessions and pseudonyms survive a restart
    again = create_app()
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert again.config["PSEUDONYM_KEY"] == app.config["PSEUDONYM_KEY"]


def test_a_checkout_keeps_its_instance_folder(no_configuration):
    assert config.instance_folder() == Path(__file__).resolve().parent.parent / "instance"


def test_an_installed_package_writes_to_the_users_data_folder(
        no_configuration, monkeypatch, tmp_path):
    monkeypatch.setattr(config, "CHECKOUT", False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.instance_folder() == tmp_path / ".local" / "share" / "stegvis"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.instance_folder() == tmp_path / "xdg" / "stegvis"
    monkeypatch.setenv("STEGVIS_INSTANCE", str(tmp_path / "srv"))
    assert config.instance_folder() == tmp_path / "srv"


def test_staff_footer_shows_the_package_version(client, handledare):
    page = client.get("/personal/deltagare")
    assert page.status_code == 200
    assert f"Stegvis {STEGVIS_VERSION}" in page.text


def test_version_command_prints_the_package_version(runner):
    result = runner.invoke(args=["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"Stegvis {STEGVIS_VERSION}"


def failed_logins(client, addresses: list[str], **headers: str) -> list[int]:
    statuses = []
    for address in addresses:
        token = csrf_token(client, "/personal/logga-in")
        statuses.append(client.post(
            "/personal/logga-in", headers={"X-Forwarded-For": address, **headers},
            data={"csrf_token": token, "email": "nobody@kommun.example",
                  "password": "fel"}).status_code)
    return statuses


def test_behind_a_proxy_each_client_has_its_own_login_limit(app, database_url, monkeypatch):
    monkeypatch.setenv("STEGVIS_PROXY_HOPS", "1")
    proxied = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                          "LOGIN_LIMIT": "2 per minute"})
    with proxied.app_context():
        client = proxied.test_client()
        try:
            assert failed_logins(client, ["203.0.113.1"] * 3) == [401, 401, 429]
            # another member of staff behind the same nginx may still log in
            assert failed_logins(client, ["203.0.113.2"]) == [401]
            page = client.get("/", headers={"X-Forwarded-Proto": "https"})
            assert "Strict-Transport-Security" in page.headers
        finally:
            db.session.remove()
            db.engine.dispose()  # this second app's connections, before the fixture's teardown


def test_without_a_proxy_forwarded_headers_are_not_believed(app, client):
    app.config["LOGIN_LIMIT"] = "2 per minute"
    assert failed_logins(client, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [401, 401, 429]
    page = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in page.headers
