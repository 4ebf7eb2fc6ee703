# Stegvis. `make run` starts the app with demo data; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000

.PHONY: setup run test translations compile lint bench plotly wheel clean

setup: $(VENV)/.installed compile  ## virtualenv with the app and its test tools, catalogs compiled

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

compile: $(VENV)/.installed  ## .po -> .mo (the .mo files are never committed)
	$(PY) tools/catalogs.py compile

run: setup  ## create the SQLite database, add demo data, serve on http://localhost:$(PORT)
	$(VENV)/bin/flask --app app init-db
	$(VENV)/bin/flask --app app demo-data --seed 1
	$(VENV)/bin/flask --app app run --port $(PORT)

test: setup  ## ruff, catalogs, pytest on SQLite (browser tests included), pytest on PostgreSQL
	PY=$(PY) bash tools/test.sh

translations: $(VENV)/.installed  ## extract new strings and merge them into every catalog
	$(PY) tools/catalogs.py update

lint: $(VENV)/.installed
	$(PY) -m ruff check .

bench: setup  ## every benchmark against its floor; table in bench/out/bench.json (about 25 min)
	$(PY) bench/run.py

wheel: $(VENV)/.installed  ## dist/stegvis-VERSION-py3-none-any.whl, catalogs compiled in (docs/operations.md)
	$(PY) -m build --wheel --outdir dist .

plotly:  ## rebuild static/vendor/plotly-polar.min.js (needs node and npm)
	bash tools/build-plotly.sh

clean:
	rm -rf $(VENV) test-artifacts instance dist build
