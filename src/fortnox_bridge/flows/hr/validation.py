"""Swedish bank account numbers and personal identity numbers, checked as the issuers define them.

Pure functions, no I/O. Each check returns the number normalised, or raises
:class:`InvalidNumber` whose message says what is wrong and how to fix it.

Bank accounts follow Bankgirot's "Bankernas kontonummeruppbyggnad" (the banks' account number
structure). The clearing number picks the bank and the account type:

- **Type 1** — the account number is 7 digits (the last one a check digit).
  *Comment 1*: modulus 11 over the clearing number's last three digits and the 7 account digits
  (10 digits, weights 1–10 from the right). *Comment 2*: modulus 11 over all four clearing digits
  and the 7 account digits (11 digits, weights 1–10, 1 from the right).
- **Type 2** — the clearing number is not part of the check.
  *Comment 1*: 10 digits, modulus 10 (Luhn) — Danske Bank 9180, Riksgälden 9890, Sparbanken Syd,
  Swedbank 9300–9349 and Nordea's personkonto (clearing 3300 and 3782, whose account number is
  the holder's personal identity number, YYMMDDNNNN). *Comment 2*: Handelsbanken, 9 digits,
  modulus 11 (weights 1–9 from the right). *Comment 3*: Swedbank 8xxx-x and Nordea/Plusgirot,
  at most 10 digits, zero-filled on the left to 10, modulus 10.

Swedbank's 8000-series clearing numbers have a fifth digit (8327-9): the Luhn check digit of the
first four. It may be left out; when given it must be right. It is not part of the account check.
Bankgirot notes
that a few old Swedbank accounts do not satisfy the check digit rule; such an account is refused
here, and the message says so.

Personal identity numbers (personnummer) and coordination numbers (samordningsnummer) are
``YYMMDD-NNNC`` or ``YYYYMMDDNNNC`` (the separator optional; ``+`` instead of ``-`` in the
10-digit form means the holder has turned 100). The date must exist; a coordination number adds
60 to the day. The last digit is the Luhn check digit of the 10-digit form. Numbers are
normalised to 12 digits, ``YYYYMMDDNNNC``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "BANKS",
    "BankAccount",
    "BankRule",
    "InvalidNumber",
    "bank_for_clearing",
    "check_bank_account",
    "check_clearing_number",
    "check_personal_identity_number",
    "format_personal_identity_number",
    "luhn_ok",
]


class InvalidNumber(ValueError):
    """A number that breaks its issuer's rules; the message says what and how to fix it."""


@dataclass(frozen=True)
class BankRule:
    """One clearing-number range of one bank with its account type and check."""

    bank: str
    first: int
    last: int
    #: Bankgirot's account type (1 or 2) and comment (1, 2 or 3).
    type: int
    comment: int

    @property
    def account_digits(self) -> tuple[int, int]:
        """The shortest and longest account number (check digit included)."""
        if self.type == 1:
            return 7, 7
        return {1: (10, 10), 2: (9, 9), 3: (2, 10)}[self.comment]

    @property
    def label(self) -> str:
        """``Handelsbanken (clearing 6000–6999)``."""
        span = str(self.first) if self.first == self.last else f"{self.first}–{self.last}"
        return f"{self.bank} (clearing {span})"


