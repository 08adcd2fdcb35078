"""Every write of a register with a WebSocket topic publishes its event, with Fortnox's type
names: creates, updates, deletes, cancels and bookings through the API, a person's changes
through the control API; starting records publish nothing and offsets grow per topic."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.control_client import SandboxControl, SandboxControlError
from fortnox_bridge.sandbox.topics.catalogue import change_of
from fortnox_bridge.sandbox.topics.log import decode_offset, encode_offset

from .conftest import ApiFactory

ID_FIELDS = ("CustomerNumber", "ArticleNumber", "Code", "ProjectNumber", "SupplierNumber")
BALANCED = [{"Account": 1930, "Debit": 1000}, {"Account": 3001, "Credit": 1000}]


@pytest.fixture
async def client(api: ApiFactory, demo_tenant: int) -> httpx.AsyncClient:
    return await api(demo_tenant, sorted(KNOWN_SCOPES))


async def _types(control: SandboxControl, topic: str, tenant: int) -> list[tuple[str, str]]:
    events = await control.topic_events(topic, tenant_id=tenant)
    return [(event["type"], event["entityId"]) for event in events]


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


async def test_a_new_company_publishes_nothing(control: SandboxControl, demo_tenant: int) -> None:
    assert await control.topic_events() == []


@pytest.mark.parametrize(
    ("path", "key", "body", "change", "topic", "noun", "updated"),
    [
        ("customers", "Customer", {"Name": "Kund AB"}, {"City": "Lund"}, "customers",
         "customer", "customer-updated-v2"),
        ("articles", "Article", {"Description": "Skruv"}, {"Description": "Mutter"},
         "articles", "article", "article-updated-v1"),
        ("costcenters", "CostCenter", {"Code": "CC9", "Description": "Nio"},
         {"Description": "Nio nu"}, "cost-centers", "cost-center", "cost-center-updated-v1"),
        ("projects", "Project", {"Description": "Bygget"}, {"Description": "Bygget 2"},
         "projects", "project", "project-updated-v1"),
        ("suppliers", "Supplier", {"Name": "Lev AB"}, {"City": "Umeå"}, "suppliers",
         "supplier", "supplier-updated-v1"),
        ("termsofpayments", "TermsOfPayment", {"Code": "T45", "Description": "45 dagar"},
         {"Description": "45 dagar netto"}, "termsofpayments", "termsofpayments",
         "termsofpayments-updated-v1"),
    ],
)  # fmt: skip
async def test_register_creates_updates_and_deletes(
    client: httpx.AsyncClient,
    control: SandboxControl,
    demo_tenant: int,
    path: str,
    key: str,
    body: dict[str, Any],
    change: dict[str, Any],
    topic: str,
    noun: str,
    updated: str,
) -> None:
    created = (await _ok(await client.post(f"/3/{path}", json={key: body})))[key]
    entity = next(str(v) for k, v in created.items() if k in ID_FIELDS)
    await _ok(await client.put(f"/3/{path}/{entity}", json={key: change}))
    expected = [(f"{noun}-created-v1", entity), (updated, entity)]
    deleted = await client.delete(f"/3/{path}/{entity}")
    if path == "suppliers":  # Fortnox's API deletes no supplier
        assert deleted.status_code in (404, 405)
    else:
        assert deleted.status_code in (200, 204)
        expected.append((f"{noun}-deleted-v1", entity))
    assert await _types(control, topic, demo_tenant) == expected


async def test_invoices_created_updated_booked_and_cancelled(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    first = await _ok(await client.post("/3/invoices", json={"Invoice": {"CustomerNumber": "1"}}))
    number = str(first["Invoice"]["DocumentNumber"])
    await _ok(await client.put(f"/3/invoices/{number}", json={"Invoice": {"Comments": "x"}}))
    await _ok(await client.put(f"/3/invoices/{number}/bookkeep"))
    second = await _ok(await client.post("/3/invoices", json={"Invoice": {"CustomerNumber": "1"}}))
    other = str(second["Invoice"]["DocumentNumber"])
    await _ok(await client.put(f"/3/invoices/{other}/cancel"))
    assert await _types(control, "invoices", demo_tenant) == [
        ("invoice-created-v1", number),
        ("invoice-updated-v1", number),
        ("invoice-bookkeep-v1", number),
        ("invoice-created-v1", other),
        ("invoice-cancelled-v1", other),
    ]
    # booking made the invoice's voucher, which publishes on its own topic
    vouchers = await control.topic_events("vouchers", tenant_id=demo_tenant)
    assert [event["type"] for event in vouchers] == ["voucher-created-v1"]


async def test_supplier_invoices_created_booked_and_cancelled(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    await _ok(await client.post("/3/suppliers", json={"Supplier": {"Name": "Lev AB"}}))
    body = {"SupplierInvoice": {"SupplierNumber": "1", "Total": "125"}}
    first = str((await _ok(await client.post("/3/supplierinvoices", json=body)))[
        "SupplierInvoice"]["GivenNumber"])  # fmt: skip
    await _ok(await client.put(f"/3/supplierinvoices/{first}/bookkeep"))
    other = str((await _ok(await client.post("/3/supplierinvoices", json=body)))[
        "SupplierInvoice"]["GivenNumber"])  # fmt: skip
    await _ok(await client.put(f"/3/supplierinvoices/{other}", json={
        "SupplierInvoice": {"Comments": "fel"}}))  # fmt: skip
    await _ok(await client.put(f"/3/supplierinvoices/{other}/cancel"))
    assert await _types(control, "supplier-invoices", demo_tenant) == [
        ("supplier-invoice-created-v1", first),
        ("supplier-invoice-bookkeep-v1", first),
        ("supplier-invoice-created-v1", other),
        ("supplier-invoice-updated-v1", other),
        ("supplier-invoice-cancelled-v1", other),
    ]
    vouchers = await control.topic_events("vouchers", tenant_id=demo_tenant)
    assert [event["type"] for event in vouchers] == ["voucher-created-v1"]


async def test_orders_created_updated_and_cancelled(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    await _ok(await client.post("/3/orders", json={"Order": {"CustomerNumber": "1"}}))
    await _ok(await client.put("/3/orders/1", json={"Order": {"Comments": "snabbt"}}))
    await _ok(await client.put("/3/orders/1/cancel"))
    assert await _types(control, "orders", demo_tenant) == [
        ("order-created-v1", "1"),
        ("order-updated-v1", "1"),
        ("order-cancelled-v1", "1"),
    ]


async def test_vouchers_carry_year_series_and_number(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    voucher = {"Description": "Kontant", "TransactionDate": "2026-02-10", "VoucherSeries": "A",
               "VoucherRows": BALANCED}  # fmt: skip
    created = (await _ok(await client.post("/3/vouchers", json={"Voucher": voucher})))["Voucher"]
    key = f"{created['Year']}/A/{created['VoucherNumber']}"
    await control.amend_voucher(demo_tenant, key, set_rows={0: {"TransactionInformation": "x"}})
    await control.cancel_voucher(demo_tenant, key)
    events = await control.topic_events("vouchers", tenant_id=demo_tenant)
    assert [event["type"] for event in events] == [
        "voucher-created-v1",
        "voucher-updated-v1",
        "voucher-deleted-v1",
    ]
    for event in events:
        assert event["entityId"] == str(created["VoucherNumber"])
        assert (event["year"], event["series"], event["id"]) == (
            created["Year"], "A", created["VoucherNumber"])  # fmt: skip
        assert event["tenantId"] == demo_tenant
        assert event["timestamp"].endswith("+00:00")


async def test_financial_years_and_published_offers(
    client: httpx.AsyncClient, control: SandboxControl, demo_tenant: int
) -> None:
    year = {"FinancialYear": {"FromDate": "2027-01-01", "ToDate": "2027-12-31"}}
    created = (await _ok(await client.post("/3/financialyears", json=year)))["FinancialYear"]
    assert await _types(control, "financial-years", demo_tenant) == [
        ("financial-year-created-v1", str(created["Id"]))
    ]
    # the sandbox has no offers register: the control API publishes such events
    event = await control.publish_event(demo_tenant, "offers", "offer-canceled-v1", "7")
    assert event["topic"] == "offers"
    assert await _types(control, "offers", demo_tenant) == [("offer-canceled-v1", "7")]
    with pytest.raises(SandboxControlError, match="400"):
        await control.publish_event(demo_tenant, "employees", "employee-created-v1", "1")


async def test_offsets_grow_per_topic_and_tenants_are_told_apart(
    api: ApiFactory, control: SandboxControl, demo_tenant: int
) -> None:
    other = int((await control.create_company("Andra AB", seed="demo"))["tenant_id"])
    mine, theirs = await api(demo_tenant), await api(other)
    for index in range(3):
        await _ok(
            await mine.post(
                "/3/costcenters", json={"CostCenter": {"Code": f"M{index}", "Description": "m"}}
            )
        )
        await _ok(
            await theirs.post(
                "/3/costcenters", json={"CostCenter": {"Code": f"T{index}", "Description": "t"}}
            )
        )
    events = await control.topic_events("cost-centers")
    offsets = [event["offset"] for event in events]
    assert offsets == sorted(offsets)
    assert len(set(offsets)) == 6
    assert [e["entityId"] for e in events if e["tenantId"] == other] == ["T0", "T1", "T2"]
    assert len(await control.topic_events("cost-centers", tenant_id=demo_tenant)) == 3
    await control.reset()
    assert await control.topic_events() == []


def test_offsets_sort_as_their_numbers() -> None:
    numbers = [0, 1, 61, 62, 3843, 3844, 10**15, 10**15 + 1, 62**11 - 1]
    offsets = [encode_offset(number) for number in numbers]
    assert offsets == sorted(offsets)
    assert {len(offset) for offset in offsets} == {11}
    assert [decode_offset(offset) for offset in offsets] == numbers
    for wrong in ("", "abc", "0000000000!", 42, None, "0" * 12):
        assert decode_offset(wrong) is None


@pytest.mark.parametrize(
    ("old", "new", "type_"),
    [
        (None, {"Cancelled": False}, "offer-created-v1"),
        ({"Cancelled": False}, {"Cancelled": False, "Total": 2}, "offer-updated-v1"),
        ({"Cancelled": False}, {"Cancelled": True}, "offer-canceled-v1"),
        ({"Total": 1}, None, "offer-deleted-v1"),
    ],
)
def test_an_offers_register_would_publish_fortnox_names(
    old: dict[str, Any] | None, new: dict[str, Any] | None, type_: str
) -> None:
    change = change_of("offers", "12", old, new)
    assert change is not None
    assert (change.topic, change.type, change.entity_id) == ("offers", type_, "12")
    assert change_of("employees", "1", None, {"FirstName": "A"}) is None
