"""The SIE validation report: does the file add up, and does it hold what its type requires?

Streaming like the reader (memory grows with the number of accounts and periods, not vouchers).
Checks, each finding with the line of the record concerned:

- every voucher balances (the ``#TRANS`` amounts sum to 0; ``#RTRANS``/``#BTRANS`` excluded);
- voucher dates fall inside the current financial year (``#RAR 0``);
- per account: ``#UB 0`` = ``#IB 0`` + the movements of the vouchers (balance accounts),
  ``#RES 0`` = the movements (result accounts) — when the file has vouchers; only vouchers up to
  ``#OMFATTN`` count, as the balances cover the year up to that date;
- ``#PSALDO`` (year 0, no objects): the periods sum to ``UB − IB`` (balance accounts) or to
  ``RES`` (result accounts), each period equals that period's movements when there are vouchers,
  and every period lies inside its financial year;
- ``#IB 0`` equals ``#UB -1`` where both exist;
- ``#KSUMMA`` verifies (the reader's verdict);
- the labels each type requires are present and the ones it forbids absent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.checksum import ChecksumResult
from fortnox_bridge.formats.sie.reader import SieReader

ZERO = Decimal(0)
_ALL = ("1", "2", "3", "4I", "4E")
# Which labels each variant must have (the table in docs/formats.md) ...
REQUIRED: dict[str, tuple[str, ...]] = {
    "#FLAGGA": _ALL,
    "#PROGRAM": _ALL,
    "#FORMAT": _ALL,
    "#GEN": _ALL,
    "#FNAMN": _ALL,
    "#SIETYP": ("2", "3", "4I", "4E"),
    "#RAR": ("1", "2", "3", "4E"),
    "#OMFATTN": ("2", "3"),
    "#KONTO": ("1", "2", "3", "4E"),
    "#SRU": ("1", "2"),
    "#UB": ("1", "2", "3", "4E"),
}
# ... and which it must not have.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "#BKOD": ("4I",),
    "#OMFATTN": ("1", "4I"),
    "#DIM": ("1", "2"),
    "#UNDERDIM": ("1", "2"),
    "#OBJEKT": ("1", "2"),
    "#IB": ("4I",),
    "#UB": ("4I",),
    "#RES": ("4I",),
    "#OIB": ("1", "2", "4I"),
    "#OUB": ("1", "2", "4I"),
    "#PSALDO": ("1", "4I"),
    "#PBUDGET": ("1", "4I"),
    "#VER": ("1", "2", "3"),
}


@dataclass
class ValidationReport:
    """Findings of the reader and the checks, sorted by line, with a few figures."""

    variant: str
    encoding: str
    checksum: ChecksumResult
    findings: list[Finding]
    vouchers: int = 0
    transactions: int = 0
    accounts: int = 0

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings of severity warning."""
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """No error."""
        return not self.errors


