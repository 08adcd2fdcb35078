"""The sandbox's ledger seeding controls: many vouchers in one call through Fortnox's voucher
rules (numbered per series and year, all or nothing), and files connected to vouchers in bulk;
what they book reads back through the API and the SIE export as if booked one by one."""

from __future__ import annotations

import base64
import io
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from conftest import ClientFactory
from fortnox_bridge.formats.sie import read_document
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.resources.voucher_file_connection import file_name
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl, SandboxControlError
from fortnox_bridge.sandbox.control_ledger import seed_vouchers
from fortnox_bridge.sandbox.errors import ControlError

LAST_YEAR, THIS_YEAR = 1, 2  # the demo company's financial years (2025, 2026)
SCOPES = ["bookkeeping", "archive", "connectfile"]


def a_voucher(series: str, day: str, amount: int, **row: Any) -> dict[str, Any]:
    return {
        "VoucherSeries": series, "TransactionDate": day, "Description": f"Inköp {amount}",
        "VoucherRows": [{"Account": 4010, "Debit": amount, **row},
                        {"Account": 2640, "Debit": amount / 4},
                        {"Account": 1930, "Credit": amount * 1.25}],
    }  # fmt: skip


@pytest.fixture
async def tenant(control: SandboxControl) -> int:
    return int((await control.create_company("Bulk AB", seed="demo"))["tenant_id"])


@pytest.fixture
async def fortnox(make_client: ClientFactory, tenant: int) -> FortnoxClient:
    return await make_client(tenant, SCOPES)


async def test_500_vouchers_over_3_series_and_2_years(
    control: SandboxControl, fortnox: FortnoxClient, tenant: int
) -> None:
    vouchers = [
        a_voucher("ABD"[i % 3], f"{2025 + i % 2}-{1 + i % 12:02d}-{1 + i % 28:02d}", 100 + i,
                  **({"Project": "1", "CostCenter": "PROD"} if i % 5 == 0 else {}))
        for i in range(500)
    ]  # fmt: skip
    keys = await control.seed_vouchers(tenant, vouchers)
    assert len(keys) == 500
    # Numbered per series and year in the order given; last year after the demo's vouchers.
    assert keys[:4] == ["1/A/3", "2/B/1", "1/D/3", "2/A/1"]
    per_year = Counter(key.split("/")[0] for key in keys)
    assert per_year == {"1": 250, "2": 250}
    for year, expected_count in ((LAST_YEAR, 255), (THIS_YEAR, 250)):
        listed = [v async for v in fortnox.vouchers.iterate(financialyear=str(year))]
        assert len(listed) == expected_count
        numbers: dict[str, list[int]] = {}
        for item in listed:
            numbers.setdefault(str(item.voucher_series), []).append(int(item.voucher_number or 0))
        for series_numbers in numbers.values():
            assert sorted(series_numbers) == list(range(1, len(series_numbers) + 1))
        document = read_document(io.BytesIO(await fortnox.sie.export(year))).document
        assert len(document.vouchers) == expected_count
    one = await fortnox.vouchers.get(keys[5])
    assert one.description == "Inköp 105"
    first = (one.voucher_rows or [])[0]
    assert (first.account, first.project, first.cost_center) == (4010, "1", "PROD")
    plain = (await fortnox.vouchers.get(keys[1])).voucher_rows or []
    assert plain[0].project in (None, "")