#: Clearing-number ranges, from Bankgirot's table of the banks' account number structure.
BANKS: tuple[BankRule, ...] = tuple(
    BankRule(bank, first, last, kind, comment)
    for bank, first, last, kind, comment in (
        ("Nordea", 1100, 1199, 1, 1),
        ("Danske Bank", 1200, 1399, 1, 1),
        ("Nordea", 1400, 2099, 1, 1),
        ("Ålandsbanken", 2300, 2399, 1, 2),
        ("Danske Bank", 2400, 2499, 1, 1),
        ("Nordea", 3000, 3299, 1, 1),
        ("Nordea (personkonto)", 3300, 3300, 2, 1),
        ("Nordea", 3301, 3399, 1, 1),
        ("Länsförsäkringar Bank", 3400, 3409, 1, 1),
        ("Nordea", 3410, 3781, 1, 1),
        ("Nordea (personkonto)", 3782, 3782, 2, 1),
        ("Nordea", 3783, 3999, 1, 1),
        ("Nordea", 4000, 4999, 1, 2),
        ("SEB", 5000, 5999, 1, 1),
        ("Handelsbanken", 6000, 6999, 2, 2),
        ("Swedbank", 7000, 7999, 1, 1),
        ("Swedbank", 8000, 8999, 2, 3),
        ("Länsförsäkringar Bank", 9020, 9029, 1, 2),
        ("Citibank", 9040, 9049, 1, 2),
        ("Länsförsäkringar Bank", 9060, 9069, 1, 1),
        ("Multitude Bank", 9070, 9079, 1, 1),
        ("Nordnet Bank", 9100, 9109, 1, 2),
        ("SEB", 9120, 9124, 1, 1),
        ("SEB", 9130, 9149, 1, 1),
        ("Skandiabanken", 9150, 9169, 1, 2),
        ("IKANO Bank", 9170, 9179, 1, 1),
        ("Danske Bank", 9180, 9189, 2, 1),
        ("DNB Bank", 9190, 9199, 1, 2),
        ("Marginalen Bank", 9230, 9239, 1, 1),
        ("SBAB", 9250, 9259, 1, 1),
        ("DNB Bank", 9260, 9269, 1, 2),
        ("ICA Banken", 9270, 9279, 1, 1),
        ("Resurs Bank", 9280, 9289, 1, 1),
        ("Swedbank", 9300, 9349, 2, 1),
        ("Landshypotek", 9390, 9399, 1, 2),
        ("Forex Bank", 9400, 9449, 1, 1),
        ("Santander Consumer Bank", 9460, 9469, 1, 1),
        ("BNP Paribas", 9470, 9479, 1, 2),
        ("Nordea (Plusgirot)", 9500, 9549, 2, 3),
        ("Avanza Bank", 9550, 9569, 1, 2),
        ("Sparbanken Syd", 9570, 9579, 2, 1),
        ("Aion Bank", 9580, 9589, 1, 1),
        ("Erik Penser", 9590, 9599, 1, 2),
        ("Lån & Spar Bank", 9630, 9639, 1, 1),
        ("Nordax Bank", 9640, 9649, 1, 2),
        ("MedMera Bank", 9650, 9659, 1, 2),
        ("Svea Bank", 9660, 9669, 1, 2),
        ("JAK Medlemsbank", 9670, 9679, 1, 2),
        ("Bluestep Finans", 9680, 9689, 1, 1),
        ("Ekobanken", 9700, 9709, 1, 2),
        ("Lunar Bank", 9710, 9719, 1, 2),
        ("Northmill Bank", 9750, 9759, 1, 2),
        ("Klarna Bank", 9780, 9789, 1, 2),
        ("Riksgälden", 9880, 9889, 1, 2),
        ("Riksgälden", 9890, 9899, 2, 1),
        ("Nordea (Plusgirot)", 9960, 9969, 2, 3),
    )
)


