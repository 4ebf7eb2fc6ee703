"""Save latency of one answer under 1, 20 and 200 concurrent clients, against a bare-Flask floor.

    .venv/bin/python bench/save.py [--clients 1 20 200] [--pg URL]

Stegvis: bench/load.py's tablets (open a one-time link, six JSON saves with the CSRF token, finish)
on gunicorn. Floor: bench/floor_app.py, a bare Flask endpoint that upserts the same answer row
into the same database, on gunicorn with the same workers and threads, driven by the same number
of client threads doing six saves each. Both on loopback, on this machine: the clients share the
cores with the server, so the figures are comparable with each other, not with a real network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

WORKERS = 4
MAX_SECONDS = 600
SAMPLES = 300  # saves per measurement at least: 1 client answers 50 questionnaires in a row


def floor_setup(url: str, clients: int) -> list[tuple[int, int]]:
    """The same schema and participants as the load test, each with a started SKAPA; returns
    (questionnaire id, instrument version id) per client."""
    import sqlalchemy as sa

    from questionnaire import create_app
    from questionnaire.answering import answers
    from questionnaire.extensions import db
    from questionnaire.models import Enrolment

    load.setup(url, clients)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load",
                      "PSEUDONYM_KEY": "load"})
    with app.app_context():
        started = [answers.start(e, "skapa", "intake")
                   for e in db.session.scalars(sa.select(Enrolment).order_by(Enrolment.id))]
        db.session.commit()
        out = [(q.id, q.instrument_version_id) for q in started]
        db.engine.dispose()
    return out


class FloorClient(threading.Thread):
    def __init__(self, base: str, rows: list[tuple[int, int]], deadline: float) -> None:
        super().__init__(daemon=True)
        self.base, self.rows, self.deadline = base, rows, deadline
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        for qid, version in self.rows:
            self.answer(qid, version)

    def answer(self, qid: int, version: int) -> None:
        try:
            for n in range(1, 7):
                if time.monotonic() > self.deadline:
                    self.errors.append("out of time")
                    return
                body = json.dumps({"qid": qid, "version": version, "item": f"S{n}",
                                   "scale_max": 5, "step": 1 + n % 5,
                                   "client_id": uuid.uuid4().hex}).encode()
                req = urllib.request.Request(f"{self.base}/save", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
                start = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as response:
                    response.read()
                self.latencies.append(time.perf_counter() - start)
        except OSError as e:
            self.errors.append(f"{type(e).__name__}: {e}")


def questionnaires(clients: int) -> int:
    """Enough questionnaires (six saves each) for at least SAMPLES saves at every client count."""
    return max(clients, -(-SAMPLES // 6))


def floor(clients: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/floor.db"
        rows = floor_setup(url, questionnaires(clients))
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        with load.gunicorn("floor_app:app", env, WORKERS, cwd=ROOT / "bench") as base:
            deadline = time.monotonic() + MAX_SECONDS
            threads = [FloorClient(base, rows[i::clients], deadline) for i in range(clients)]
            seconds = load.run_all(threads, deadline)
    return {"clients": clients, "seconds": round(seconds, 2),
            "errors": sum(len(t.errors) for t in threads),
            **load.percentiles([x for t in threads for x in t.latencies])}


def measure(client_counts: tuple[int, ...], pg: str | None) -> dict:
    results: dict = {}
    for database, url in (("SQLite", None), ("PostgreSQL", pg)):
        if database == "PostgreSQL" and not pg:
            continue
        for clients in client_counts:
            print(f"… save latency, {clients} clients, {database}", file=sys.stderr)
            stegvis = load.run(questionnaires(clients), WORKERS, url, MAX_SECONDS,
                               concurrency=clients)
            results[f"{database} {clients}"] = {"stegvis": stegvis, "floor": floor(clients, url)}
    return results


def rows(results: dict) -> list[tuple]:
    out = []
    for key, r in results.items():
        s, f = r["stegvis"], r["floor"]
        clean = not (s["errors"] or s["lost"] or s["duplicates"] or f["errors"])
        for p in ("p50_ms", "p95_ms"):
            target = "≤ 1.5× floor" if p == "p95_ms" else ""
            ok = (s[p] <= 1.5 * f[p] and clean) if p == "p95_ms" else None
            out.append((f"save {p[:3]}, {key} clients", s[p], "ms", f[p], target, ok))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20, 200])
    parser.add_argument("--pg")
    args = parser.parse_args()
    from run import print_table

    print_table(rows(measure(tuple(args.clients), args.pg)))
