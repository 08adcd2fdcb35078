"""The sandbox's voucher test controls: a booked voucher amended (rows set, added, marked
removed) or cancelled as a person does in Fortnox's screens, and their refusals."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ClientFactory
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl, SandboxControlError


@pytest.fixture
async def booked(
    control: SandboxControl, make_client: ClientFactory
) -> tuple[int, FortnoxClient, str]:
    """A demo company with one voucher of 100 on 4010 against 1930; the company, a client and
    the voucher's key."""
    company = int((await control.create_company("Bygg AB", seed="demo"))["tenant_id"])
    client = await make_client(company, ["bookkeeping"])
    rows: list[dict[str, Any]] = [
        {"Account": 4010, "Debit": 100},
        {"Account": 1930, "Credit": 100},
    ]
    voucher = await client.vouchers.create(
        {"voucher_series": "A", "transaction_date": "2026-01-01", "description": "Inköp",
         "voucher_rows": rows}
    )  # fmt: skip
    return company, client, client.vouchers.key(voucher)


async def test_an_amended_voucher_reads_as_amended(
    control: SandboxControl, booked: tuple[int, FortnoxClient, str]
) -> None:
    company, client, key = booked
    await control.amend_voucher(
        company, key, set_rows={0: {"Project": "1", "TransactionInformation": "Virke"}},
        add_rows=[{"Account": 4010, "Debit": 50}, {"Account": 1930, "Credit": 50}],
    )  # fmt: skip
    await control.amend_voucher(company, key, remove_rows=[2, 3])
    with pytest.raises(SandboxControlError, match="unbalanced"):
        await control.amend_voucher(company, key, remove_rows=[0])
    voucher = await client.vouchers.get(key)
    rows = voucher.voucher_rows or []
    seen = [
        (r.account, r.project or None, r.transaction_information or None, r.removed) for r in rows
    ]
    assert seen == [
        (4010, "1", "Virke", False),
        (1930, None, None, False),
        (4010, None, None, True),
        (1930, None, None, True),
    ]


async def test_a_cancelled_voucher_is_gone_and_unknown_ones_are_404(
    control: SandboxControl, booked: tuple[int, FortnoxClient, str]
) -> None:
    company, client, key = booked
    with pytest.raises(SandboxControlError, match=r"400.*'set' takes only"):
        await control.amend_voucher(company, key, set_rows={0: {"Account": 1}})
    assert await control.cancel_voucher(company, key) == {"cancelled": True}
    assert [row async for row in client.vouchers.iterate()] == []
    with pytest.raises(SandboxControlError, match=r"404.*unknown_voucher"):
        await control.cancel_voucher(company, key)
