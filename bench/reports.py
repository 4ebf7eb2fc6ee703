"""Reports and export at scale, against a floor measured in the same run.

    make bench                     # 10 000 and 100 000 participants on SQLite
    .venv/bin/python bench/reports.py --sizes 10000 100000 [--pg URL] [--before REF]

For each size: a fresh database filled by `flask demo-data --participants N --seed 1`, then each
command timed as its own process (wall time and peak memory from wait4). The floor is the
database's own CSV dump of the answer table (sqlite3 `.mode csv`, or psql `\\copy ... csv`): no
report can be faster than reading the answers once. The export's targets (issue 16): CSV at most
3×, XLSX at most 6× the floor. `--before REF` also times the export of an earlier commit (a git
ref, checked out into a temporary worktree) on the same database, for a before/after in one run.
The floor and the exports are run `--repeat` times (3): the median is shown, as one run can be
slowed by the machine. The app's modules are compiled first, as an installed wheel's are. Prints
a table; writes bench/out/reports.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def run(cmd: list[str], env: dict[str, str], stdout=subprocess.DEVNULL, cwd: Path = ROOT,
        stderr=subprocess.PIPE) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident MB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def compile_modules(root: Path) -> None:
    """The app's modules compiled, as pip compiles an installed wheel's: else, with
    PYTHONDONTWRITEBYTECODE set (as on the development machine), every command compiles them
    again (0.1 s of each)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "questionnaire")],
                   check=True, stdout=subprocess.DEVNULL)


def median_of(times: int, cmd: list[str], env: dict[str, str], **how) -> tuple[float, float]:
    """The median seconds and the largest peak of `times` runs of a command."""
    runs = [run(cmd, env, **how) for _ in range(times)]
    return statistics.median(s for s, _ in runs), max(m for _, m in runs)


def floor_command(url: str, out: str) -> list[str]:
    if url.startswith("sqlite:///"):
        if not shutil.which("sqlite3"):
            sys.exit("the floor needs the sqlite3 command line (apt-get install sqlite3)")
        return ["sqlite3", "-csv", "-header", url.removeprefix("sqlite:///"),
                f".output {out}", "SELECT * FROM answer;"]
    return ["psql", psql_url(url), "-qc", f"\\copy answer to '{out}' csv header"]


