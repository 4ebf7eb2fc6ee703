"""Start-up: from launching `flask --app app run` to the first answered request, against the same
for the smallest Flask app (bench/hello_app.py). Median of several starts.

    .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load import free_port  # noqa: E402

STARTS = 5


def first_response(app: str, cwd: Path, env: dict[str, str]) -> float:
    port = free_port()
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", app, "run", "--port",
                               str(port)], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    r.read()
                return time.perf_counter() - start
            except OSError:
                if server.poll() is not None or time.perf_counter() - start > 60:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(10)


def measure() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/start.db", "SECRET_KEY": "bench",
               "PSEUDONYM_KEY": "bench"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        stegvis = [first_response("app", ROOT, env) for _ in range(STARTS)]
        floor = [first_response("hello_app", ROOT / "bench", env) for _ in range(STARTS)]
    return {"stegvis_ms": round(statistics.median(stegvis) * 1000),
            "floor_ms": round(statistics.median(floor) * 1000)}


def rows(r: dict) -> list[tuple]:
    return [("start-up: flask run to first response", r["stegvis_ms"], "ms", r["floor_ms"], "",
             None)]


if __name__ == "__main__":
    from run import print_table

    print_table(rows(measure()))