@dataclass(frozen=True)
class BankAccount:
    """A checked bank account: digits only, and the bank the clearing number belongs to."""

    clearing_number: str
    account_number: str
    bank: str


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` end in a correct modulus-10 (Luhn) check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _mod11_ok(digits: str) -> bool:
    """Modulus 11 with weights 1, 2, …, 10, 1, 2, … from the right (Bankgirot's rule)."""
    total = sum((position % 10 + 1) * int(char) for position, char in enumerate(reversed(digits)))
    return total % 11 == 0


def _digits(value: str, what: str, allowed: str) -> str:
    text = value.strip()
    if not re.fullmatch(allowed, text):
        raise InvalidNumber(
            f"{what} {value!r} has characters other than digits, spaces, '-' and '.'; "
            "send only the number"
        )
    return re.sub(r"\D", "", text)


def bank_for_clearing(clearing: str) -> BankRule | None:
    """The bank range a clearing number (4 digits, or Swedbank's 5) falls in, if any."""
    if not clearing.isdigit() or len(clearing) not in (4, 5):
        return None
    number = int(clearing[:4])
    return next((rule for rule in BANKS if rule.first <= number <= rule.last), None)


def check_clearing_number(value: str) -> str:
    """A clearing number with separators removed; refused when no Swedish bank uses it."""
    clearing = _digits(value, "the clearing number", r"[\d\s.-]+")
    if len(clearing) == 5 and not clearing.startswith("8"):
        raise InvalidNumber(
            f"clearing number {value!r} has 5 digits; only Swedbank's 8000-series clearing "
            "numbers have a fifth digit — send the 4-digit clearing number"
        )
    if len(clearing) not in (4, 5):
        raise InvalidNumber(
            f"clearing number {value!r} has {len(clearing)} digits; a Swedish clearing number "
            "has 4 digits (Swedbank's 8000 series: 5, e.g. 8327-9)"
        )
    if bank_for_clearing(clearing) is None:
        raise InvalidNumber(
            f"clearing number {clearing} belongs to no Swedish bank's account range; check the "
            "first four digits of the account number on the bank statement"
        )
    if len(clearing) == 5 and not luhn_ok(clearing):
        raise InvalidNumber(
            f"clearing number {clearing[:4]}-{clearing[4]}: the fifth digit is Swedbank's check "
            f"digit of {clearing[:4]} and is wrong; check it or send the 4 digits {clearing[:4]}"
        )
    return clearing


def check_bank_account(clearing_value: str, account_value: str) -> BankAccount:
    """A bank account checked with its bank's rule; digits only in the result."""
    clearing = check_clearing_number(clearing_value)
    rule = bank_for_clearing(clearing)
    assert rule is not None  # checked above
    account = _digits(account_value, "the bank account number", r"[\d\s.-]+")
    shortest, longest = rule.account_digits
    if len(account) > longest and set(account[: len(account) - longest]) == {"0"}:
        account = account[len(account) - longest :]  # zero-filled on the left
    if not shortest <= len(account) <= longest:
        wanted = str(longest) if shortest == longest else f"{shortest}–{longest}"
        raise InvalidNumber(
            f"bank account number {account_value!r} has {len(account)} digits, but {rule.label} "
            f"account numbers have {wanted} (without the clearing number)"
        )
    if not _check_digit_ok(rule, clearing, account):
        raise InvalidNumber(
            f"bank account number {account} does not pass the check digit rule of {rule.label} "
            f"({_rule_text(rule)}); check for a mistyped digit and that clearing number "
            f"{clearing} belongs to this account"
            + (
                "; a few old Swedbank accounts do not follow the rule — for those, leave the "
                "bank fields out here and enter the account in Fortnox"
                if rule.bank == "Swedbank" and rule.comment == 3
                else ""
            )
        )
    return BankAccount(clearing, account, rule.bank)


def _check_digit_ok(rule: BankRule, clearing: str, account: str) -> bool:
    if rule.type == 1:
        return _mod11_ok((clearing[1:4] if rule.comment == 1 else clearing[:4]) + account)
    if rule.comment == 2:
        return _mod11_ok(account)
    return luhn_ok(account.zfill(10))


def _rule_text(rule: BankRule) -> str:
    if rule.type == 1:
        over = "the last three clearing digits" if rule.comment == 1 else "the clearing number"
        return f"modulus 11 over {over} and the account number"
    if rule.comment == 2:
        return "modulus 11 over the account number"
    return "modulus 10 over the account number"


_PERSONAL = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


def check_personal_identity_number(value: str, *, today: date | None = None) -> str:
    """A personnummer or samordningsnummer as ``YYYYMMDDNNNC``; ``today`` decides the century
    of a 10-digit number (the holder is under 100 with ``-``, 100 or older with ``+``)."""
    text = re.sub(r"\s", "", value)
    match = _PERSONAL.match(text)
    if match is None:
        raise InvalidNumber(
            f"personal identity number {value!r} is not in the form YYYYMMDDNNNN, YYYYMMDD-NNNN "
            "or YYMMDD-NNNN"
        )
    century, yy, mm, dd, separator, serial, check = match.groups()
    if century and separator == "+":
        raise InvalidNumber(
            f"personal identity number {value!r}: '+' marks a holder aged 100 or more in the "
            "10-digit form only; with the century written out, use '-' or no separator"
        )
    today = today or date.today()
    if century:
        year = int(century + yy)
    else:
        year = today.year - (today.year - int(yy)) % 100
        if separator == "+":
            year -= 100
    day = int(dd)
    coordination = day > 60
    try:
        born = date(year, int(mm), day - 60 if coordination else day)
    except ValueError:
        kind = "coordination number (day + 60)" if coordination else "date of birth"
        raise InvalidNumber(
            f"personal identity number {value!r}: {year}-{mm}-{dd} is not a valid {kind}; "
            "check the first eight digits"
        ) from None
    if born > today:
        raise InvalidNumber(
            f"personal identity number {value!r}: the date of birth {born} is in the future; "
            "check the year (write all 12 digits, YYYYMMDDNNNN, to avoid guessing the century)"
        )
    ten = f"{yy}{mm}{dd}{serial}{check}"
    if not luhn_ok(ten):
        raise InvalidNumber(
            f"personal identity number {value!r}: the check digit {check} is wrong for "
            f"{yy}{mm}{dd}-{serial}; check the last four digits"
        )
    return f"{year:04d}{mm}{dd}{serial}{check}"


def format_personal_identity_number(number: str) -> str:
    """``198503122384`` → ``19850312-2384`` (how Fortnox shows it)."""
    return f"{number[:8]}-{number[8:]}" if len(number) == 12 and number.isdigit() else number
