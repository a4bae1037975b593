"""Ballot codes as pure functions: the alphabet, the check symbol, typing slips, entropy."""

import math
import random

import pytest

from ratings.ballot import codes

# A fixed sample, so that a failure names the code it failed on and can be replayed.
SAMPLE = [
    "".join(random.Random(seed).choice(codes.ALPHABET) for _ in range(codes.DATA_SYMBOLS))
    for seed in range(300)
]
SAMPLE = [data + codes.check_symbol(data) for data in SAMPLE if codes.check_symbol(data) in codes.ALPHABET]


@pytest.mark.parametrize(
    ("data", "check"),
    [
        ("000000000", "0"),
        ("000000001", "1"),
        ("00000000Z", "Z"),  # 31
        ("000000010", "*"),  # 32: the first of the five extra check symbols
        ("000000014", "U"),  # 36: the last
        ("000000015", "0"),  # 37 wraps around
        ("00000016J", "D"),  # 1234, Crockford's own example value: 1234 mod 37 = 13
    ],
)
def test_check_symbol_of_known_values(data, check):
    assert codes.check_symbol(data) == check


def test_the_sample_is_large_enough():
    assert len(SAMPLE) > 200


@pytest.mark.parametrize("code", SAMPLE[:60])
def test_every_single_symbol_typo_is_caught(code):
    assert codes.is_well_formed(code)
    for position in range(len(code)):
        symbols = codes.CHECK_ALPHABET if position == len(code) - 1 else codes.ALPHABET
        for symbol in symbols:
            if symbol != code[position]:
                typo = code[:position] + symbol + code[position + 1 :]
                assert not codes.is_well_formed(typo), typo


@pytest.mark.parametrize("code", SAMPLE)
def test_every_adjacent_transposition_is_caught(code):
    for position in range(len(code) - 1):
        first, second = code[position], code[position + 1]
        if first != second:
            swapped = code[:position] + second + first + code[position + 2 :]
            assert not codes.is_well_formed(swapped), swapped


def test_wrong_length_and_unknown_symbols_are_not_well_formed():
    code = SAMPLE[0]
    assert not codes.is_well_formed(code[:-1])
    assert not codes.is_well_formed(code + "0")
    assert not codes.is_well_formed("")
    assert not codes.is_well_formed("U" + code[1:])  # U is a check symbol only


def test_typing_is_forgiving_as_crockford_says():
    code = "0000000011"  # 1 → check 1
    assert codes.is_well_formed(code)
    for typed in ("oooo-oooo-il", "OOOOO OOOL1", "0000o-000I1", " 00000-000l1 "):
        assert codes.normalize(typed) == code
    assert codes.normalize(codes.display(code).lower()) == code


def test_display_groups_five_and_five_and_reads_back():
    code = SAMPLE[1]
    shown = codes.display(code)
    assert len(shown) == 11 and shown[5] == "-"
    assert codes.normalize(shown) == code


def test_a_code_carries_at_least_40_bits():
    # 9 random symbols of 32, less the draws whose check would fall outside the alphabet (5 in 37).
    assert math.log2(32**codes.DATA_SYMBOLS * 32 / 37) >= 40
    drawn = {codes.new_code() for _ in range(500)}
    assert len(drawn) == 500
    assert all(len(code) == codes.DATA_SYMBOLS + 1 and codes.is_well_formed(code) for code in drawn)


def test_new_code_only_ever_ends_in_the_32_symbol_alphabet():
    assert all(codes.new_code()[-1] in codes.ALPHABET for _ in range(3000))


def test_new_code_draws_again_when_the_check_would_be_an_extra_symbol(monkeypatch):
    # First draw "000000010" (check "*"), then "000000001" (check "1").
    symbols = iter("000000010" + "000000001")
    monkeypatch.setattr(codes.secrets, "choice", lambda alphabet: next(symbols))
    assert codes.new_code() == "0000000011"


def test_the_stored_hash_is_keyed_and_bound_to_the_meeting():
    code = SAMPLE[2]
    stored = codes.code_hash(b"key", 1, code)
    assert code not in stored and len(stored) == 64
    assert stored != codes.code_hash(b"key", 2, code)
    assert stored != codes.code_hash(b"other key", 1, code)
    assert stored == codes.code_hash(b"key", 1, code)
