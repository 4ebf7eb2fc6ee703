"""The translation workflow (Babel). Swedish is the source language: msgids are Swedish.

  python tools/catalogs.py extract          code and templates -> translations/messages.pot
  python tools/catalogs.py update           messages.pot -> every LOCALE/LC_MESSAGES/messages.po
  python tools/catalogs.py init LOCALE      start a new language
  python tools/catalogs.py compile          .po -> .mo (never committed; built by make)
  python tools/catalogs.py check            fails if messages.pot is stale or a catalog lacks a
                                            translation
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
KEYWORDS = ["-k", "_l", "-k", "N_", "-k", "lazy_gettext"]


def pybabel(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pybabel {args[0]} failed:\n{done.stderr}")


def extract(target: Path = POT) -> None:
    pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--sort-by-file", "--no-wrap",
            "--project", "Stegvis", "--copyright-holder", "Stegvis", "-o", str(target), ".")


def catalogs() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def msgids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def check() -> int:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        if not POT.exists() or msgids(fresh) != msgids(POT):
            problems.append("translations/messages.pot is stale: run `make translations`")
    wanted = msgids(POT) if POT.exists() else set()
    for po in catalogs():
        with po.open("rb") as f:
            catalog = read_po(f)
        locale = po.parent.parent.name
        done = {m.id for m in catalog if m.id and m.string and not m.fuzzy
                and (not isinstance(m.string, tuple) or all(m.string))}
        missing = wanted - done
        if missing:
            sample = next(iter(missing))
            problems.append(f"{locale}: {len(missing)} of {len(wanted)} strings untranslated "
                            f"or fuzzy (e.g. {sample!r})")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"catalogs complete: {len(wanted)} strings, {len(catalogs())} languages")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "update":
        extract()
        if catalogs():
            pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-wrap",
                    "--ignore-obsolete")
    elif command == "init":
        pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", argv[1], "--no-wrap")
    elif command == "compile":
        if catalogs():
            pybabel("compile", "-d", str(TRANSLATIONS))
    elif command == "check":
        return check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
