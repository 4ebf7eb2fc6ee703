import random

from questionnaire import codes


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