def psql_url(url: str) -> str:
    """A PostgreSQL URL as psql takes it (the app also takes SQLAlchemy's +psycopg form)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def reset_postgres(url: str) -> None:
    subprocess.run(["psql", psql_url(url), "-qc",
                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                   check=True, stdout=subprocess.DEVNULL)


def settle(url: str) -> None:
    """After the bulk load, what autovacuum and the checkpointer would do in the next minute,
    done before anything is timed: else they ran beside the first commands measured (an export
    took 19 s instead of 12-13 s)."""
    for command in ("VACUUM ANALYZE", "CHECKPOINT"):
        subprocess.run(["psql", psql_url(url), "-qc", command], check=True,
                       stdout=subprocess.DEVNULL)


#: The export's targets: at most this many times the floor.
EXPORT_TARGETS = {"export csv": 3, "export xlsx": 6}


def count_in_libreoffice(workbook: Path, work: Path) -> dict[str, int]:
    """Open the workbook in LibreOffice (headless) and count the rows it reads on each sheet
    (without the header): what someone opening the export would find."""
    out = work / "libreoffice"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    subprocess.run(["soffice", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(out), str(workbook)], check=True, capture_output=True)
    counts = {}
    for sheet in sorted(out.glob("*.csv")):
        with open(sheet, encoding="utf-8", newline="") as f:
            counts[sheet.stem.removeprefix(workbook.stem + "-")] = sum(1 for _ in csv.reader(f)) - 1
    return counts


def measure(size: int, pg: str | None, work: Path, before: Path | None = None,
            libreoffice: bool = False, repeat: int = 3) -> dict:
    url = pg or f"sqlite:///{work / f'bench-{size}.db'}"
    if pg:
        reset_postgres(pg)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PSEUDONYM_KEY": "bench"}
    figures: dict[str, tuple[float, float]] = {}
    figures["start-up (--help)"] = run([*FLASK, "--help"], env)
    figures["demo-data"] = run([*FLASK, "demo-data", "--participants", str(size), "--seed", "1"],
                               env)
    if pg:
        settle(pg)
    figures["floor: dump answers"] = median_of(repeat, floor_command(url, str(work / "floor.csv")),
                                               env)
    for name in ("nns", "progression", "skapa"):
        figures[f"report {name}"] = run([*FLASK, "report", name, "--out",
                                         str(work / f"{name}.csv")], env)
    figures["export csv"] = median_of(repeat, [*FLASK, "export", "--out",
                                               str(work / "export.zip")], env)
    with open(work / "export.txt", "w") as said:  # what each run said, one line each
        figures["export xlsx"] = median_of(repeat, [*FLASK, "export", "--format", "xlsx", "--out",
                                                    str(work / "export.xlsx")], env, stderr=said)
    if before is not None:  # the earlier commit's code on the same database
        old = {**env, "PYTHONPATH": str(before)}
        for fmt, out in (("csv", "before.zip"), ("xlsx", "before.xlsx")):
            figures[f"export {fmt} (before)"] = median_of(
                repeat, [*FLASK, "export", "--format", fmt, "--out", str(work / out)], old,
                cwd=before)
    with open(work / "floor.csv", encoding="utf-8") as dump:
        rows = sum(1 for _ in dump) - 1
    result = {"participants": size, "answers": rows,
              "exported": (work / "export.txt").read_text(encoding="utf-8").splitlines()[-1],
              "figures": {k: {"seconds": round(s, 3), "peak_mb": round(m, 1)}
                          for k, (s, m) in figures.items()}}
    if libreoffice:
        result["libreoffice"] = count_in_libreoffice(work / "export.xlsx", work)
    return result



def rows(results: list[dict]) -> list[tuple]:
    """(figure, value, unit, floor, target, ok) for bench/run.py's table: each report and the
    export at each size against the dump, and the growth from the smallest to the largest."""
    out = []
    for r in results:
        floor = r["figures"]["floor: dump answers"]["seconds"]
        for name, fig in r["figures"].items():
            if name.startswith(("report", "export")):
                label = f"{name}, {r['participants']:,} participants".replace(",", " ")
                if name in EXPORT_TARGETS:
                    target = EXPORT_TARGETS[name]
                    out.append((label, fig["seconds"], "s", floor, f"≤ {target}× floor",
                                fig["seconds"] <= target * floor))
                else:
                    out.append((label, fig["seconds"], "s", floor,
                                f"peak {fig['peak_mb']:.0f} MB", None))
    if len(results) > 1:
        first, last = results[0], results[-1]
        scale = last["participants"] / first["participants"]
        for name, fig in last["figures"].items():
            if name.startswith(("report", "export")) and "before" not in name:
                growth = fig["seconds"] / first["figures"][name]["seconds"]
                out.append((f"{name}: growth ×{scale:.0f} participants", growth, "×", scale,
                            "≤ 12", growth <= 12))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database (emptied first)")
    parser.add_argument("--before", help="also time the export of this git ref (before/after)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the floor and of each export (the median is shown)")
    parser.add_argument("--libreoffice", action="store_true",
                        help="open each XLSX export in LibreOffice and count its rows")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        before = None
        if args.before:
            before = Path(tmp) / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(before), args.before],
                           cwd=ROOT, check=True, capture_output=True)
            compile_modules(before)
        compile_modules(ROOT)
        try:
            for size in args.sizes:
                print(f"… {size} participants", file=sys.stderr)
                results.append(measure(size, args.pg, Path(tmp), before, args.libreoffice,
                                       args.repeat))
        finally:
            if before is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT,
                               check=False, capture_output=True)
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
    for r in results:
        print(f"{r['participants']} participants: {r['exported']}")
        if "libreoffice" in r:
            found = r["libreoffice"]
            answers = sum(n for sheet, n in found.items() if sheet.startswith("answers"))
            print(f"  LibreOffice reads {answers} answers on "
                  f"{sum(s.startswith('answers') for s in found)} sheet(s), "
                  f"{found.get('assessments', 0)} questionnaires: {found}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "reports.json").write_text(json.dumps(
        {"database": database, "machine": platform.platform(), "cores": os.cpu_count(),
         "results": results}, indent=2))


if __name__ == "__main__":
    main()