async def test_a_refused_voucher_books_none(
    control: SandboxControl, fortnox: FortnoxClient, tenant: int
) -> None:
    good = [a_voucher("A", "2026-02-01", 100) for _ in range(3)]
    unbalanced = a_voucher("A", "2026-02-01", 100)
    unbalanced["VoucherRows"][2]["Credit"] = 1
    for bad, code in (
        (unbalanced, "2990032"),
        (a_voucher("Q", "2026-02-01", 100), "2990010"),  # no series Q
        (a_voucher("A", "2030-02-01", 100), "2990005"),  # no financial year
        (a_voucher("A", "2026-02-01", 100, Project="99"), "2990010"),
        (a_voucher("A", "2026-02-01", 100) | {"Bogus": 1}, "2001399"),
    ):
        with pytest.raises(SandboxControlError, match=rf"400.*refused.*voucher 3: .*{code}"):
            await control.seed_vouchers(tenant, [*good, bad])
    with pytest.raises(SandboxControlError, match=r"voucher 0: .*2990031"):  # outside year 2
        await control.seed_vouchers(tenant, [a_voucher("A", "2025-06-01", 1)], financial_year=2)
    await control.company_settings(tenant, locked_period_end="2026-01-31")
    with pytest.raises(SandboxControlError, match=r"voucher 0: .*2990006"):
        await control.seed_vouchers(tenant, [a_voucher("A", "2026-01-31", 100)])
    with pytest.raises(SandboxControlError, match=r"400.*no financial year with Id 9"):
        await control.seed_vouchers(tenant, good, financial_year=9)
    assert [v async for v in fortnox.vouchers.iterate(financialyear=str(THIS_YEAR))] == []
    # The refused batches took no numbers.
    assert await control.seed_vouchers(tenant, good[:1]) == ["2/A/1"]


async def test_files_connected_in_bulk(
    control: SandboxControl, fortnox: FortnoxClient, tenant: int
) -> None:
    keys = await control.seed_vouchers(
        tenant, [a_voucher("A", "2026-03-01", 10), a_voucher("D", "2026-03-02", 20)]
    )
    existing = await fortnox.archive.upload(b"%PDF-1.4 kvitto", "kvitto.pdf")
    connected = await control.connect_voucher_files(tenant, [
        {"voucher": keys[0]},
        {"voucher": keys[1], "name": "faktura.pdf",
         "content": base64.b64encode(b"%PDF-1.4 faktura").decode()},
        {"voucher": "1/A/1", "file_id": str(existing.id)},
    ])  # fmt: skip
    assert [(c["voucher"], c["Name"]) for c in connected] == [
        ("2/A/1", "Verifikation A1.pdf"),
        ("2/D/1", "faktura.pdf"),
        ("1/A/1", "kvitto.pdf"),
    ]
    this_year = {c.voucher_series: c async for c in fortnox.voucher_file_connections.for_year(2)}
    assert set(this_year) == {"A", "D"}
    assert file_name(this_year["D"]) == "faktura.pdf"
    generated = await fortnox.archive.file(str(this_year["A"].file_id))
    assert generated.content.startswith(b"%PDF")
    read = await fortnox.archive.file(str(this_year["D"].file_id))
    assert read.content == b"%PDF-1.4 faktura"
    last_year = [c async for c in fortnox.voucher_file_connections.for_year(1)]
    assert [c.file_id for c in last_year] == [str(existing.id)]
    with pytest.raises(SandboxControlError, match=r"400.*unknown_voucher"):
        await control.connect_voucher_files(tenant, [{"voucher": "2/A/99"}])


async def test_the_in_process_function_books_a_large_year_quickly(
    sandbox_state: SandboxState, tenant: int
) -> None:
    rows = [{"Account": 4010, "Debit": 100, "Project": "1"}, {"Account": 5460, "Debit": 50},
            {"Account": 6110, "Debit": 25}, {"Account": 2640, "Debit": 10},
            {"Account": 1930, "Credit": 185}]  # fmt: skip
    vouchers = [
        {"VoucherSeries": "A", "TransactionDate": f"2026-{1 + i % 12:02d}-15",
         "Description": f"V{i}", "VoucherRows": rows}
        for i in range(2000)
    ]  # fmt: skip
    keys = seed_vouchers(sandbox_state, tenant, vouchers, financial_year_id=THIS_YEAR)
    assert keys[-1] == "2/A/2000"
    stored = sandbox_state.companies[tenant].register("vouchers").records["2/A/2000"]
    assert sum(Decimal(str(r["Debit"])) for r in stored["VoucherRows"]) == Decimal(185)
    with pytest.raises(ControlError):
        seed_vouchers(sandbox_state, 99, vouchers)
