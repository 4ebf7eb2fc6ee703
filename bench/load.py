"""Many tablets answering at once, against gunicorn on this machine only (loopback).

    .venv/bin/python bench/load.py --tablets 200 [--workers 4] [--database-url URL]

Sets up a fresh database with one participant per tablet (SKAPA due), starts gunicorn on
127.0.0.1, and runs every tablet as a thread: open its one-time link, answer the six questions
with the tablet's JSON saves (a client id per tap, as the browser sends), finish. Bounded: each
request times out after 30 s and the whole run after --max-seconds. Prints errors, answers sent
and answers stored (lost = sent - stored; duplicates are impossible by a unique constraint, and
counted anyway), and p50/p95 save latency. Exit status 1 if anything was lost or failed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(database_url: str, tablets: int) -> list[str]:
    """A fresh schema and one participant (SKAPA intake due) per tablet; returns link paths."""
    import datetime as dt

    import sqlalchemy as sa

    from questionnaire import create_app, migrate
    from questionnaire.answering import links
    from questionnaire.casework import codes, schedule
    from questionnaire.extensions import db
    from questionnaire.models import Enrolment, Insats, Participant

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load",
                      "PSEUDONYM_KEY": "load"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade()
        insats = Insats(name="Last", schedule=schedule.default_schedule())
        db.session.add(insats)
        paths = []
        for _ in range(tablets):
            person = Participant(code=codes.generate())
            db.session.add(Enrolment(participant=person, insats=insats,
                                     start_date=dt.date.today()))
            db.session.flush()
            paths.append("/l/" + links.create(person))
        db.session.commit()
        db.engine.dispose()
    return paths


def stored_answers(database_url: str) -> tuple[int, int]:
    import sqlalchemy as sa

    from questionnaire.config import normalise_db_url

    engine = sa.create_engine(normalise_db_url(database_url))
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM answer")).scalar()
        distinct = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT DISTINCT questionnaire_id, item_key FROM answer) t"
        )).scalar()
    engine.dispose()
    return total, distinct


class Tablet(threading.Thread):
    """One tablet: answers its participants' questionnaires one after the other."""

    def __init__(self, base: str, paths: list[str], deadline: float) -> None:
        super().__init__(daemon=True)
        self.base, self.paths, self.deadline = base, paths, deadline
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.sent = 0

    def request(self, path: str, body: dict | None = None, token: str | None = None) -> tuple:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="GET" if body is None
                                     else "POST")
        if body is not None:
            req.add_header("Content-Type", "application/json")
            req.add_header("Accept", "application/json")
            req.add_header("X-CSRFToken", token or "")
        with self.opener.open(req, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def run(self) -> None:
        for path in self.paths:
            jar = http.cookiejar.CookieJar()  # a new participant: a new session
            self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            self.answer(path)

    def answer(self, path: str) -> None:
        try:
            url, page = self.request(path)
            qid = re.search(r"/q/(\d+)/", url).group(1)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            for n in range(1, 7):
                if time.monotonic() > self.deadline:
                    self.errors.append("out of time")
                    return
                start = time.perf_counter()
                self.request(f"/q/{qid}/svar", {"item": f"S{n}", "step": 1 + n % 5,
                                                "client_id": uuid.uuid4().hex}, token)
                self.latencies.append(time.perf_counter() - start)
                self.sent += 1
            form = urllib.parse.urlencode({"csrf_token": token}).encode()
            self.opener.open(urllib.request.Request(f"{self.base}/q/{qid}/klar", data=form),
                             timeout=30).read()
        except (urllib.error.URLError, OSError, AttributeError, ValueError) as e:
            self.errors.append(f"{type(e).__name__}: {e}")


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, cwd: Path = ROOT) -> Iterator[str]:
    """Serve a WSGI app with gunicorn on loopback (workers x 4 threads); yields its base URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", "4",
             "-b", f"127.0.0.1:{port}", "--timeout", "60", app],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)


def run_all(threads: list[threading.Thread], deadline: float) -> float:
    """Start every client at once, wait for all (bounded); returns the seconds it took."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    return time.perf_counter() - started


def percentiles(latencies: list[float]) -> dict[str, float | None]:
    ordered = sorted(latencies)
    if not ordered:
        return {"p50_ms": None, "p95_ms": None}
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1)}


def run(tablets: int, workers: int, database_url: str | None, max_seconds: float,
        concurrency: int | None = None) -> dict:
    """`tablets` questionnaires answered by `concurrency` tablets at once (default: all)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/load.db"
        paths = setup(url, tablets)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load", "PSEUDONYM_KEY": "load",
               "STEGVIS_LINK_LIMIT": "100000 per minute"}
        with gunicorn("app:app", env, workers) as base:
            deadline = time.monotonic() + max_seconds
            n = concurrency or tablets
            threads = [Tablet(base, paths[i::n], deadline) for i in range(n)]
            seconds = run_all(threads, deadline)
        total, distinct = stored_answers(url)
    sent = sum(t.sent for t in threads)
    return {
        "tablets": tablets, "workers": workers, "database": "PostgreSQL" if database_url
        and "postgres" in database_url else "SQLite", "seconds": round(seconds, 2),
        "errors": sum(len(t.errors) for t in threads),
        "error_samples": [e for t in threads for e in t.errors][:5],
        "sent": sent, "stored": total, "lost": sent - distinct, "duplicates": total - distinct,
        **percentiles([x for t in threads for x in t.latencies]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()
    result = run(args.tablets, args.workers, args.database_url, args.max_seconds)
    print(f"{'tablets':>8}{'db':>12}{'errors':>8}{'sent':>7}{'stored':>8}{'lost':>6}"
          f"{'dupl.':>7}{'p50 ms':>8}{'p95 ms':>8}{'s':>7}")
    print(f"{result['tablets']:>8}{result['database']:>12}{result['errors']:>8}"
          f"{result['sent']:>7}{result['stored']:>8}{result['lost']:>6}"
          f"{result['duplicates']:>7}{result['p50_ms']:>8}{result['p95_ms']:>8}"
          f"{result['seconds']:>7}")
    if result["error_samples"]:
        print("errors, e.g.:", *result["error_samples"], sep="\n  ")
    sys.exit(1 if result["errors"] or result["lost"] or result["duplicates"] else 0)


if __name__ == "__main__":
    main()
