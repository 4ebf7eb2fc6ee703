"""The translation workflow (Babel). Swedish is the source language: msgids are Swedish.

Two gettext domains, so that what a participant reads can be complete in every language:
  messages  everything a participant sees (questions, scales, their pages)   babel.cfg
  staff     staff pages, command line, import errors (Swedish and English)    babel-staff.cfg

  python tools/catalogs.py extract          code and templates -> translations/DOMAIN.pot
  python tools/catalogs.py update           DOMAIN.pot -> every LOCALE/LC_MESSAGES/DOMAIN.po
  python tools/catalogs.py init LOCALE [DOMAIN]   start a new language (domain: messages)
  python tools/catalogs.py compile          .po -> .mo (never committed; built by `make setup`)
  python tools/catalogs.py check            fails if a .pot is stale, a language in
                                            questionnaire/i18n.py has no catalog, a catalog
                                            lacks a translation, or (where gettext is
                                            installed) `msgfmt -c` rejects a catalog

Stegvis formats messages only with named placeholders (`%(n)s`). Babel also flags a msgid such
as "% sämre" as python-format ("% s" looks like a conversion); extract and update mark those
`no-python-format`, so that `msgfmt -c` checks the real format strings and nothing else.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
DOMAINS = {"messages": "babel.cfg", "staff": "babel-staff.cfg"}
KEYWORDS = ["-k", "_l", "-k", "N_", "-k", "lazy_gettext", "-k", "NC_:1c,2"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
PYTHON_FORMAT_FLAG = re.compile(r"(?<!no-)python-format")


def mark_format_flags(path: Path) -> None:
    """`no-python-format` on every entry whose msgid has no named placeholder (see above)."""
    entries = path.read_text(encoding="utf-8").split("\n\n")
    for n, entry in enumerate(entries):
        lines = entry.split("\n")
        ids = "".join(line for line in lines if line.startswith(("msgid", '"')) and
                      not line.startswith("msgstr"))
        if PLACEHOLDER.search(ids):
            continue
        entries[n] = "\n".join(_no_python_format(line) if line.startswith("#, ") else line
                               for line in lines)
    path.write_text("\n\n".join(entries), encoding="utf-8")


def _no_python_format(flags_line: str) -> str:
    flags = [PYTHON_FORMAT_FLAG.sub("no-python-format", f.strip())
             for f in flags_line[2:].split(",")]
    return "#, " + ", ".join(dict.fromkeys(flags))  # once each, in their order


def msgfmt_problems(path: Path) -> list[str]:
    """What gettext's own checker (`msgfmt -c`) finds wrong; nothing when it is not installed."""
    if shutil.which("msgfmt") is None:
        return []
    done = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True,
                          text=True)
    if done.returncode == 0:
        return []
    return [f"msgfmt -c: {line}" for line in done.stderr.splitlines()
            if "warning:" not in line and line.strip()]


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
    mark_format_flags(target or pot(domain))


def catalogs(domain: str) -> list[Path]:
    return sorted(TRANSLATIONS.glob(f"*/LC_MESSAGES/{domain}.po"))


def msgids(path: Path) -> set[tuple[str | None, str | tuple[str, ...]]]:
    """(msgctxt, msgid) of every message: a label with a context is a message of its own."""
    with path.open("rb") as f:
        return {(m.context, m.id) for m in read_po(f) if m.id}


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
            done = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy
                    and (not isinstance(m.string, tuple) or all(m.string))}
            for m in catalog:
                ids, texts = _forms(m.id), _forms(m.string)
                for n, text in enumerate(texts):
                    source = ids[min(n, len(ids) - 1)]  # plural forms after the first: msgid_plural
                    wanted_names = sorted(PLACEHOLDER.findall(source))
                    found = sorted(PLACEHOLDER.findall(text))
                    # A plural form for exactly one number may write it in words ("إجابة
                    # واحدة"), as long as it names no placeholder the msgid lacks.
                    if text and found != wanted_names and not (
                            len(ids) > 1 and set(found) <= set(wanted_names)):
                        problems.append(f"{code}/{domain}: placeholders differ in {text!r}")
                if len(ids) > 1 and all(texts) and not any(
                        sorted(PLACEHOLDER.findall(t)) == sorted(PLACEHOLDER.findall(ids[1]))
                        for t in texts):
                    problems.append(f"{code}/{domain}: no plural form of {ids[0]!r} keeps its "
                                    "placeholders")
            problems.extend(f"{code}/{domain}: {p}" for p in msgfmt_problems(po))
            missing = wanted - done
            if missing:
                sample = sorted(str(m[1]) for m in missing)[0]
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
            for po in catalogs(domain):
                mark_format_flags(po)
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
