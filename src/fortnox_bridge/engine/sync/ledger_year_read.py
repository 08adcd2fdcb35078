"""A financial year's ledger read into plain data (``store/ledger_data.py``): from SIE 4 bytes
(Fortnox's export or an uploaded file) with the formats reader, or from Fortnox's vouchers one by
one (the fallback when the export is unavailable).

Both sources give the same data for the same voucher: rows as they stand (``#TRANS``; a row
removed in Fortnox is left out), amounts to the öre, cost centre from dimension 1 and project
from dimension 6, a row's date and quantity kept only when they say something (a row dated the
voucher's day, or a quantity of 0, is the same as none).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fortnox_bridge.formats.findings import Finding, Severity
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.reader import SieReader
from fortnox_bridge.store.ledger_data import AccountData, ObjectData, RowData, VoucherData

#: The SIE dimensions of cost centres and projects.
COST_CENTRE, PROJECT = 1, 6
#: The longest texts the store keeps (its columns).
TEXT_MAX, NAME_MAX, CODE_MAX = 500, 200, 50


@dataclass
class YearRead:
    """A year's ledger as read, with where it came from and what the reader found."""

    vouchers: list[VoucherData] = field(default_factory=list)
    accounts: list[AccountData] = field(default_factory=list)
    #: ``None``: the source does not say (the fallback); the stored objects are kept.
    objects: list[ObjectData] | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    sha256: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error: the file is refused."""
        return [f for f in self.findings if f.severity is Severity.ERROR]


def _text(value: str | None, limit: int = TEXT_MAX) -> str | None:
    return value[:limit] if value else None


def _quantity(value: Decimal | None) -> Decimal | None:
    return value if value else None


class _SieYear:
    """Collects the records of one SIE file's current year (``#RAR 0``)."""

    def __init__(self) -> None:
        self.read = YearRead(objects=[])
        self.names: dict[str, str] = {}
        self.sru: dict[str, str] = {}
        self.opening: dict[str, Decimal] = {}
        self.closing: dict[str, Decimal] = {}
        self.objects: dict[tuple[int, str], str] = {}

    def add(self, line: int, record: r.Record) -> None:
        if isinstance(record, r.Voucher):
            self._voucher(line, record)
        elif isinstance(record, r.Account):
            self.names[record.number] = record.name
        elif isinstance(record, r.SruCode):
            self.sru.setdefault(record.account, record.code)
        elif isinstance(record, r.Balance) and record.year == 0:
            (self.opening if record.kind == "IB" else self.closing)[record.account] = record.amount
        elif isinstance(record, r.DimensionObject):
            self.objects[record.dimension, record.object_id] = record.name
        elif isinstance(record, r.FinancialYear) and record.year == 0:
            self.read.first, self.read.last = record.start, record.end

    def _voucher(self, line: int, voucher: r.Voucher) -> None:
        try:
            number = int(voucher.number)
        except ValueError:
            self._error(line, "LEDGER-VOUCHER-NUMBER",
                        f"voucher {voucher.series} {voucher.number!r} has no number",
                        "number every voucher of a series 1, 2, 3, ...")  # fmt: skip
            return
        day = voucher.date or voucher.registered
        if day is None:
            self._error(line, "LEDGER-VOUCHER-DATE",
                        f"voucher {voucher.series} {number} has no date",
                        "give the #VER its transaction date (YYYYMMDD)")  # fmt: skip
            return
        self.read.vouchers.append(
            VoucherData(voucher.series[:10], number, day, (voucher.text or "")[:TEXT_MAX],
                        _rows(voucher.rows, day), registered_on=voucher.registered)
        )  # fmt: skip

    def _error(self, line: int, code: str, message: str, hint: str) -> None:
        self.read.findings.append(Finding(Severity.ERROR, code, message, line, None, hint))

    def finish(self) -> YearRead:
        numbers = sorted(set(self.names) | set(self.opening) | set(self.closing))
        self.read.accounts = [
            AccountData(
                number[:10], (self.names.get(number) or "")[:NAME_MAX], self.sru.get(number),
                self.opening.get(number), self.closing.get(number),
            )
            for number in numbers
        ]  # fmt: skip
        self.read.objects = [
            ObjectData(dimension, code[:CODE_MAX], (name or "")[:NAME_MAX])
            for (dimension, code), name in sorted(self.objects.items())
        ]
        if self.read.first is None:
            self._error(1, "LEDGER-NO-YEAR", "the file declares no current financial year",
                        "write #RAR 0 <first day> <last day>")  # fmt: skip
        return self.read


def _rows(rows: tuple[r.VoucherRow, ...], day: dt.date) -> tuple[RowData, ...]:
    """A voucher's rows as they stand (``#TRANS``), numbered from 1. Written for speed: a year
    has some 100,000 of them."""
    found: list[RowData] = []
    for row in rows:
        if row.kind != "TRANS":
            continue
        objects = dict(row.objects) if row.objects else _NONE
        centre, project, text = objects.get(COST_CENTRE), objects.get(PROJECT), row.text
        found.append(
            RowData(
                len(found) + 1, row.account, row.amount,
                centre[:CODE_MAX] if centre else None, project[:CODE_MAX] if project else None,
                text[:TEXT_MAX] if text else None, row.quantity or None,
                row.date if row.date != day else None,
            )
        )  # fmt: skip
    return tuple(found)


_NONE: dict[int, str] = {}


def read_sie(content: bytes) -> YearRead:
    """The current year (``#RAR 0``) of a SIE 4 file, with the reader's findings."""
    reader = SieReader(io.BytesIO(content))
    year = _SieYear()
    for line, record in reader.located():
        year.add(line, record)
    read = year.finish()
    read.findings = sorted(
        [*reader.findings.findings, *read.findings],
        key=lambda f: (f.line if f.line is not None else 10**12, f.column or 0),
    )
    read.sha256 = hashlib.sha256(content).hexdigest()
    return read


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def voucher_from_fortnox(voucher: Any) -> VoucherData:
    """A voucher read from ``/3/vouchers/{series}/{number}`` (the client's model)."""
    day = voucher.transaction_date
    rows: list[RowData] = []
    for row in voucher.voucher_rows or []:
        if row.removed:
            continue
        amount = (_decimal(row.debit) - _decimal(row.credit)).quantize(Decimal("0.01"))
        rows.append(
            RowData(
                line=len(rows) + 1,
                account=str(row.account),
                amount=amount,
                cost_center=_text(row.cost_center, CODE_MAX),
                project=_text(row.project, CODE_MAX),
                text=_text(row.transaction_information),
                quantity=_quantity(_decimal(row.quantity)),
            )
        )
    return VoucherData(
        str(voucher.voucher_series), int(voucher.voucher_number), day,
        (voucher.description or "")[:TEXT_MAX], tuple(rows),
        reference_type=voucher.reference_type or None,
        reference_number=_text(voucher.reference_number, CODE_MAX),
    )  # fmt: skip


def account_from_fortnox(account: Any) -> AccountData:
    """An account of ``/3/accounts?financialyear=`` (the fallback knows no closing balance)."""
    opening = account.balance_brought_forward
    return AccountData(
        str(account.number), (account.description or "")[:NAME_MAX],
        str(account.sru) if account.sru else None,
        Decimal(str(opening)) if opening is not None else None, None,
    )  # fmt: skip
