"""Babel extraction of the instrument files shipped with Stegvis (babel.cfg).

The default-language texts of `files/*.xlsx` become msgids of the participant catalog, so the
shipped instruments are translated like every other text (a file's own label::LANG columns,
where it has them, come first; see `i18n.tr`). Only forms that participants answer are
extracted: a professional form (settings `respondents`: personal, remittent, chefsgrupp,
styrelse) is answered in Swedish by staff and partners, never shown in a participant's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from questionnaire.instruments import xlsform


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: Any) -> Iterator[tuple[int, None, str, list[str]]]:
    definition = xlsform.read(fileobj.read())
    settings = definition["settings"]
    if settings.get("respondents", "deltagare") != "deltagare":
        return
    default = settings["default_language"]
    key = settings["form_id"]
    for column in ("form_title", "short_title"):
        if settings.get(column):
            yield 1, None, settings[column], [f"{key}: {column}"]
    for n, row in enumerate(definition["survey"], start=2):
        for kind in ("label", "hint", "area"):
            if row.get(kind):
                yield n, None, row[kind][default], [f"{key} {row['name']}: {kind}"]
    for n, row in enumerate(definition["choices"], start=2):
        yield n, None, row["label"][default], [f"{key} list {row['list_name']}: step {row['name']}"]
