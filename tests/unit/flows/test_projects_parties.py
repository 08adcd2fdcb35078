"""The pure parts of the projects family's customer and supplier flows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fortnox_bridge.flows.projects.customer_export import CustomerExport
from fortnox_bridge.flows.projects.parties import party_reference
from fortnox_bridge.flows.projects.records import HostProjectCustomer, HostProjectSupplier
from fortnox_bridge.flows.projects.supplier_export import SupplierExport
from fortnox_bridge.flows.projects.supplier_import import SupplierImport


def test_a_customer_maps_to_fortnox_fields_leaving_empty_ones_out() -> None:
    record = HostProjectCustomer(
        number="1001", name="Bygg AB", mobile="070-1", type="private", vat_type="EUVAT"
    ).model_dump(mode="json", exclude_none=True)
    assert CustomerExport().map(record) == {
        "customer_number": "1001",
        "name": "Bygg AB",
        "phone2": "070-1",
        "type": "PRIVATE",
        "vat_type": "EUVAT",
    }


def test_number_country_code_vat_type_and_organisation_number_go_on_create_only() -> None:
    assert CustomerExport.create_only == {
        "customer_number",
        "country_code",
        "vat_type",
        "organisation_number",
    }
    assert SupplierExport.create_only == {"supplier_number", "organisation_number"}


@pytest.mark.parametrize("number", ["10 01", "1001#", ""])
def test_a_number_fortnox_cannot_take_is_refused(number: str) -> None:
    with pytest.raises(ValidationError):
        HostProjectCustomer(number=number, name="Bygg AB")


def test_a_supplier_round_trips_through_export_and_import_names() -> None:
    host = HostProjectSupplier(
        number="2001", name="Lager AB", phone="018-1", bankgiro="5050-1001", active=False
    ).model_dump(mode="json", exclude_none=True)
    sent = SupplierExport().map(host)
    assert sent == {
        "supplier_number": "2001",
        "name": "Lager AB",
        "phone1": "018-1",
        "bg": "5050-1001",
        "active": False,
    }
    listed = {**sent, "phone": sent.pop("phone1")}  # the supplier list calls Phone1 Phone
    assert SupplierImport().unmap(listed) == host


def test_a_reference_names_the_party_and_shortens_a_long_name() -> None:
    assert party_reference("customer", "c1", {"number": "1001", "name": "Bygg AB"}) == (
        "customer c1 (1001 Bygg AB)"
    )
    long = party_reference("supplier", "s1", {"number": "2001", "name": "L" * 300})
    assert long == f"supplier s1 (2001 {'L' * 59}…)"
    assert party_reference("supplier", "s1", None) == "supplier s1"
