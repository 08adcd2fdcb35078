"""Accounts, account charts, voucher series and vouchers through the client against the
in-process sandbox (every answer is checked against the OpenAPI document by the transport)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import (
    LockedPeriodError,
    MissingFinancialYearError,
    MissingScopeError,
    UnsupportedOperation,
    ValidationError,
)
from fortnox_bridge.fortnox.models.voucher import VoucherVoucherRow
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

LAST_YEAR, THIS_YEAR = 1, 2  # the demo company's financial years (2025, 2026)


@pytest.fixture
async def tenant(control: SandboxControl) -> int:
    return int((await control.create_company("Bokföring AB", seed="demo"))["tenant_id"])


@pytest.fixture
async def fortnox(connect: Connect, tenant: int) -> FortnoxClient:
    client, _, _ = await connect(tenant, ["bookkeeping"])
    return client


def rows(*amounts: tuple[int, str, str]) -> list[VoucherVoucherRow]:
    """``(account, debit, credit)`` rows."""
    return [
        VoucherVoucherRow(account=account, debit=Decimal(debit), credit=Decimal(credit))
        for account, debit, credit in amounts
    ]


def voucher(series: str, day: str, *amounts: tuple[int, str, str]) -> dict[str, object]:
    return {
        "description": "Kontorsmaterial",
        "transaction_date": date.fromisoformat(day),
        "voucher_series": series,
        "voucher_rows": rows(*amounts),
    }


BALANCED = ((6110, "500", "0"), (2640, "125", "0"), (1930, "0", "625"))


async def test_accounts_list_get_create_update_delete(fortnox: FortnoxClient) -> None:
    accounts = [a async for a in fortnox.accounts.iterate()]
    numbers = [a.number for a in accounts]
    assert len(numbers) >= 30
    assert numbers == sorted(numbers)
    assert {a.year for a in accounts} == {THIS_YEAR}
    bank = await fortnox.accounts.get(1930)
    assert (bank.description, bank.year, bank.active) == ("Företagskonto", THIS_YEAR, True)
    assert (await fortnox.accounts.get(1930, financial_year=LAST_YEAR)).year == LAST_YEAR
    created = await fortnox.accounts.create({"number": 6991, "description": "Övriga avdragsgilla"})
    assert (created.number, created.cost_center_settings) == (6991, "ALLOWED")
    updated = await fortnox.accounts.update(6991, {"description": "Övriga kostnader"})
    assert updated.description == "Övriga kostnader"
    await fortnox.accounts.delete(6991)
    with pytest.raises(NotFoundError) as missing:
        await fortnox.accounts.get(6991)
    assert missing.value.code == 2000423
    with pytest.raises(ValidationError) as short:
        await fortnox.accounts.create({"number": 999, "description": "Tre siffror"})
    assert short.value.code == 2002462
    with pytest.raises(ValidationError) as year:
        await fortnox.accounts.get(1930, financial_year=9)
    assert year.value.code == 2990030


async def test_account_charts_are_listed(fortnox: FortnoxClient) -> None:
    page = await fortnox.account_charts.list_page()
    assert "BAS 2024" in [chart.name for chart in page.items]
    with pytest.raises(UnsupportedOperation):
        await fortnox.account_charts.get("BAS 2024")


async def test_voucher_series_of_the_demo_company(fortnox: FortnoxClient) -> None:
    codes = [s.code async for s in fortnox.voucher_series.iterate()]
    assert codes == ["A", "B", "D"]
    series = await fortnox.voucher_series.get("A")
    assert (series.next_voucher_number, series.year) == (1, THIS_YEAR)
    created = await fortnox.voucher_series.create({"code": "K", "description": "Lön"})
    assert created.next_voucher_number == 1
    changed = await fortnox.voucher_series.update("K", {"description": "Löner"})
    assert changed.description == "Löner"
    with pytest.raises(UnsupportedOperation):
        await fortnox.voucher_series.delete("K")
    with pytest.raises(NotFoundError):
        await fortnox.voucher_series.get("Q")


async def test_voucher_create_get_list_and_sublists(fortnox: FortnoxClient) -> None:
    first = await fortnox.vouchers.create(voucher("A", "2026-03-02", *BALANCED))
    assert (first.voucher_series, first.voucher_number, first.year) == ("A", 1, THIS_YEAR)
    assert first.url
    assert first.url.endswith("/3/vouchers/A/1?financialyear=2")
    second = await fortnox.vouchers.create(voucher("A", "2026-03-03", *BALANCED))
    other = await fortnox.vouchers.create(voucher("D", "2026-03-03", *BALANCED))
    assert (second.voucher_number, other.voucher_number) == (2, 1)
    read = await fortnox.vouchers.get("A", 2)
    assert read.transaction_date == date(2026, 3, 3)
    assert [(r.account, r.debit, r.credit) for r in read.voucher_rows or []] == [
        (6110, Decimal(500), Decimal(0)),
        (2640, Decimal(125), Decimal(0)),
        (1930, Decimal(0), Decimal(625)),
    ]
    assert (read.voucher_rows or [])[0].description == "Kontorsmateriel"
    listed = [(v.voucher_series, v.voucher_number) async for v in fortnox.vouchers.iterate()]
    assert listed == [("A", 1), ("A", 2), ("D", 1)]
    sublist = await fortnox.vouchers.sublist("A")
    assert [v.voucher_number for v in sublist.items] == [1, 2]
    assert len((await fortnox.vouchers.sublist()).items) == 3
    assert (await fortnox.voucher_series.get("A")).next_voucher_number == 3
    with pytest.raises(NotFoundError):  # last year's books end with the seeded A 2
        await fortnox.vouchers.get("A", 3, financial_year=LAST_YEAR)
    with pytest.raises(UnsupportedOperation):
        await fortnox.vouchers.update(1, {"description": "Ändrad"})


async def test_voucher_numbers_start_again_in_each_financial_year(fortnox: FortnoxClient) -> None:
    await fortnox.vouchers.create(voucher("A", "2026-02-01", *BALANCED))
    await fortnox.vouchers.create(voucher("A", "2026-02-02", *BALANCED))
    old = await fortnox.vouchers.create(
        voucher("A", "2025-12-30", *BALANCED), financial_year=LAST_YEAR
    )
    # last year's books hold the demo company's vouchers A 1 and A 2 already
    assert (old.voucher_number, old.year) == (3, LAST_YEAR)
    assert fortnox.vouchers.key(old) == "1/A/3"
    by_key = await fortnox.vouchers.get(fortnox.vouchers.key(old))  # one text, as links keep it
    assert (by_key.year, by_key.transaction_date) == (LAST_YEAR, date(2025, 12, 30))
    assert (await fortnox.vouchers.get("A/2")).transaction_date == date(2026, 2, 2)
    assert (await fortnox.vouchers.get("A", 3, financial_year=LAST_YEAR)).transaction_date == (
        date(2025, 12, 30)
    )
    last_year = await fortnox.vouchers.list_page(financialyear=LAST_YEAR)
    assert [v.transaction_date for v in last_year.items if v.voucher_series == "A"] == [
        date(2025, 10, 3),
        date(2025, 10, 17),
        date(2025, 12, 30),
    ]
    series = await fortnox.voucher_series.get("A")
    assert series.next_voucher_number == 3


async def test_unbalanced_voucher_is_refused(fortnox: FortnoxClient) -> None:
    unbalanced = voucher("A", "2026-03-02", (6110, "500", "0"), (1930, "0", "499.99"))
    with pytest.raises(ValidationError) as refused:
        await fortnox.vouchers.create(unbalanced)
    assert refused.value.code == 2990032
    with pytest.raises(ValidationError) as single:
        await fortnox.vouchers.create(voucher("A", "2026-03-02", (6110, "0", "0")))
    assert single.value.code == 2990034
    with pytest.raises(ValidationError) as account:
        await fortnox.vouchers.create(
            voucher("A", "2026-03-02", (6110, "1", "0"), (1999, "0", "1"))
        )
    assert account.value.code == 2001304
    with pytest.raises(ValidationError) as series:
        await fortnox.vouchers.create(voucher("Q", "2026-03-02", *BALANCED))
    assert series.value.code == 2990010
    assert (await fortnox.voucher_series.get("A")).next_voucher_number == 1  # nothing taken


async def test_voucher_dates_follow_the_financial_year_and_locked_period(
    fortnox: FortnoxClient, control: SandboxControl, tenant: int
) -> None:
    with pytest.raises(MissingFinancialYearError):
        await fortnox.vouchers.create(voucher("A", "2027-01-05", *BALANCED))
    with pytest.raises(ValidationError) as outside:
        await fortnox.vouchers.create(voucher("A", "2025-06-01", *BALANCED))  # booked in 2026
    assert outside.value.code == 2990031
    await control.company_settings(tenant, locked_period_end="2026-01-31")
    with pytest.raises(LockedPeriodError) as locked:
        await fortnox.vouchers.create(voucher("A", "2026-01-31", *BALANCED))
    assert locked.value.code == 2990006
    booked = await fortnox.vouchers.create(voucher("A", "2026-02-01", *BALANCED))
    assert booked.voucher_number == 1


async def test_bookkeeping_needs_its_scope(connect: Connect, tenant: int) -> None:
    client, _, _ = await connect(tenant, ["customer"])
    with pytest.raises(MissingScopeError):
        await client.vouchers.list_page()
    with pytest.raises(MissingScopeError):
        await client.accounts.list_page()