@dataclass
class _Totals:
    """What the checks accumulate while the file streams by."""

    sie_type: int | None = None
    coverage: dt.date | None = None
    years: dict[int, r.FinancialYear] = field(default_factory=dict)
    account_types: dict[str, str] = field(default_factory=dict)
    balances: dict[tuple[str, int, str], tuple[int, Decimal]] = field(default_factory=dict)
    movements: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    period_movements: defaultdict[tuple[str, str], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    psaldo: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    psaldo_periods: dict[tuple[str, str], tuple[int, Decimal]] = field(default_factory=dict)
    psaldo_line: dict[str, int] = field(default_factory=dict)
    first_voucher: dict[str, int] = field(default_factory=dict)  # account → first #VER line
    has_balances: bool = False
    vouchers: int = 0
    transactions: int = 0
    accounts: int = 0


def validate(
    stream: IO[bytes], *, strict: bool = False, encoding: str | None = None
) -> ValidationReport:
    """Read ``stream`` and check it; strict mode raises at the first syntax violation."""
    reader = SieReader(stream, strict=strict, encoding=encoding)
    log = FindingLog()
    totals = _Totals()
    for line, record in reader.located():
        _collect(totals, log, line, record)
    labels = dict(reader.labels_seen)
    if reader.declared_format is not None:
        labels.setdefault("#FORMAT", 1)
    variant = _variant(totals)
    _check_accounts(totals, log)
    _check_periods(totals, log)
    _check_labels(labels, variant, log)
    findings = sorted(
        [*reader.findings.findings, *log.findings],
        key=lambda f: (f.line if f.line is not None else 10**12, f.column or 0),
    )
    return ValidationReport(
        variant,
        reader.encoding or "cp437",
        reader.checksum,
        findings,
        totals.vouchers,
        totals.transactions,
        totals.accounts,
    )


def _collect(t: _Totals, log: FindingLog, line: int, record: r.Record) -> None:
    if isinstance(record, r.Voucher):
        _voucher(t, log, line, record)
    elif isinstance(record, r.Balance):
        t.has_balances = True
        t.balances[record.kind, record.year, record.account] = (line, record.amount)
    elif isinstance(record, r.PeriodBalance):
        t.has_balances = True
        _period_balance(t, log, line, record)
    elif isinstance(record, r.ObjectBalance):
        t.has_balances = True
    elif isinstance(record, r.FinancialYear):
        t.years[record.year] = record
    elif isinstance(record, r.AccountType):
        t.account_types[record.account] = record.type.upper()
    elif isinstance(record, r.Account):
        t.accounts += 1
    elif isinstance(record, r.SieType):
        t.sie_type = record.value
    elif isinstance(record, r.Coverage):
        t.coverage = record.date


def _voucher(t: _Totals, log: FindingLog, line: int, voucher: r.Voucher) -> None:
    t.vouchers += 1
    total = ZERO
    year = t.years.get(0)
    inside = year is None or voucher.date is None or year.start <= voucher.date <= year.end
    # #OMFATTN: the balances cover the year only up to that date (a partial export).
    covered = t.coverage is None or voucher.date is None or voucher.date <= t.coverage
    counts = inside and covered
    for row in voucher.rows:
        if row.kind != "TRANS":
            continue
        t.transactions += 1
        total += row.amount
        if counts:
            t.movements[row.account] += row.amount
            if row.account not in t.first_voucher:
                t.first_voucher[row.account] = line
            when = row.date or voucher.date
            if when is not None:
                t.period_movements[row.account, f"{when.year:04d}{when.month:02d}"] += row.amount
    name = f"#VER {voucher.series} {voucher.number}".replace("  ", " ")
    if total != ZERO:
        log.report(
            Severity.ERROR,
            "SIE-UNBALANCED",
            f"{name} does not balance: its #TRANS rows sum to {total}",
            line,
            None,
            "debit and credit of a voucher must sum to 0",
        )
    if year is not None and voucher.date is not None and not inside:
        log.report(
            Severity.WARNING,
            "SIE-DATE-OUTSIDE-YEAR",
            f"{name} is dated {voucher.date}, outside the financial year "
            f"{year.start}–{year.end} (#RAR 0); not counted in the movements",
            line,
            None,
            "export only vouchers of the financial year, or declare the year with #RAR",
        )


def _period_balance(t: _Totals, log: FindingLog, line: int, record: r.PeriodBalance) -> None:
    year = t.years.get(record.year)
    if year is not None:
        first = f"{year.start.year:04d}{year.start.month:02d}"
        last = f"{year.end.year:04d}{year.end.month:02d}"
        if not first <= record.period <= last:
            log.report(
                Severity.ERROR,
                "SIE-PERIOD-OUTSIDE-YEAR",
                f"#{record.kind} period {record.period} is outside year {record.year} "
                f"({year.start}–{year.end})",
                line,
                None,
                "write periods of the financial year the year index names",
            )
    if record.kind != "PSALDO" or record.year != 0 or record.objects:
        return
    t.psaldo[record.account] += record.amount
    t.psaldo_line[record.account] = line
    t.psaldo_periods[record.account, record.period] = (line, record.amount)


def _is_balance_account(t: _Totals, account: str) -> bool | None:
    kind = t.account_types.get(account)
    if kind in ("T", "S"):
        return True
    if kind in ("K", "I"):
        return False
    if account[:1] in ("1", "2"):
        return True
    if account[:1] in ("3", "4", "5", "6", "7", "8"):
        return False
    return None


def _amount(t: _Totals, kind: str, year: int, account: str) -> Decimal:
    found = t.balances.get((kind, year, account))
    return found[1] if found else ZERO


def _check_accounts(t: _Totals, log: FindingLog) -> None:
    accounts = {account for _, _, account in t.balances} | set(t.movements)
    with_vouchers = t.vouchers > 0 and t.has_balances
    for account in sorted(accounts):
        balance = _is_balance_account(t, account)
        ib, ub = _amount(t, "IB", 0, account), _amount(t, "UB", 0, account)
        moved = t.movements.get(account, ZERO)
        if with_vouchers and balance and ub != ib + moved:
            line = _line(t, ("UB", "IB"), account)
            log.report(
                Severity.ERROR,
                "SIE-UB",
                f"account {account}: #UB 0 {ub} ≠ #IB 0 {ib} + movements {moved}",
                line,
                None,
                "export balances and vouchers of the same year, with every voucher",
            )
        if with_vouchers and balance is False and _amount(t, "RES", 0, account) != moved:
            res = _amount(t, "RES", 0, account)
            log.report(
                Severity.ERROR,
                "SIE-RES",
                f"account {account}: #RES 0 {res} ≠ movements {moved}",
                _line(t, ("RES",), account),
                None,
                "export the result and the vouchers of the same year",
            )
        previous = t.balances.get(("UB", -1, account))
        opening = t.balances.get(("IB", 0, account))
        if previous and opening and balance and previous[1] != opening[1]:
            log.report(
                Severity.WARNING,
                "SIE-IB-UB",
                f"account {account}: #IB 0 {opening[1]} ≠ #UB -1 {previous[1]}",
                opening[0],
                None,
                "the opening balance of a year is the closing balance of the year before",
            )


def _check_periods(t: _Totals, log: FindingLog) -> None:
    for account, total in sorted(t.psaldo.items()):
        balance = _is_balance_account(t, account)
        if balance is None:
            continue
        if balance:
            expected = _amount(t, "UB", 0, account) - _amount(t, "IB", 0, account)
            what = "#UB 0 − #IB 0"
        else:
            expected, what = _amount(t, "RES", 0, account), "#RES 0"
        if total != expected:
            log.report(
                Severity.ERROR,
                "SIE-PSALDO",
                f"account {account}: #PSALDO periods sum to {total}, but {what} is {expected}",
                t.psaldo_line[account],
                None,
                "period balances are each period's change; they must add up to the year",
            )
    if not t.vouchers:
        return
    for (account, period), (line, amount) in sorted(t.psaldo_periods.items()):
        moved = t.period_movements.get((account, period), ZERO)
        if amount != moved:
            log.report(
                Severity.ERROR,
                "SIE-PSALDO-PERIOD",
                f"account {account}: #PSALDO {period} is {amount}, the vouchers move {moved}",
                line,
                None,
                "a period balance is the sum of that period's voucher rows",
            )


def _line(t: _Totals, kinds: tuple[str, ...], account: str) -> int | None:
    """The line of the balance record concerned, else of the first voucher on the account."""
    for kind in kinds:
        found = t.balances.get((kind, 0, account))
        if found:
            return found[0]
    return t.first_voucher.get(account)


def _variant(t: _Totals) -> str:
    sie_type = t.sie_type or 1
    if sie_type != 4:
        return str(sie_type)
    return "4E" if t.has_balances else "4I"


def _check_labels(labels: dict[str, int], variant: str, log: FindingLog) -> None:
    for label, variants in REQUIRED.items():
        if variant in variants and label not in labels:
            log.report(
                Severity.WARNING if label == "#UB" else Severity.ERROR,
                "SIE-REQUIRED-LABEL",
                f"type {variant} requires {label}, which the file lacks",
                None,
                None,
                f"write {label} (docs/formats.md lists the labels each SIE type requires)",
            )
    for label, variants in FORBIDDEN.items():
        if variant in variants and label in labels:
            log.report(
                Severity.ERROR,
                "SIE-FORBIDDEN-LABEL",
                f"type {variant} must not contain {label}",
                labels[label],
                1,
                f"remove {label}, or declare the type that allows it with #SIETYP",
            )
