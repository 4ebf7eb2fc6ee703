"""The floor for start-up: the smallest Flask app, started the same way as Stegvis."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "<!doctype html><title>Stegvis</title><p>Välkommen"
