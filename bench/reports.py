"""Reports and export at scale, against a floor measured in the same run.

    make bench                     # 10 000 and 100 000 participants on SQLite
    .venv/bin/python bench/reports.py --sizes 10000 100000 [--pg URL]

For each size: a fresh database filled by `flask demo-data --participants N --seed 1`, then each
command timed as its own process (wall time and peak memory from wait4). The floor is the
database's own CSV dump of the answer table (sqlite3 `.mode csv`, or psql `\\copy ... csv`): no
report can be faster than reading the answers once. Prints a table; writes bench/out/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def run(cmd: list[str], env: dict[str, str], stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident MB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def floor_command(url: str, out: str) -> list[str]:
    if url.startswith("sqlite:///"):
        if not shutil.which("sqlite3"):
            sys.exit("the floor needs the sqlite3 command line (apt-get install sqlite3)")
        return ["sqlite3", "-csv", "-header", url.removeprefix("sqlite:///"),
                f".output {out}", "SELECT * FROM answer;"]
    return ["psql", url.replace("postgresql+psycopg://", "postgresql://"), "-qc",
            f"\\copy answer to '{out}' csv header"]


def reset_postgres(url: str) -> None:
    subprocess.run(["psql", url, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                   check=True, stdout=subprocess.DEVNULL)


def measure(size: int, pg: str | None, work: Path) -> dict:
    url = pg or f"sqlite:///{work / f'bench-{size}.db'}"
    if pg:
        reset_postgres(pg)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PSEUDONYM_KEY": "bench"}
    figures: dict[str, tuple[float, float]] = {}
    figures["start-up (--help)"] = run([*FLASK, "--help"], env)
    figures["demo-data"] = run([*FLASK, "demo-data", "--participants", str(size), "--seed", "1"],
                               env)
    figures["floor: dump answers"] = run(floor_command(url, str(work / "floor.csv")), env)
    for name in ("nns", "progression", "skapa"):
        figures[f"report {name}"] = run([*FLASK, "report", name, "--out",
                                         str(work / f"{name}.csv")], env)
    figures["export csv"] = run([*FLASK, "export", "--out", str(work / "export.zip")], env)
    figures["export xlsx"] = run([*FLASK, "export", "--format", "xlsx", "--out",
                                  str(work / "export.xlsx")], env)
    with open(work / "floor.csv", encoding="utf-8") as dump:
        rows = sum(1 for _ in dump) - 1
    return {"participants": size, "answers": rows,
            "figures": {k: {"seconds": round(s, 3), "peak_mb": round(m, 1)}
                        for k, (s, m) in figures.items()}}


def rows(results: list[dict]) -> list[tuple]:
    """(figure, value, unit, floor, target, ok) for bench/run.py's table: each report and the
    export at each size against the dump, and the growth from the smallest to the largest."""
    out = []
    for r in results:
        floor = r["figures"]["floor: dump answers"]["seconds"]
        for name, fig in r["figures"].items():
            if name.startswith(("report", "export")):
                out.append((f"{name}, {r['participants']:,} participants".replace(",", " "),
                            fig["seconds"], "s", floor, f"peak {fig['peak_mb']:.0f} MB", None))
    if len(results) > 1:
        first, last = results[0], results[-1]
        scale = last["participants"] / first["participants"]
        for name, fig in last["figures"].items():
            if name.startswith(("report", "export")):
                growth = fig["seconds"] / first["figures"][name]["seconds"]
                out.append((f"{name}: growth ×{scale:.0f} participants", growth, "×", scale,
                            "≤ 12", growth <= 12))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database (emptied first)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            print(f"… {size} participants", file=sys.stderr)
            results.append(measure(size, args.pg, Path(tmp)))
    database = "PostgreSQL" if args.pg else "SQLite"
    print(f"\nReports and export on {database}; {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    header = f"{'figure':<22}" + "".join(
        f"{str(r['participants']) + ' s':>11}{'× floor':>9}{'peak MB':>9}" for r in results)
    if len(results) > 1:
        header += f"{'growth':>8}"
    print(header)
    print("-" * len(header))
    for name in results[0]["figures"]:
        line = f"{name:<22}"
        for r in results:
            fig = r["figures"][name]
            floor = r["figures"]["floor: dump answers"]["seconds"]
            line += f"{fig['seconds']:>11.2f}{fig['seconds'] / floor:>9.1f}{fig['peak_mb']:>9.0f}"
        if len(results) > 1:
            first, last = (r["figures"][name]["seconds"] for r in (results[0], results[-1]))
            line += f"{last / first:>8.1f}"
        print(line)
    print("answers: " + ", ".join(f"{r['participants']}: {r['answers']}" for r in results))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "reports.json").write_text(json.dumps(
        {"database": database, "machine": platform.platform(), "cores": os.cpu_count(),
         "results": results}, indent=2))


if __name__ == "__main__":
    main()
