import random

import pytest

from questionnaire.casework import codes


def test_generated_codes_are_valid_and_unambiguous():
    rng = random.Random(4)
    for _ in range(500):
        code = codes.generate(rng)
        assert codes.is_valid(code)
        assert not set(code) & set("0O1IL2Z5S8B6GVD")


def test_check_character_catches_a_mistyped_character_and_a_swap():
    code = codes.generate(random.Random(1))
    for n in range(len(code)):
        for ch in codes.ALPHABET:
            if ch != code[n]:
                assert not codes.is_valid(code[:n] + ch + code[n + 1:])
    swapped = code[1] + code[0] + code[2:]
    assert code[0] == code[1] or not codes.is_valid(swapped)


def test_input_is_forgiving_about_case_and_dash():
    code = codes.generate(random.Random(2))
    assert codes.is_valid(codes.display(code).lower())


@pytest.mark.parametrize(("written", "legacy", "name"), [
    ("P-001", True, False), ("T-0042", True, False), ("12345", True, False),
    ("PROJ-2024-1", True, False),
    ("AnnaSvensson85", False, True), ("anna", False, True), ("Åsa12", False, True),
    ("SVENSSON85", False, False),  # capitals, but five letters in a row: not a legacy code
    ("p001", False, False),  # legacy codes are written in capitals
    ("P--001", False, False), ("P-0001-0001-0001-1", False, False),  # shape, length
])
def test_legacy_codes_have_a_shape_a_name_cannot_take(written, legacy, name):
    assert codes.is_legacy(written) is legacy
    assert codes.looks_like_name(written) is name


def test_generated_codes_are_neither_legacy_nor_names_in_any_case():
    code = codes.generate(random.Random(3))
    for written in (code, codes.display(code), codes.display(code).lower()):
        assert codes.looks_generated(written)
        assert not codes.is_legacy(written)
        assert not codes.looks_like_name(written)
    assert codes.normalise(" fup-hnky ") == "FUPHNKY"
