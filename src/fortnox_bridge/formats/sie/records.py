"""The typed records a SIE file is made of, one class per label.

Records are immutable named tuples: the streaming reader makes one per line, so they must be cheap
to build (a frozen dataclass costs four times as much). Amounts and quantities are ``Decimal``;
account numbers, series, voucher numbers and object ids are strings (``"0001"`` and ``"LEV1"``
stay as written); dimension numbers and year indexes are ``int``; dates are ``date``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

ObjectList = tuple[tuple[int, str], ...]
"""An object list ``{1 "Nord" 6 "0001"}`` as ``((1, "Nord"), (6, "0001"))``."""


class Flag(NamedTuple):
    """``#FLAGGA``: 0 when written, set to 1 by the program that imported the file."""

    value: int


class Program(NamedTuple):
    """``#PROGRAM``: the program that wrote the file."""

    name: str
    version: str = ""


class Generated(NamedTuple):
    """``#GEN``: when, and by whom, the file was generated."""

    date: dt.date
    sign: str = ""


class SieType(NamedTuple):
    """``#SIETYP``: 1, 2, 3 or 4 (4 covers both 4E and 4I)."""

    value: int


class Comment(NamedTuple):
    """``#PROSA``: a free comment."""

    text: str


class CompanyType(NamedTuple):
    """``#FTYP``: the company form (AB, E, HB, ...)."""

    value: str


class CompanyId(NamedTuple):
    """``#FNR``: the writing program's own id of the company."""

    value: str


class OrgNumber(NamedTuple):
    """``#ORGNR``: organisation number, optional sequence and activity numbers."""

    number: str
    sequence: str = ""
    activity: str = ""


class IndustryCode(NamedTuple):
    """``#BKOD``: SNI industry code."""

    value: str


class Address(NamedTuple):
    """``#ADRESS``: contact, street, postal address, phone."""

    contact: str = ""
    street: str = ""
    postal: str = ""
    phone: str = ""


class CompanyName(NamedTuple):
    """``#FNAMN``: the company's legal name."""

    value: str


class FinancialYear(NamedTuple):
    """``#RAR``: a financial year; year 0 is the current one, -1 the previous one."""

    year: int
    start: dt.date
    end: dt.date


class TaxYear(NamedTuple):
    """``#TAXAR``: the tax-assessment year the ``#SRU`` codes belong to."""

    value: int


class Coverage(NamedTuple):
    """``#OMFATTN``: balances cover the year up to this date."""

    date: dt.date


class ChartType(NamedTuple):
    """``#KPTYP``: the chart of accounts (BAS95, BAS96, EUBAS97, NE2007, ...)."""

    value: str


class Currency(NamedTuple):
    """``#VALUTA``: ISO 4217 currency of all amounts (default SEK)."""

    value: str


class Account(NamedTuple):
    """``#KONTO``: an account and its name."""

    number: str
    name: str


class AccountType(NamedTuple):
    """``#KTYP``: T asset, S liability, K cost, I income."""

    account: str
    type: str


class AccountUnit(NamedTuple):
    """``#ENHET``: the unit of quantities booked on the account."""

    account: str
    unit: str


class SruCode(NamedTuple):
    """``#SRU``: the tax-form code of an account."""

    account: str
    code: str


class Dimension(NamedTuple):
    """``#DIM``: a dimension (1 cost centre, 6 project, ≥ 20 free)."""

    number: int
    name: str


class SubDimension(NamedTuple):
    """``#UNDERDIM``: a dimension below ``parent``."""

    number: int
    name: str
    parent: int


class DimensionObject(NamedTuple):
    """``#OBJEKT``: an object (cost centre, project, ...) of a dimension."""

    dimension: int
    object_id: str
    name: str


class Balance(NamedTuple):
    """``#IB``/``#UB`` (balance accounts) or ``#RES`` (result accounts); credit is negative."""

    kind: str
    year: int
    account: str
    amount: Decimal
    quantity: Decimal | None = None


class ObjectBalance(NamedTuple):
    """``#OIB``/``#OUB``: opening or closing balance per object."""

    kind: str
    year: int
    account: str
    objects: ObjectList
    amount: Decimal
    quantity: Decimal | None = None


class PeriodBalance(NamedTuple):
    """``#PSALDO`` (change during the period) or ``#PBUDGET`` (budgeted change)."""

    kind: str
    year: int
    period: str
    account: str
    objects: ObjectList
    amount: Decimal
    quantity: Decimal | None = None


class VoucherRow(NamedTuple):
    """``#TRANS`` (a row), ``#RTRANS`` (added later) or ``#BTRANS`` (removed later)."""

    kind: str
    account: str
    objects: ObjectList
    amount: Decimal
    date: dt.date | None = None
    text: str = ""
    quantity: Decimal | None = None
    sign: str = ""


class Voucher(NamedTuple):
    """``#VER`` with its block of rows, in file order.

    An ``#RTRANS`` is followed by its ``#TRANS`` copy, so the ``#TRANS`` rows alone are the
    voucher's final state (4C): :attr:`transactions`. :attr:`added` and :attr:`removed` are the
    audit trail.
    """

    series: str
    number: str
    date: dt.date | None
    text: str = ""
    registered: dt.date | None = None
    sign: str = ""
    rows: tuple[VoucherRow, ...] = ()

    @property
    def transactions(self) -> list[VoucherRow]:
        """The ``#TRANS`` rows: the voucher as it stands."""
        return [row for row in self.rows if row.kind == "TRANS"]

    @property
    def added(self) -> list[VoucherRow]:
        """The ``#RTRANS`` rows: rows added after registration."""
        return [row for row in self.rows if row.kind == "RTRANS"]

    @property
    def removed(self) -> list[VoucherRow]:
        """The ``#BTRANS`` rows: rows struck after registration."""
        return [row for row in self.rows if row.kind == "BTRANS"]

    def total(self) -> Decimal:
        """Sum of the ``#TRANS`` amounts; 0 for a balanced voucher."""
        return sum((row.amount for row in self.rows if row.kind == "TRANS"), Decimal(0))


class UnknownRecord(NamedTuple):
    """A label the spec does not define (e.g. ``#MOMSKOD``): kept, otherwise ignored."""

    label: str
    fields: tuple[str | tuple[str, ...], ...]  # object lists kept as their raw elements


Record = (
    Flag
    | Program
    | Generated
    | SieType
    | Comment
    | CompanyType
    | CompanyId
    | OrgNumber
    | IndustryCode
    | Address
    | CompanyName
    | FinancialYear
    | TaxYear
    | Coverage
    | ChartType
    | Currency
    | Account
    | AccountType
    | AccountUnit
    | SruCode
    | Dimension
    | SubDimension
    | DimensionObject
    | Balance
    | ObjectBalance
    | PeriodBalance
    | Voucher
    | UnknownRecord
)
"""Any record the reader yields."""
