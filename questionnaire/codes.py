"""Participant codes: short, unambiguous when read aloud or handwritten, with a check character.

The alphabet leaves out characters that are easily confused (0/O/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G;
of U/V only U is kept). The last character is a Luhn mod N check character: a mistyped
character is always caught.
Codes are shown as `ABC-DEFG`; input is accepted with or without the dash, in any case.
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


def display(code: str) -> str:
    return f"{code[:3]}-{code[3:]}" if len(code) == BODY + 1 else code
