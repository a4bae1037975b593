import datetime

import pytest
from django.test import override_settings

from portal import idcard
from portal.idcard import IdNumberError, parse_id_number
from tests.factories import valid_id_number

# The worked example of GB 11643-1999, whose check symbol is X.
STANDARD_EXAMPLE = "11010519491231002X"


pytestmark = pytest.mark.usefixtures("english")


def test_the_standard_example_is_valid():
    number = parse_id_number(STANDARD_EXAMPLE)
    assert number.birth_date == datetime.date(1949, 12, 31)
    assert number.last4 == "002X"


def test_a_lowercase_x_and_spaces_are_accepted_and_normalized():
    number = parse_id_number(" 110105 19491231 002x ")
    assert number.normalized == STANDARD_EXAMPLE


def test_with_check_symbol_completes_a_valid_number():
    assert idcard.with_check_symbol(STANDARD_EXAMPLE[:17]) == STANDARD_EXAMPLE
    assert parse_id_number(valid_id_number(42, 1985)).birth_date.year == 1985


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11010519491231002", "18 characters"),
        ("11010519491231002X1", "18 characters"),
        ("1101051949123100AX", "only digits"),
        ("X10105194912310020", "only digits"),
        ("110105194913310027", "impossible birth date"),  # month 13
        ("110105189912310020", "impossible birth date"),  # before 1900
        ("110105194912310021", "check digit is wrong"),
    ],
)
def test_an_invalid_number_is_refused_with_its_reason(raw, reason):
    with pytest.raises(IdNumberError, match=reason):
        parse_id_number(raw)


def test_a_birth_date_in_the_future_is_refused():
    next_year = datetime.date.today().year + 1
    with pytest.raises(IdNumberError, match="impossible birth date"):
        parse_id_number(idcard.with_check_symbol(f"110105{next_year}0101002"))


def test_every_single_digit_typo_is_caught_by_the_check_symbol():
    number = valid_id_number(123, 1970)
    for position in range(17):
        digit = number[position]
        typo = number[:position] + str((int(digit) + 1) % 10) + number[position + 1 :]
        with pytest.raises(IdNumberError):
            parse_id_number(typo)


def test_the_keyed_hash_hides_the_number_and_depends_on_the_deployment_key():
    keyed_hash = parse_id_number(STANDARD_EXAMPLE).keyed_hash
    assert keyed_hash == parse_id_number(STANDARD_EXAMPLE.lower()).keyed_hash
    assert STANDARD_EXAMPLE not in keyed_hash
    assert keyed_hash != parse_id_number(valid_id_number(1)).keyed_hash
    with override_settings(ROLL_HASH_KEY="another deployment"):
        assert parse_id_number(STANDARD_EXAMPLE).keyed_hash != keyed_hash
