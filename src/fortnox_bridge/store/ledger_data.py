"""A financial year's ledger as plain data, whatever it was read from (Fortnox's SIE export, its
vouchers one by one, or an uploaded SIE file): what the write side stores and diffs.

A voucher's :func:`fingerprint` covers what can change of it in Fortnox (its date, text and rows);
an unchanged voucher is never written again. It leaves out what only one source knows (the
registration date, which the vouchers API does not give; the reference, which the SIE file does
not), so reading a year from the other source does not count every voucher as changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import NamedTuple


class RowData(NamedTuple):
    """A voucher row (``line`` counts from 1 in the voucher's order)."""

    line: int
    account: str
    amount: Decimal
    cost_center: str | None = None
    project: str | None = None
    text: str | None = None
    quantity: Decimal | None = None
    transaction_date: dt.date | None = None


class VoucherData(NamedTuple):
    """A voucher with its rows."""

    series: str
    number: int
    date: dt.date
    text: str
    rows: tuple[RowData, ...]
    registered_on: dt.date | None = None
    reference_type: str | None = None
    reference_number: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        """What identifies the voucher in its year."""
        return self.series, self.number


class AccountData(NamedTuple):
    """An account of the year's chart with its balances at the start and end of the year."""

    number: str
    name: str
    sru: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None


class ObjectData(NamedTuple):
    """An object of a dimension (1: cost centre, 6: project)."""

    dimension: int
    code: str
    name: str


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _quantity(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.4f}"


def fingerprint(voucher: VoucherData) -> str:
    """A digest of the voucher's date, text and rows (see the module)."""
    parts = [voucher.date.isoformat(), voucher.text]
    for row in voucher.rows:
        parts.append(
            f"{row.account}\x1f{_amount(row.amount)}\x1f{row.cost_center or ''}\x1f"
            f"{row.project or ''}\x1f{row.text or ''}\x1f{_quantity(row.quantity)}\x1f"
            f"{row.transaction_date.isoformat() if row.transaction_date else ''}"
        )
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


class VoucherDiff(NamedTuple):
    """How a year read now differs from the stored one."""

    new: list[VoucherData]
    #: ``(stored voucher id, voucher as read now)``.
    changed: list[tuple[int, VoucherData]]
    #: ``(stored voucher id, series, number)``.
    removed: list[tuple[int, str, int]]
    unchanged: int

    @property
    def empty(self) -> bool:
        """Whether nothing is to be written."""
        return not (self.new or self.changed or self.removed)


def diff_vouchers(
    stored: dict[tuple[str, int], tuple[int, str]], read: list[VoucherData]
) -> VoucherDiff:
    """Compare ``read`` with ``stored`` (``{(series, number): (id, fingerprint)}``) by series
    and number, then by fingerprint. Pure."""
    new: list[VoucherData] = []
    changed: list[tuple[int, VoucherData]] = []
    seen: set[tuple[str, int]] = set()
    unchanged = 0
    for voucher in read:
        key = voucher.key
        if key in seen:
            continue  # a voucher named twice: the first one counts
        seen.add(key)
        known = stored.get(key)
        if known is None:
            new.append(voucher)
        elif known[1] != fingerprint(voucher):
            changed.append((known[0], voucher))
        else:
            unchanged += 1
    removed = [(ident, key[0], key[1]) for key, (ident, _) in stored.items() if key not in seen]
    return VoucherDiff(new, changed, removed, unchanged)
