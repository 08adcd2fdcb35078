"""The SIE export (``GET /3/sie/{Type}``) through the client against the in-process sandbox: the
file read back by the formats reader holds the sandbox's vouchers, rows, objects and per-account
totals for a year with several series, cost centres and projects."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fortnox_bridge.formats.sie import read_document
from fortnox_bridge.formats.sie.document import Document
from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import FortnoxApiError, ServerError
from fortnox_bridge.fortnox.models.voucher import Voucher, VoucherVoucherRow
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import REFERENCE_DIR, Connect

LAST_YEAR, THIS_YEAR = 1, 2  # the demo company's financial years

#: ``(series, date, description, rows)``; a row is ``(account, debit, credit, cost centre,
#: project, transaction information)``.
BOOKED: tuple[tuple[str, str, str, tuple[tuple[Any, ...], ...]], ...] = (
    ("A", "2026-01-15", "Kontorsmaterial", (
        (6110, "400", "0", "ADM", None, "Pärmar"), (2640, "100", "0", None, None, None),
        (1930, "0", "500", None, None, None))),
    ("A", "2026-02-03", "Konsult Webbshop", (
        (6550, "12000.50", "0", "SALJ", "2", None), (1930, "0", "12000.50", None, None, None))),
    ("B", "2026-02-10", "Försäljning", (
        (1510, "6250", "0", None, None, None), (3041, "0", "5000", "PROD", "1", None),
        (2610, "0", "1250", None, None, None))),
    ("D", "2026-03-01", "Material Kontorsflytt", (
        (4010, "800", "0", "PROD", "1", None), (2640, "200", "0", None, None, None),
        (2440, "0", "1000", None, None, None))),
    ("A", "2026-03-20", "Bankavgift", (
        (6570, "75", "0", None, None, None), (1930, "0", "75", None, None, None))),
)  # fmt: skip


@pytest.fixture
async def tenant(control: SandboxControl) -> int:
    return int((await control.create_company("Bokföring AB", seed="demo"))["tenant_id"])


@pytest.fixture
async def fortnox(connect: Connect, tenant: int) -> FortnoxClient:
    client, _, _ = await connect(tenant, ["bookkeeping"])
    return client


async def _book(fortnox: FortnoxClient) -> list[str]:
    keys = []
    for series, day, text, rows in BOOKED:
        voucher = await fortnox.vouchers.create(
            {"voucher_series": series, "transaction_date": day, "description": text,
             "voucher_rows": [
                 VoucherVoucherRow(account=account, debit=Decimal(debit),
                                   credit=Decimal(credit), cost_center=centre, project=project,
                                   transaction_information=info)
                 for account, debit, credit, centre, project, info in rows]},
            financial_year=THIS_YEAR,
        )  # fmt: skip
        keys.append(fortnox.vouchers.key(voucher))
    return keys


async def _sandbox_vouchers(fortnox: FortnoxClient, year: int) -> list[Voucher]:
    """Every voucher of ``year`` with its rows, read through the API."""
    listed = [v async for v in fortnox.vouchers.iterate(financialyear=str(year))]
    return [await fortnox.vouchers.get(fortnox.vouchers.key(item)) for item in listed]


def _read(content: bytes) -> Document:
    result = read_document(io.BytesIO(content), strict=True)
    assert result.encoding == "cp437"
    return result.document


def _amount(value: Decimal | None) -> Decimal:
    return Decimal(value or 0)


def _expected_rows(voucher: Voucher) -> list[tuple[str, str, Decimal, tuple[tuple[int, str], ...],
                                                   str]]:  # fmt: skip
    out = []
    for row in voucher.voucher_rows or []:
        objects = tuple(
            (dim, str(value))
            for dim, value in ((1, row.cost_center), (6, row.project))
            if value not in (None, "")
        )
        kind = "BTRANS" if row.removed else "TRANS"
        amount = _amount(row.debit) - _amount(row.credit)
        out.append((kind, str(row.account), amount, objects, row.transaction_information or ""))
    return out


async def test_the_type_4_file_holds_the_years_vouchers_and_totals(
    fortnox: FortnoxClient, control: SandboxControl, tenant: int
) -> None:
    keys = await _book(fortnox)
    # A row struck and two added in Fortnox's screens, after booking.
    await control.amend_voucher(tenant, keys[0], remove_rows=[0, 1],
        add_rows=[{"Account": 6110, "Debit": 500, "CostCenter": "SALJ"}])  # fmt: skip
    content = await fortnox.sie.export(THIS_YEAR, type=4)
    assert isinstance(content, bytes)
    assert content.startswith(b"#FLAGGA 0\r\n#FORMAT PC8\r\n")
    assert "Bokföring AB".encode("cp437") in content  # PC8, not UTF-8
    document = _read(content)

    expected = await _sandbox_vouchers(fortnox, THIS_YEAR)
    assert len(expected) == len(BOOKED)
    assert len({v.voucher_series for v in expected}) == 3
    assert [(v.series, v.number, v.date.isoformat() if v.date else None, v.text)
            for v in document.vouchers] == [
        (e.voucher_series, str(e.voucher_number), str(e.transaction_date), e.description)
        for e in expected
    ]  # fmt: skip
    for index, (read, sandbox) in enumerate(zip(document.vouchers, expected, strict=True)):
        seen = [(row.kind, row.account, row.amount, row.objects, row.text) for row in read.rows]
        rows = _expected_rows(sandbox)
        if index == 0:  # the row added later comes as #RTRANS with its #TRANS copy
            rows.insert(3, ("RTRANS", *rows[3][1:]))
        assert seen == rows
        assert read.total() == 0
    amended = document.vouchers[0]
    assert [r.account for r in amended.removed] == ["6110", "2640"]
    assert [r.account for r in amended.added] == ["6110"]
    assert [r.account for r in amended.transactions] == ["1930", "6110"]

    totals: dict[str, Decimal] = defaultdict(Decimal)
    for voucher in expected:
        for row in voucher.voucher_rows or []:
            if not row.removed:
                totals[str(row.account)] += _amount(row.debit) - _amount(row.credit)
    closing = {b.account: b.amount for b in document.balances if b.kind in ("UB", "RES")}
    assert closing == {account: total for account, total in totals.items() if total}
    assert {b.account for b in document.balances if b.kind == "RES"} == {
        a for a in totals if int(a) >= 3000
    }
    assert document.dimensions[1].name == "Kostnadsställe"
    assert document.dimensions[6].name == "Projekt"
    assert document.objects[1, "ADM"] == "Administration"
    assert document.objects[6, "2"] == "Webbshop 2.0"
    assert [(y.year, y.start.isoformat()) for y in document.financial_years] == [
        (0, "2026-01-01"), (-1, "2025-01-01")]  # fmt: skip
    assert document.company.name == "Bokföring AB"
    assert document.company.org_number == "556677-8899"
    assert document.company.company_id == str(tenant)


async def test_each_type_and_the_year_asked_for(fortnox: FortnoxClient) -> None:
    await _book(fortnox)
    last = _read(await fortnox.sie.export(LAST_YEAR))
    assert [(v.series, v.number) for v in last.vouchers] == [
        ("A", "1"), ("A", "2"), ("B", "1"), ("D", "1"), ("D", "2")]  # fmt: skip
    assert [y.year for y in last.financial_years] == [0]
    type_1 = _read(await fortnox.sie.export(THIS_YEAR, type=1))
    assert type_1.sie_type == 1
    assert not type_1.vouchers
    assert not type_1.period_balances
    assert not type_1.dimensions
    assert type_1.balances
    type_2 = _read(await fortnox.sie.export(THIS_YEAR, type=2))
    assert {p.period for p in type_2.period_balances} == {"202601", "202602", "202603"}
    assert not type_2.dimensions
    type_3 = _read(await fortnox.sie.export(THIS_YEAR, type=3))
    assert type_3.dimensions
    assert not type_3.vouchers
    # Without a year: the year of the sandbox's date (this year).
    current = _read(await fortnox.sie.export(type=4))
    assert len(current.vouchers) == len(BOOKED)


async def test_opening_balances_come_from_the_accounts(fortnox: FortnoxClient) -> None:
    await fortnox.accounts.update(1930, {"balance_brought_forward": Decimal("10000")})
    await _book(fortnox)
    document = _read(await fortnox.sie.export(THIS_YEAR, type=1))
    balances = {(b.kind, b.account): b.amount for b in document.balances}
    assert balances["IB", "1930"] == Decimal("10000.00")
    assert balances["UB", "1930"] == Decimal("10000") - Decimal("12575.50")


async def test_refusals_and_the_scripted_fault(
    fortnox: FortnoxClient, control: SandboxControl, sandbox: httpx.AsyncClient, tenant: int
) -> None:
    with pytest.raises(NotFoundError) as missing:
        await fortnox.sie.export(99)
    assert missing.value.status == 404
    assert missing.value.code == 2990106
    with pytest.raises(ValueError, match="SIE type"):
        await fortnox.sie.export(THIS_YEAR, type=5)
    token = (await control.issue_tokens(tenant, ["bookkeeping"]))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answer = await sandbox.get("/3/sie/5", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["ErrorInformation"]["code"] == 2000588
    answer = await sandbox.get("/3/sie/4?financialYear=1", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=IBM437"
    no_scope = {"Authorization": "Bearer " + (await control.issue_tokens(tenant, ["salary"]))[
        "access_token"]}  # fmt: skip
    assert (await sandbox.get("/3/sie/4", headers=no_scope)).status_code == 403

    await control.add_fault("5xx", status=500, path_prefix="/3/sie")
    with pytest.raises(ServerError):
        await fortnox.sie.export(THIS_YEAR)
    await control.clear_faults()
    await control.add_fault("403", path_prefix="/3/sie", count=1)
    with pytest.raises(FortnoxApiError) as refused:
        await fortnox.sie.export(THIS_YEAR)
    assert refused.value.status == 403
    assert (await fortnox.vouchers.list_page(financialyear=str(THIS_YEAR))).items == []
    assert await fortnox.sie.export(THIS_YEAR)  # the one-off fault is spent


async def test_every_label_written_is_one_real_fortnox_writes(fortnox: FortnoxClient) -> None:
    sample = REFERENCE_DIR / "sie-samples" / "Fortnox_Bokforing_2.0.0_Sie4.se"
    if not sample.is_file():
        pytest.skip("the reference SIE samples are not present")
    await _book(fortnox)

    def labels(content: bytes) -> set[str]:
        return {line.split()[0] for line in content.decode("cp437").splitlines()
                if line.startswith("#")}  # fmt: skip

    ours = labels(await fortnox.sie.export(THIS_YEAR, type=4))
    # #BTRANS appears only where a row was struck later, which the sample company never did.
    assert ours - {"#BTRANS"} <= labels(sample.read_bytes())
    assert {"#VER", "#TRANS", "#IB", "#UB", "#RES", "#PSALDO", "#DIM", "#OBJEKT"} <= ours
