"""Suppliers through the client against the in-process sandbox: create, list, get, search,
update; Fortnox offers no DELETE, and a supplier that is not there is a 404."""

from __future__ import annotations

import pytest

from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import MissingScopeError, UnsupportedOperation
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Leverantör AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, ["supplier"])
    return client


async def test_supplier_create_list_get_update(fortnox: FortnoxClient) -> None:
    created = await fortnox.suppliers.create(
        {
            "name": "Byggvaruhuset i Gävle AB",
            "organisation_number": "556677-8899",
            "city": "Gävle",
            "country_code": "SE",
            "phone1": "026-10 20 30",
            "bg": "123-4567",
        }
    )
    number = created.supplier_number
    assert number
    assert (created.active, created.country) == (True, "Sverige")
    fetched = await fortnox.suppliers.get(number)
    assert (fetched.name, fetched.organisation_number) == (
        "Byggvaruhuset i Gävle AB",
        "556677-8899",
    )
    listed = {s.supplier_number: s async for s in fortnox.suppliers.iterate()}
    assert listed[number].name == "Byggvaruhuset i Gävle AB"
    assert listed[number].phone == "026-10 20 30"  # the list names Phone1 "Phone"
    found = await fortnox.suppliers.list_page(search={"name": "byggvaru"})
    assert [s.supplier_number for s in found.items] == [number]
    given = await fortnox.suppliers.create({"supplier_number": "L-200", "name": "Plåt & Tak"})
    assert given.supplier_number == "L-200"
    updated = await fortnox.suppliers.update(number, {"city": "Sandviken"})
    assert updated.city == "Sandviken"
    with pytest.raises(UnsupportedOperation):
        await fortnox.suppliers.delete(number)
    with pytest.raises(NotFoundError):
        await fortnox.suppliers.get("9999")


async def test_suppliers_need_the_supplier_scope(connect: Connect, control: SandboxControl) -> None:
    tenant = (await control.create_company("Utan Scope AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, ["customer"])
    with pytest.raises(MissingScopeError):
        await client.suppliers.list_page()
