"""The ledger's voucher diff and what it reads from a SIE file: new, changed and removed
vouchers by series and number, then by fingerprint; the same voucher read from the export and
from the vouchers API gives the same fingerprint; a file's errors are findings with a line."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest

from fortnox_bridge.engine.sync.ledger_year_read import read_sie, voucher_from_fortnox
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo
from fortnox_bridge.engine.sync.ledger_years import AmbiguousYear, UnknownYear, resolve
from fortnox_bridge.flows.ledger.year_pull import LedgerYearPull, LedgerYearSettings
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.writer import SieWriter
from fortnox_bridge.store.ledger_data import RowData, VoucherData, diff_vouchers, fingerprint

DAY = dt.date(2025, 3, 1)


def voucher(series: str, number: int, *amounts: str, text: str = "Inköp") -> VoucherData:
    rows = tuple(
        RowData(line, "4010" if line == 1 else "1930", Decimal(amount))
        for line, amount in enumerate(amounts, start=1)
    )
    return VoucherData(series, number, DAY, text, rows)


def test_the_diff_finds_new_changed_removed_and_unchanged_vouchers() -> None:
    kept, changed, gone = voucher("A", 1, "100", "-100"), voucher("A", 2, "5", "-5"), 7
    stored = {
        ("A", 1): (11, fingerprint(kept)),
        ("A", 2): (12, fingerprint(changed)),
        ("B", 1): (gone, "x" * 64),
    }
    now = [kept, voucher("A", 2, "6", "-6"), voucher("D", 1, "1", "-1")]
    diff = diff_vouchers(stored, now)
    assert [v.key for v in diff.new] == [("D", 1)]
    assert [(ident, v.key) for ident, v in diff.changed] == [(12, ("A", 2))]
    assert diff.removed == [(gone, "B", 1)]
    assert diff.unchanged == 1
    assert not diff.empty
    assert diff_vouchers({("A", 1): (11, fingerprint(kept))}, [kept]).empty


def test_a_voucher_named_twice_counts_once() -> None:
    first, second = voucher("A", 1, "1", "-1"), voucher("A", 1, "2", "-2")
    assert [v.rows for v in diff_vouchers({}, [first, second]).new] == [first.rows]


def test_the_fingerprint_follows_text_and_rows_not_the_reference() -> None:
    base = voucher("A", 1, "100", "-100")
    assert fingerprint(base) == fingerprint(base._replace(reference_type="MANUAL"))
    assert fingerprint(base) == fingerprint(base._replace(registered_on=DAY))
    assert fingerprint(base) != fingerprint(base._replace(text="Annat"))
    assert fingerprint(base) != fingerprint(voucher("A", 1, "100.01", "-100.01"))
    assert fingerprint(base) == fingerprint(voucher("A", 1, "100.00", "-100.000"))


def _sie(*vouchers: r.Voucher, year: bool = True) -> bytes:
    out = io.BytesIO()
    with SieWriter(out) as writer:
        writer.write(r.SieType(4))
        if year:
            writer.write(r.FinancialYear(0, dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
            writer.write(r.FinancialYear(-1, dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
        writer.write(r.Account("1930", "Företagskonto"))
        writer.write(r.Account("4010", "Inköp"))
        writer.write(r.DimensionObject(1, "ADM", "Administration"))
        writer.write(r.Balance("IB", 0, "1930", Decimal("1000")))
        writer.write(r.Balance("UB", 0, "1930", Decimal("900")))
        writer.write(r.Balance("IB", -1, "1930", Decimal("5")))
        for each in vouchers:
            writer.write(each)
    return out.getvalue()


def test_a_sie_file_and_the_vouchers_api_give_the_same_voucher() -> None:
    rows = (
        r.VoucherRow("TRANS", "4010", ((1, "ADM"), (6, "1")), Decimal("100"), text="Pärmar"),
        r.VoucherRow("BTRANS", "4010", (), Decimal("7")),
        r.VoucherRow("TRANS", "1930", (), Decimal("-100"), date=DAY),
    )
    read = read_sie(_sie(r.Voucher("A", "1", DAY, "Inköp", rows=rows)))
    assert (read.first, read.last, read.errors) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), [])
    (from_file,) = read.vouchers
    assert [(row.account, row.cost_center, row.project) for row in from_file.rows] == [
        ("4010", "ADM", "1"), ("1930", None, None)
    ]  # fmt: skip
    assert [(a.number, a.opening_balance, a.closing_balance) for a in read.accounts] == [
        ("1930", Decimal("1000"), Decimal("900")), ("4010", None, None)
    ]  # fmt: skip
    api_rows = [
        SimpleNamespace(account=4010, debit=100, credit=0, cost_center="ADM", project="1",
                        transaction_information="Pärmar", quantity=0, removed=False),
        SimpleNamespace(account=4010, debit=7, credit=0, cost_center=None, project=None,
                        transaction_information=None, quantity=None, removed=True),
        SimpleNamespace(account=1930, debit=0, credit=100, cost_center=None, project=None,
                        transaction_information="", quantity=None, removed=False),
    ]  # fmt: skip
    from_api = voucher_from_fortnox(
        SimpleNamespace(voucher_series="A", voucher_number=1, transaction_date=DAY,
                        description="Inköp", voucher_rows=api_rows, reference_type="MANUAL",
                        reference_number=None)
    )  # fmt: skip
    assert fingerprint(from_api) == fingerprint(from_file)


def test_a_file_without_its_year_or_with_a_bad_voucher_has_errors_with_lines() -> None:
    bad = r.Voucher("A", "x", DAY, "Inköp", rows=())
    read = read_sie(_sie(bad, year=False))
    codes = {(f.code, f.line is not None) for f in read.errors}
    assert codes == {("LEDGER-NO-YEAR", True), ("LEDGER-VOUCHER-NUMBER", True)}
    assert read.vouchers == []


def _year(ident: int, first: str) -> YearInfo:
    day = dt.date.fromisoformat(first)
    return YearInfo(ident, ident, day, day.replace(year=day.year + 1), "fortnox", None, None,
                    None, 0)  # fmt: skip


def test_a_year_is_named_by_its_calendar_year_or_its_first_day() -> None:
    years = [_year(1, "2025-01-01"), _year(2, "2024-07-01"), _year(3, "2024-01-01")]
    assert resolve(years, "2025").id == 1
    assert resolve(years, "2024-07-01").id == 2
    with pytest.raises(AmbiguousYear) as ambiguous:
        resolve(years, "2024")
    assert ambiguous.value.days == ["2024-01-01", "2024-07-01"]
    for unknown in ("2019", "2025-02-01", "last"):
        with pytest.raises(UnknownYear):
            resolve(years, unknown)


def test_a_document_kind_comes_from_the_reference_else_the_series() -> None:
    flow = LedgerYearPull(LedgerYearSettings.model_validate({"supplier_invoice_series": "D, E"}))
    assert flow.document_kind("A", "SUPPLIERINVOICE") == "supplier_invoice"
    assert flow.document_kind("A", "INVOICE") == "customer_invoice"
    assert flow.document_kind("B", None) == "customer_invoice"
    assert flow.document_kind("E", "MANUAL") == "supplier_invoice"
    assert flow.document_kind("A", None) == "bookkeeping"
    with pytest.raises(ValueError, match="one character"):
        LedgerYearSettings.model_validate({"customer_invoice_series": ["BB"]})
