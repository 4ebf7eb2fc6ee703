"""What a reader of a page sees, for assertions that something is NOT shown.

`"N1" not in response.text` can fail by chance: the page's random CSP nonce and CSRF token
hold short letter-digit runs too. Assert on the visible text instead (no tags, attributes,
scripts, styles or templates), and on whole words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

HIDDEN = {"script", "style", "template", "head"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def shows_word(html: str, word: str) -> bool:
    """`word` stands as a word of its own in the visible text."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", visible_text(html)) is not None


def script_sources(html: str) -> list[str]:
    return re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
