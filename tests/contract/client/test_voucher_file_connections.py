"""Voucher file connections (``/3/voucherfileconnections``) through the client against the
sandbox: an archive file connected to a voucher of this or last year, listed per year and
searched, read, removed, and the refusals (unknown file, voucher, connection, scope)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxApiError, NotFoundError, ValidationError
from fortnox_bridge.fortnox.models.voucher import VoucherVoucherRow
from fortnox_bridge.fortnox.resources.voucher_file_connection import file_name
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

SCOPES = ["bookkeeping", "archive", "connectfile"]
LAST_YEAR, THIS_YEAR = 1, 2  # the demo company's financial years
PDF = b"%PDF-1.4\n% a receipt\n%%EOF\n"


@pytest.fixture
async def tenant(control: SandboxControl) -> int:
    return int((await control.create_company("Kvitto AB", seed="demo"))["tenant_id"])


@pytest.fixture
async def fortnox(connect: Connect, tenant: int) -> FortnoxClient:
    client, _, _ = await connect(tenant, SCOPES)
    return client


async def _voucher(fortnox: FortnoxClient, series: str, text: str) -> int:
    voucher = await fortnox.vouchers.create(
        {"voucher_series": series, "transaction_date": "2026-02-01", "description": text,
         "voucher_rows": [VoucherVoucherRow(account=6110, debit=Decimal(80)),
                          VoucherVoucherRow(account=1930, credit=Decimal(80))]},
        financial_year=THIS_YEAR,
    )  # fmt: skip
    assert voucher.voucher_number is not None
    return voucher.voucher_number


async def test_a_file_is_connected_listed_per_year_and_removed(fortnox: FortnoxClient) -> None:
    connections = fortnox.voucher_file_connections
    number = await _voucher(fortnox, "A", "Kontorsmaterial")
    await _voucher(fortnox, "D", "Annat")
    receipt = await fortnox.archive.upload(PDF, "kvitto.pdf")
    made = await connections.connect(str(receipt.id), "A", number, financial_year=THIS_YEAR)
    assert (made.file_id, made.voucher_series, made.voucher_number) == (
        str(receipt.id), "A", str(number))  # fmt: skip
    assert (made.voucher_year, made.voucher_description) == (THIS_YEAR, "Kontorsmaterial")
    assert file_name(made) == "kvitto.pdf"
    # Last year's seeded voucher A 1, named by the year's Id.
    old = await fortnox.archive.upload(PDF, "gammal.pdf")
    await connections.connect(str(old.id), "A", 1, financial_year=LAST_YEAR)

    this_year = [c async for c in connections.for_year(THIS_YEAR)]
    assert [(c.file_id, c.voucher_year) for c in this_year] == [(str(receipt.id), THIS_YEAR)]
    last_year = [c async for c in connections.for_year(LAST_YEAR)]
    assert [(c.voucher_series, c.voucher_number) for c in last_year] == [("A", "1")]
    assert [c async for c in connections.for_year(THIS_YEAR, voucherseries="D")] == []
    found = await connections.list_page(search={"voucherdescription": "kontorsmat"})
    assert [c.file_id for c in found.items] == [str(receipt.id)]
    assert (await connections.get(str(receipt.id))).voucher_number == str(number)

    await connections.delete(str(receipt.id))
    with pytest.raises(NotFoundError) as gone:
        await connections.get(str(receipt.id))
    assert gone.value.code == 2990154
    # The file stays in the archive; it can be connected again.
    assert (await fortnox.archive.file(str(receipt.id))).content == PDF
    await connections.connect(str(receipt.id), "A", number)


async def test_refusals(fortnox: FortnoxClient, connect: Connect, tenant: int) -> None:
    connections = fortnox.voucher_file_connections
    number = await _voucher(fortnox, "A", "Kontorsmaterial")
    receipt = await fortnox.archive.upload(PDF, "kvitto.pdf")
    with pytest.raises(ValidationError) as no_file:
        await connections.connect("no-such-file", "A", number)
    assert no_file.value.code == 2990153
    with pytest.raises(ValidationError) as no_voucher:
        await connections.connect(str(receipt.id), "A", 99)
    assert no_voucher.value.code == 2990153
    with pytest.raises(ValidationError) as wrong_year:  # A 2 exists last year, not this one
        await connections.connect(str(receipt.id), "A", 2, financial_year=THIS_YEAR)
    assert wrong_year.value.code == 2990153
    with pytest.raises(ValidationError) as unknown_year:
        await connections.connect(str(receipt.id), "A", number, financial_year=9)
    assert unknown_year.value.code == 2990030
    await connections.connect(str(receipt.id), "A", number)
    with pytest.raises(ValidationError) as twice:
        await connections.connect(str(receipt.id), "A", number)
    assert twice.value.code == 2000729
    with pytest.raises(NotFoundError):
        await connections.delete("no-such-file")
    without, _, _ = await connect(tenant, ["bookkeeping", "archive"])
    with pytest.raises(FortnoxApiError) as scope:
        await without.voucher_file_connections.list_page()
    assert scope.value.status == 403


async def test_the_year_by_a_date_of_it(
    fortnox: FortnoxClient, control: SandboxControl, sandbox: httpx.AsyncClient, tenant: int
) -> None:
    receipt = await fortnox.archive.upload(PDF, "kvitto.pdf")
    token = (await control.issue_tokens(tenant, SCOPES))["access_token"]
    body = {"VoucherFileConnection": {"FileId": str(receipt.id), "VoucherSeries": "D",
                                      "VoucherNumber": "2"}}  # fmt: skip
    answer = await sandbox.post(
        "/3/voucherfileconnections?financialyeardate=2025-01-01",
        json=body, headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert answer.status_code == 201
    assert answer.headers["location"] == "voucherfileconnections"
    made = answer.json()["VoucherFileConnection"]
    assert (made["VoucherYear"], made["VoucherNumber"]) == (LAST_YEAR, "2")
