"""The benchmark suite: every figure beside a floor measured in the same run.

    make bench                                   # everything (about 25 minutes on 2 cores)
    .venv/bin/python bench/run.py [--quick] [--pg URL] [--only pages save startup reports]

  pages    page weight and time to usable in Chromium (bench/pages.py)
  save     save latency at 1, 20 and 200 clients on gunicorn, SQLite and PostgreSQL
           (bench/save.py)
  startup  `flask run` until the first response (bench/startup.py)
  reports  reports and export at 10 000 and 100 000 participants (bench/reports.py)

--quick: reports at 2 000 participants only and 20 clients at most (a check that it all runs).
PostgreSQL figures need --pg URL (an empty database; emptied first) or the PostgreSQL server
binaries, with which a throwaway cluster is started (tools/pg-cluster.sh).
Prints one table and writes it, with the machine, to bench/out/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def print_table(rows: list[tuple]) -> None:
    """rows: (figure, value, unit, floor, target, ok)."""
    print(f"{'figure':<44}{'value':>10}{'floor':>10}{'× floor':>9}  {'target':<12}{'ok':>4}")
    print("-" * 91)
    for name, value, unit, floor, target, ok in rows:
        ratio = f"{value / floor:.2f}" if floor else ""
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<44}{value:>8.1f} {unit:<2}{floor:>8.1f} {unit:<2}{ratio:>7}  "
              f"{target:<12}{mark:>4}")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def postgres(url: str | None, work: Path) -> tuple[str | None, list[str]]:
    """The --pg URL, or a throwaway cluster when the server binaries are there."""
    if url:
        return url, []
    script = ROOT / "tools" / "pg-cluster.sh"
    started = subprocess.run(["bash", str(script), "start", str(work / "pg")],
                             capture_output=True, text=True)
    if started.returncode != 0:
        print("(no PostgreSQL: its figures are left out)", file=sys.stderr)
        return None, []
    return started.stdout.strip().splitlines()[-1], ["bash", str(script), "stop",
                                                     str(work / "pg")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg")
    parser.add_argument("--only", nargs="+", default=["pages", "save", "startup", "reports"])
    args = parser.parse_args()
    rows: list[tuple] = []
    raw: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the cluster runs as user postgres when we are root
        pg, stop = postgres(args.pg, Path(tmp)) if {"save", "reports"} & set(args.only) \
            else (None, [])
        try:
            if "pages" in args.only:
                import pages

                print("… page weight and time to usable", file=sys.stderr)
                raw["pages"] = pages.measure()
                rows += pages.rows(raw["pages"])
            if "save" in args.only:
                import save

                clients = (1, 20) if args.quick else (1, 20, 200)
                raw["save"] = save.measure(clients, pg)
                rows += save.rows(raw["save"])
            if "startup" in args.only:
                import startup

                print("… start-up", file=sys.stderr)
                raw["startup"] = startup.measure()
                rows += startup.rows(raw["startup"])
            if "reports" in args.only:
                import reports

                # In its own small process: on Linux a child's peak memory (ru_maxrss) starts
                # at its parent's size when forked, and this process has Chromium's driver and
                # the app loaded by now.
                sizes = ["2000"] if args.quick else ["10000", "100000"]
                subprocess.run([sys.executable, str(ROOT / "bench" / "reports.py"), "--sizes",
                                *sizes], check=True, stdout=subprocess.DEVNULL)
                raw["reports"] = json.loads(
                    (ROOT / "bench" / "out" / "reports.json").read_text())["results"]
                rows += reports.rows(raw["reports"])
        finally:
            if stop:
                subprocess.run(stop, capture_output=True)
    print(f"\nStegvis benchmarks on {machine()}\n")
    print_table(rows)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(
        {"machine": machine(), "quick": args.quick,
         "table": [dict(zip(("figure", "value", "unit", "floor", "target", "ok"), r,
                            strict=True)) for r in rows],
         "raw": raw}, indent=2, default=str))
    print(f"\nwritten to {out / 'bench.json'}")


if __name__ == "__main__":
    main()
