"""Participant codes: short, unambiguous when read aloud or handwritten, with a check character.

The alphabet leaves out characters that are easily confused (0/O/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G;
of U/V only U is kept). The last character is a Luhn mod N check character: a mistyped
character is always caught.
Codes are shown as `ABC-DEFG`; input is accepted with or without the dash, in any case.
`normalise` is the one spelling a code is stored and looked up in (every entry point uses it).

Codes made before Stegvis ("legacy codes", e.g. a paper form's `P-001`) are accepted by the paper
import for new participants only in a documented shape that a name cannot take: capital letters
A–Z and digits, at most 16 characters, groups joined by single dashes, at least one digit and no
more than four letters in a row. Something that looks like a name (a word with small letters)
never becomes a code, and neither does a generated-looking code whose check character is wrong.
"""

from __future__ import annotations

import random
import re

ALPHABET = "ACEFHJKMNPRTUWXY3479"  # 20: Luhn mod N needs an even size
BODY = 6


def _check_char(body: str) -> str:
    n = len(ALPHABET)
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def generate(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    body = "".join(rng.choice(ALPHABET) for _ in range(BODY))
    return body + _check_char(body)


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def is_valid(code: str) -> bool:
    code = normalise(code)
    return (
        len(code) == BODY + 1
        and all(ch in ALPHABET for ch in code)
        and _check_char(code[:-1]) == code[-1]
    )


def looks_generated(code: str) -> bool:
    """Written like a generated code (right length and alphabet), whether or not it checks."""
    code = normalise(code)
    return len(code) == BODY + 1 and all(ch in ALPHABET for ch in code)


_LEGACY = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def is_legacy(written: str) -> bool:
    """A legacy code of the documented shape (see the module's docstring), as written."""
    written = written.strip()
    return (
        len(written) <= 16
        and _LEGACY.fullmatch(written) is not None
        and any(ch.isdigit() for ch in written)
        and max(len(run) for run in re.split(r"[^A-Z]", written)) <= 4
        and not looks_generated(written)
    )


def looks_like_name(written: str) -> bool:
    """A word of three or more letters with small letters in it (Anna, svensson): a name, not a
    code. Generated codes in small letters are not names (they check)."""
    return not is_valid(written) and re.search(
        r"(?=[^\W\d_]*[^\W\dA-Z_])[^\W\d_]{3,}", written) is not None


def display(code: str) -> str:
    return f"{code[:3]}-{code[3:]}" if len(code) == BODY + 1 else code
