"""Where an installed Stegvis writes, and which version it says it is.

The wheel itself (built, installed outside the checkout, served by gunicorn) is checked by
tools/check_wheel.py, a step of tools/test.sh.
"""

import importlib.metadata
import stat
from pathlib import Path

import pytest

from questionnaire import config, create_app

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
