"""Puts the repository's top-level templates/, static/ and translations/ into the wheel.

They stay at the top of the repository (the design card's layout; a checkout and an editable
install use them there). A built wheel carries them inside the package, with every catalog
compiled to .mo here, at build time (.mo files are never committed):

  templates/     -> questionnaire/templates/
  static/        -> questionnaire/static/
  translations/  -> questionnaire/translations/LOCALE/LC_MESSAGES/DOMAIN.po and .mo
                    (the app lists the languages it offers from the .po files)

questionnaire/config.py looks for them in the package first, then in the checkout.
The rest of the packaging is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
COPIED = ("templates", "static")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        package = Path(self.build_lib) / "questionnaire"
        for name in COPIED:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target, ignore=IGNORED)
        for po in sorted(HERE.glob("translations/*/LC_MESSAGES/*.po")):
            mo = package / po.relative_to(HERE).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(po, mo.with_suffix(".po"))
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name.split("@")[0])
            with mo.open("wb") as f:
                write_mo(f, catalog)  # fuzzy entries left out, as pybabel compile does

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        package = Path(self.build_lib) / "questionnaire"
        extra = [str(p) for name in (*COPIED, "translations")
                 for p in (package / name).rglob("*") if p.is_file()]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildWithResources})
