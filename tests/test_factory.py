from questionnaire import create_app


def test_config_from_test_mapping(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/stegvis")
    app = create_app({"SECRET_KEY": "x", "PSEUDONYM_KEY": "y"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/stegvis"


def test_front_page_in_swedish_with_lang_and_dir(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="sv" dir="ltr">' in page.text
    assert "Välkommen till Stegvis" in page.text
