"""Test vectors for the Swedish bank account and personal identity number checks.

Valid accounts come from published examples (other libraries' tests and bank documentation) where
they exist; the others are built with the bank's rule and marked so, each with an invalid twin
that differs in one digit.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from pydantic import ValidationError

from fortnox_bridge.flows.hr.records import HostEmployee
from fortnox_bridge.flows.hr.validation import (
    BANKS,
    InvalidNumber,
    bank_for_clearing,
    check_bank_account,
    check_clearing_number,
    check_personal_identity_number,
    luhn_ok,
)

TODAY = date(2026, 5, 1)

# (clearing, account, bank, normalised account) — every account type and comment of Bankgirot.
VALID_ACCOUNTS = [
    # Type 1, comment 1: mod 11 over the clearing's last three digits and the account.
    ("9420", "417 23 85", "Forex Bank", "4172385"),  # published example
    ("9071", "417 23 83", "Multitude Bank", "4172383"),  # published example
    ("5000", "1234560", "SEB", "1234560"),  # built with the rule (see test_built_vectors)
    ("7000", "654 32 19", "Swedbank", "6543219"),  # built with the rule
    # Type 1, comment 2: mod 11 over all four clearing digits and the account.
    ("9029", "5735211", "Länsförsäkringar Bank", "5735211"),  # published example
    ("9789", "1111113", "Klarna Bank", "1111113"),  # published example
    ("4000", "1234567", "Nordea", "1234567"),  # built with the rule
    # Type 2, comment 1: 10 digits, mod 10.
    ("3300", "000620-5124", "Nordea (personkonto)", "0006205124"),  # published example
    ("9180", "1234567897", "Danske Bank", "1234567897"),  # built (Luhn)
    ("9570", "1234567897", "Sparbanken Syd", "1234567897"),  # built (Luhn)
    ("9300", "1234567897", "Swedbank", "1234567897"),  # built (Luhn)
    # Type 2, comment 2: Handelsbanken, 9 digits, mod 11.
    ("6789", "123456789", "Handelsbanken", "123456789"),  # published example
    # Type 2, comment 3: Swedbank 8xxx-x and Plusgirot, up to 10 digits, mod 10.
    ("8424-4", "983 189 224-6", "Swedbank", "9831892246"),  # published example
    ("8351-9", "392 242 224-5", "Swedbank", "3922422245"),  # published example
    ("8129-9", "043 386 711-6", "Swedbank", "0433867116"),  # published example
    ("8424", "983 189 224-6", "Swedbank", "9831892246"),  # the fifth clearing digit left out
    ("9500", "42", "Nordea (Plusgirot)", "42"),  # built: zero-filled to 0000000042
]

INVALID_ACCOUNTS = [
    ("9420", "4172386", "check digit"),  # Forex, type 1 comment 1
    ("5000", "1234561", "check digit"),  # SEB, type 1 comment 1
    ("4000", "1234568", "check digit"),  # Nordea 4000, type 1 comment 2
    ("9029", "5735214", "check digit"),  # Länsförsäkringar, type 1 comment 2
    ("3300", "0006205125", "check digit"),  # Nordea personkonto, type 2 comment 1
    ("9180", "1234567898", "check digit"),  # Danske Bank, type 2 comment 1
    ("6789", "123456788", "check digit"),  # Handelsbanken, type 2 comment 2
    ("8424-4", "9831892247", "check digit"),  # Swedbank, type 2 comment 3
    ("8424-4", "9831892247", "old Swedbank accounts"),  # … with the Swedbank exception named
    ("6789", "12345678", "has 8 digits"),  # Handelsbanken account too short
    ("9420", "41723850", "has 8 digits"),  # type 1 account too long
    ("3300", "620512", "has 6 digits"),  # personkonto too short
]


@pytest.mark.parametrize(("clearing", "account", "bank", "normalised"), VALID_ACCOUNTS)
def test_valid_account_numbers_of_every_type(
    clearing: str, account: str, bank: str, normalised: str
) -> None:
    checked = check_bank_account(clearing, account)
    assert (checked.bank, checked.account_number) == (bank, normalised)
    assert checked.clearing_number == clearing.replace("-", "")


@pytest.mark.parametrize(("clearing", "account", "why"), INVALID_ACCOUNTS)
def test_invalid_account_numbers_are_refused_with_the_reason(
    clearing: str, account: str, why: str
) -> None:
    with pytest.raises(InvalidNumber, match=why):
        check_bank_account(clearing, account)


def _mod11(digits: str) -> int:
    """Bankgirot's modulus 11, written out independently: weights 1–10 repeating, from the
    right."""
    return sum((i % 10 + 1) * int(d) for i, d in enumerate(reversed(digits))) % 11


def test_built_vectors() -> None:
    assert _mod11("000" + "1234560") == 0  # SEB 5000: comment 1 takes the clearing's last 3
    assert _mod11("000" + "6543219") == 0  # Swedbank 7000
    assert _mod11("4000" + "1234567") == 0  # Nordea 4000: comment 2 takes all 4
    assert _mod11("9029" + "5735211") == 0


@pytest.mark.parametrize(
    ("clearing", "why"),
    [
        ("1000", "belongs to no Swedish bank"),  # Sveriges Riksbank: no accounts
        ("2200", "belongs to no Swedish bank"),
        ("123", "has 3 digits"),
        ("61234", "only Swedbank"),
        ("8424-1", "fifth digit is Swedbank's check digit"),
        ("8424 4x", "characters other than digits"),
    ],
)
def test_clearing_numbers_are_checked(clearing: str, why: str) -> None:
    with pytest.raises(InvalidNumber, match=why):
        check_clearing_number(clearing)


def test_every_clearing_range_is_disjoint_and_found() -> None:
    ordered = sorted(BANKS, key=lambda rule: rule.first)
    for before, after in itertools.pairwise(ordered):
        assert before.last < after.first, (before, after)
    for rule in BANKS:
        assert bank_for_clearing(str(rule.first)) == rule
        assert bank_for_clearing(str(rule.last)) == rule
    personkonto, ordinary = bank_for_clearing("3300"), bank_for_clearing("3301")
    assert personkonto is not None
    assert ordinary is not None
    assert (personkonto.type, ordinary.type) == (2, 1)


def test_luhn() -> None:
    assert luhn_ok("8803200016")
    assert not luhn_ok("8803200018")


# -- personal identity numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "normalised"),
    [
        ("19121212-1212", "191212121212"),  # Skatteverket's example person
        ("191212121212", "191212121212"),
        ("121212-1212", "201212121212"),  # 10 digits, '-': under 100 years old
        ("121212+1212", "191212121212"),  # '+': 100 or older
        ("1212121212", "201212121212"),
        ("880320-0016", "198803200016"),
        (" 880320 - 0016 ", "198803200016"),
        ("701063-2391", "197010632391"),  # coordination number: day 63 = 3rd + 60
        ("19701063-2391", "197010632391"),
        ("000229-0005", "200002290005"),  # 29 February of a leap year
    ],
)
def test_valid_personal_identity_numbers_are_normalised(number: str, normalised: str) -> None:
    assert check_personal_identity_number(number, today=TODAY) == normalised


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("880320-0018", "check digit 8 is wrong"),  # Luhn
        ("19880320-0018", "check digit 8 is wrong"),
        ("881320-0016", "not a valid date of birth"),  # month 13
        ("880230-0016", "not a valid date of birth"),  # 30 February
        ("010229-0003", "not a valid date of birth"),  # 29 February of 2001
        ("701093-2391", "not a valid coordination number"),  # day 93 = 33rd
        ("20270101-0000", "in the future"),  # checked on 2026-05-01
        ("19121212+1212", "10-digit form only"),
        ("8803200016x", "not in the form"),
        ("88032000", "not in the form"),
        ("19880320-00161", "not in the form"),
    ],
)
def test_invalid_personal_identity_numbers_are_refused_with_the_reason(
    number: str, why: str
) -> None:
    with pytest.raises(InvalidNumber, match=why):
        check_personal_identity_number(number, today=TODAY)


# -- the host record: field paths and messages ---------------------------------------------


def employee(**extra: object) -> dict[str, object]:
    return {"email": "a@example.se", "given_name": "A", "family_name": "B", **extra}


def errors(payload: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        HostEmployee.model_validate(payload)
    return {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}


def test_a_bad_account_is_refused_on_its_field_with_the_bank_and_the_rule() -> None:
    found = errors(employee(bank_clearing_number="6789", bank_account_number="123456788"))
    assert list(found) == ["bank_account_number"]
    assert "Handelsbanken" in found["bank_account_number"]
    assert "modulus 11" in found["bank_account_number"]


def test_clearing_and_account_go_together() -> None:
    assert (
        "send both, or neither"
        in errors(employee(bank_clearing_number="6789"))["bank_account_number"]
    )
    assert (
        "bank_clearing_number is missing"
        in errors(employee(bank_account_number="123456789"))["bank_account_number"]
    )
    only_clearing = errors(employee(bank_clearing_number="1000", bank_account_number="1234567"))
    assert list(only_clearing) == ["bank_clearing_number"]  # one error, on the field to fix


def test_a_bad_personal_identity_number_is_refused_on_its_field() -> None:
    found = errors(employee(personal_identity_number="19850312-2384"))
    assert list(found) == ["personal_identity_number"]
    assert "check digit 4 is wrong" in found["personal_identity_number"]


def test_a_bad_email_is_refused_on_its_field() -> None:
    assert list(errors(employee(email="karin.example.se"))) == ["email"]


def test_valid_values_are_stored_normalised() -> None:
    record = HostEmployee.model_validate(
        employee(
            personal_identity_number="880320-0016",
            bank_clearing_number="8424-4",
            bank_account_number="983 189 224-6",
        )
    )
    assert (
        record.personal_identity_number,
        record.bank_clearing_number,
        record.bank_account_number,
    ) == ("198803200016", "84244", "9831892246")
