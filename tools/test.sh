#!/usr/bin/env bash
# The whole test suite: lint, catalogs, the installed wheel, pytest on SQLite, then the same
# suite on PostgreSQL.
# Browser tests need Debian's Chromium, the second run needs PostgreSQL's server binaries:
# without them they are skipped with a message, except under CI=true, where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
mkdir -p test-artifacts

echo "== ruff"
"$PY" -m ruff check .

echo "== translations"
"$PY" tools/catalogs.py check

# The wheel from the tracked files, installed outside the checkout, served by gunicorn.
"$PY" tools/check_wheel.py

run_pytest() {  # NAME [pytest args]
  local name=$1; shift
  local status=0
  "$PY" -m pytest -q -rs --junitxml="test-artifacts/junit-$name.xml" "$@" || status=$?
  "$PY" tools/junit_skips.py "test-artifacts/junit-$name.xml" || status=1
  return $status
}

echo "== pytest on SQLite"
run_pytest sqlite

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ]; then
  if [ -n "${CI:-}" ]; then echo "PostgreSQL is missing: CI must run the suite on it" >&2; exit 1; fi
  echo "== PostgreSQL server not installed: skipping the PostgreSQL run (apt-get install postgresql)"
  exit 0
fi
echo "== pytest on PostgreSQL"
pgdir=$(mktemp -d /tmp/stegvis-pg.XXXXXX)
trap 'tools/pg-cluster.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
url=$(tools/pg-cluster.sh start "$pgdir")
STEGVIS_TEST_DATABASE_URL="$url" run_pytest postgres
