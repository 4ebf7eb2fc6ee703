"""The translation workflow (Babel). Swedish is the source language: msgids are Swedish.

Two gettext domains, so that what a participant reads can be complete in every language:
  messages  everything a participant sees (questions, scales, their pages)   babel.cfg
  staff     staff pages, command line, import errors (Swedish and English)    babel-staff.cfg

  python tools/catalogs.py extract          code and templates -> translations/DOMAIN.pot
  python tools/catalogs.py update           DOMAIN.pot -> every LOCALE/LC_MESSAGES/DOMAIN.po
  python tools/catalogs.py init LOCALE [DOMAIN]   start a new language (domain: messages)
  python tools/catalogs.py compile          .po -> .mo (never committed; built by `make setup`)
  python tools/catalogs.py check            fails if a .pot is stale, a language in
                                            questionnaire/i18n.py has no catalog, or a catalog
                                            lacks a translation
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
DOMAINS = {"messages": "babel.cfg", "staff": "babel-staff.cfg"}
KEYWORDS = ["-k", "_l", "-k", "N_", "-k", "lazy_gettext"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def pybabel(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pybabel {args[0]} failed:\n{done.stderr}")


def pot(domain: str) -> Path:
    return TRANSLATIONS / f"{domain}.pot"


def extract(domain: str, target: Path | None = None) -> None:
    # Locations name the file only: line numbers would change every catalog on every edit.
    pybabel("extract", "-F", DOMAINS[domain], *KEYWORDS, "--sort-by-file", "--no-wrap",
            "--add-location", "file",
            "--project", "Stegvis", "--copyright-holder", "Stegvis",
            "-o", str(target or pot(domain)), ".")


def catalogs(domain: str) -> list[Path]:
    return sorted(TRANSLATIONS.glob(f"*/LC_MESSAGES/{domain}.po"))


def msgids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def wanted_languages() -> dict[str, list[str]]:
    """Which catalogs questionnaire/i18n.py promises: every language for `messages`, the staff
    languages for `staff` (Swedish is the source and has none)."""
    sys.path.insert(0, str(ROOT))
    from questionnaire.i18n import LANGUAGES

    return {
        "messages": [lang.code for lang in LANGUAGES if lang.code != "sv"],
        "staff": [lang.code for lang in LANGUAGES if lang.staff and lang.code != "sv"],
    }


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def check() -> int:
    problems = []
    promised = wanted_languages()
    for domain in DOMAINS:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / f"{domain}.pot"
            extract(domain, fresh)
            if not pot(domain).exists() or msgids(fresh) != msgids(pot(domain)):
                problems.append(f"translations/{domain}.pot is stale: run `make translations`")
        wanted = msgids(pot(domain)) if pot(domain).exists() else set()
        present = {po.parent.parent.name for po in catalogs(domain)}
        for code in sorted(set(promised[domain]) - present):
            problems.append(f"{code}: no {domain}.po (run `python tools/catalogs.py init {code}"
                            f"{'' if domain == 'messages' else ' ' + domain}`)")
        for po in catalogs(domain):
            with po.open("rb") as f:
                catalog = read_po(f)
            code = po.parent.parent.name
            done = {m.id for m in catalog if m.id and m.string and not m.fuzzy
                    and (not isinstance(m.string, tuple) or all(m.string))}
            for m in catalog:
                ids, texts = _forms(m.id), _forms(m.string)
                for n, text in enumerate(texts):
                    source = ids[min(n, len(ids) - 1)]  # plural forms after the first: msgid_plural
                    if text and sorted(PLACEHOLDER.findall(source)) != sorted(
                            PLACEHOLDER.findall(text)):
                        problems.append(f"{code}/{domain}: placeholders differ in {text!r}")
            missing = wanted - done
            if missing:
                sample = sorted(map(str, missing))[0]
                problems.append(f"{code}/{domain}: {len(missing)} of {len(wanted)} strings "
                                f"untranslated or fuzzy (e.g. {sample!r})")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        counts = ", ".join(f"{d}: {len(msgids(pot(d)))} strings in {len(catalogs(d))} languages"
                           for d in DOMAINS)
        print(f"catalogs complete ({counts})")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        for domain in DOMAINS:
            extract(domain)
    elif command == "update":
        for domain in DOMAINS:
            extract(domain)
            if catalogs(domain):
                pybabel("update", "-D", domain, "-i", str(pot(domain)), "-d", str(TRANSLATIONS),
                        "--no-wrap", "--ignore-obsolete")
    elif command == "init":
        domain = argv[2] if len(argv) > 2 else "messages"
        pybabel("init", "-D", domain, "-i", str(pot(domain)), "-d", str(TRANSLATIONS),
                "-l", argv[1], "--no-wrap")
    elif command == "compile":
        for domain in DOMAINS:
            if catalogs(domain):
                pybabel("compile", "-D", domain, "-d", str(TRANSLATIONS))
    elif command == "check":
        return check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
