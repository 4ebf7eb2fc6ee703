"""The wheel, as an operator gets it: build, install outside the checkout, run, fetch pages.

  python tools/check_wheel.py [--keep]

1. Copies the files git tracks into a temporary folder (nothing untracked or ignored gets in:
   no .mo, no database, no virtualenv) and runs `python -m build` there (sdist, then the wheel
   from the sdist, as a release would).
2. Every tracked file of questionnaire/, templates/ and static/ must be in the wheel, and a
   every translations/*/LC_MESSAGES/*.po with its compiled .mo; tests, tools and caches must not.
3. Installs the wheel into a fresh virtualenv outside the checkout; `pip check`.
4. From an empty folder, with a fresh HOME and nothing of the checkout importable:
   `flask --app questionnaire init-db`, `demo-data`, `version`; the SQLite file and the
   generated keys land in ~/.local/share/stegvis, readable by their owner only.
5. Starts `gunicorn 'questionnaire:create_app()'` on a free loopback port; opens the demo
   participant's link in Arabic (dir="rtl", a string from the Arabic catalog, every stylesheet,
   script and font the page uses), and logs in as the demo handledare (the footer shows the
   version from the package metadata).

Exits non-zero with the reason on the first thing that is wrong.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# A string on every participant page, and one on the staff log-in page (their catalogs must work).
QUESTION_PAGE_MSGID = "Språk"
STAFF_MSGID = "Logga in"


class Failed(Exception):
    pass


def run(cmd: list[str], **kwargs) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise Failed(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def tracked_copy(target: Path) -> list[str]:
    files = run(["git", "ls-files", "-z"], cwd=ROOT).split("\0")
    files = [f for f in files if f and (ROOT / f).is_file()]
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return files


def expected_in_wheel(tracked: list[str]) -> set[str]:
    wanted = set()
    for name in tracked:
        parts = Path(name).parts
        if parts[0] == "questionnaire":
            wanted.add(name)
        elif parts[0] in ("templates", "static"):
            wanted.add(f"questionnaire/{name}")
        elif parts[0] == "translations" and name.endswith(".po"):
            wanted.add(f"questionnaire/{name}")  # the app offers the languages it finds
            wanted.add(f"questionnaire/{name[:-3]}.mo")
    return wanted


def check_contents(wheel: Path, tracked: list[str]) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(expected_in_wheel(tracked) - names)
    if missing:
        raise Failed(f"{wheel.name} lacks {len(missing)} file(s):\n  " + "\n  ".join(missing))
    junk = sorted(n for n in names if "__pycache__" in n or n.endswith((".pyc", ".db"))
                  or n.split("/")[0] in ("tests", "tools", "bench", "instance", "docs"))
    if junk:
        raise Failed(f"{wheel.name} holds files it should not:\n  " + "\n  ".join(junk))
    small = [n for n in names if n.endswith(".mo") and zipfile.ZipFile(wheel).getinfo(n).file_size
             < 100]
    if small:
        raise Failed(f"empty catalogs in {wheel.name}: {small}")
    print(f"   {len(names)} files, none missing")


def translation(po: Path, msgid: str) -> str:
    with po.open("rb") as f:
        text = read_po(f).get(msgid).string
    if not text:
        raise Failed(f"{po} has no translation of {msgid!r}")
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_environment(home: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STEGVIS_", "FLASK_", "PYTHON", "XDG_"))
           and k not in ("DATABASE_URL", "SECRET_KEY", "PSEUDONYM_KEY", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               PYTHONNOUSERSITE="1")
    return env


def owner_only(path: Path, mode: int) -> None:
    if not path.exists():
        raise Failed(f"{path} was not created")
    actual = stat.S_IMODE(path.stat().st_mode)
    if actual != mode:
        raise Failed(f"{path} has mode {actual:o}, expected {mode:o}")


class Page(HTMLParser):
    """What a check needs from a page: the <html> attributes, linked files, form fields."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html_attrs: dict[str, str | None] = {}
        self.links: list[str] = []
        self.fields: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_attrs = a
        elif tag == "link" and a.get("rel") in ("stylesheet", "preload", "icon") and a.get("href"):
            self.links.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.links.append(a["src"])
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str, data: dict[str, str] | None = None) -> tuple[str, str, bytes]:
        """(final URL, Content-Type, body); fails on anything but 200."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.parse.urljoin(self.base, url), body, timeout=30) as r:
                return r.geturl(), r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            raise Failed(f"GET {url}: {e.code}") from e


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failed(f"gunicorn exited {server.returncode}:\n{server.stderr.read()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise Failed(f"gunicorn did not answer on {url} within {seconds} s")


def check_served(browser: Browser, link: str, handledare: tuple[str, str], version: str,
                 arabic: str, english: str) -> None:
    question_url, _, _ = browser.get(urllib.parse.urlsplit(link).path)
    url, _, body = browser.get(f"{urllib.parse.urlsplit(question_url).path}?lang=ar")
    html = body.decode()
    page = Page(html)
    if page.html_attrs.get("dir") != "rtl" or page.html_attrs.get("lang") != "ar":
        raise Failed(f"{url}: <html {page.html_attrs}>, expected lang=ar dir=rtl")
    if arabic not in html:
        raise Failed(f"{url}: the Arabic catalog's {arabic!r} is not on the page")
    fonts = re.findall(r'url\("?(/static/[^")]+)"?\)', html)
    assets = [*page.links, *fonts]
    if not any(".css" in a for a in assets) or not fonts:
        raise Failed(f"{url}: expected a stylesheet and an Arabic font face, found {assets}")
    for asset in assets:
        _, kind, data = browser.get(asset)
        expected = ("text/css" if ".css" in asset else "javascript" if ".js" in asset
                    else "font/woff2")
        if expected not in kind or not data:
            raise Failed(f"{asset}: Content-Type {kind!r}, {len(data)} bytes")
        if kind.startswith("text/css"):
            for inner in re.findall(r'url\("?(/static/[^")]+)"?\)', data.decode()):
                browser.get(inner)
        print(f"   {asset}: {kind}, {len(data)} bytes")

    _, _, body = browser.get("/personal/logga-in?lang=en")
    login = Page(body.decode())
    if english not in body.decode():
        raise Failed(f"the staff log-in page lacks the English catalog's {english!r}")
    email, password = handledare
    _, _, body = browser.get("/personal/logga-in", {**login.fields, "email": email,
                                                    "password": password})
    if f"Stegvis {version}" not in body.decode():
        raise Failed(f"the staff page's footer does not show 'Stegvis {version}'")
    print(f"   logged in as {email}; footer shows Stegvis {version}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    tmp = Path(tempfile.mkdtemp(prefix="stegvis-wheel-"))
    server = None
    try:
        src, dist, venv, home, empty = (tmp / n for n in ("src", "dist", "venv", "home", "run"))
        for folder in (src, home, empty):
            folder.mkdir()
        print("== wheel: build from the tracked files")
        tracked = tracked_copy(src)
        run([sys.executable, "-m", "build", "--outdir", str(dist), str(src)])
        wheel = next(dist.glob("stegvis-*.whl"))
        check_contents(wheel, tracked)

        print(f"== wheel: install {wheel.name} into a fresh virtualenv")
        run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        run([*pip, "install", "-q", str(wheel)])
        run([*pip, "check"])
        env = clean_environment(home, venv)
        where = run([str(venv / "bin" / "python"), "-c",
                     "import questionnaire; print(questionnaire.__file__)"], cwd=empty, env=env)
        if not Path(where.strip()).is_relative_to(venv):
            raise Failed(f"questionnaire was imported from {where.strip()}, not the virtualenv")
        version = run([str(venv / "bin" / "python"), "-c",
                       "import importlib.metadata as m; print(m.version('stegvis'))"],
                      env=env).strip()

        print("== wheel: init-db and demo-data from an empty folder")
        flask = [str(venv / "bin" / "flask"), "--app", "questionnaire"]
        run([*flask, "init-db"], cwd=empty, env=env)
        demo = run([*flask, "demo-data", "--participants", "5", "--seed", "1"], cwd=empty, env=env)
        shown = run([*flask, "version"], cwd=empty, env=env).strip()
        if shown != f"Stegvis {version}":
            raise Failed(f"flask version printed {shown!r}, the package is {version}")
        instance = home / ".local" / "share" / "stegvis"
        owner_only(instance, 0o700)
        for name in ("stegvis.db", "secret_key", "pseudonym_key"):
            owner_only(instance / name, 0o600)
        if list(empty.iterdir()):
            raise Failed(f"the commands wrote into the current folder: {list(empty.iterdir())}")
        link = re.search(r"https?://\S+/l/\S+", demo)
        login = re.search(r":\s*(\S+@\S+)\s+\S+:\s*(\S+)", demo)
        if not link or not login:
            raise Failed(f"demo-data printed no participant link or login:\n{demo}")

        print("== wheel: gunicorn 'questionnaire:create_app()'")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(venv / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
             "questionnaire:create_app()"],
            cwd=empty, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(f"{base}/", server)
        translations = src / "translations"
        check_served(Browser(base), link.group(0), (login.group(1), login.group(2)), version,
                     translation(translations / "ar/LC_MESSAGES/messages.po", QUESTION_PAGE_MSGID),
                     translation(translations / "en/LC_MESSAGES/staff.po", STAFF_MSGID))
        print("== wheel: ok")
        return 0
    except Failed as e:
        print(f"wheel check FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.keep:
            print(f"   kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
