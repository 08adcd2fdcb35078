"""The scopes the bridge asks for come from what its flows and the pre-flight check read."""

from __future__ import annotations

from typing import ClassVar, Literal

import pytest
from pydantic import BaseModel

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import Flow, scope_of
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.sync.scopes import needed_scopes, requested_scopes
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE


def test_the_bridge_asks_for_what_its_flows_and_pre_flight_read() -> None:
    assert requested_scopes() == (
        "archive",
        "article",
        "bookkeeping",
        "companyinformation",
        "connectfile",
        "costcenter",
        "customer",
        "inbox",
        "invoice",
        "order",
        "price",
        "project",
        "salary",
        "settings",
        "supplier",
        "supplierinvoice",
    )
    # Without the pre-flight's date checks (financial years, locked period), as the demo asks.
    assert needed_scopes() == (
        "archive",  # the images of vouchers booked from supplier invoices
        "article",  # the service family's articles and the prices' articles
        "bookkeeping",  # the account import
        "companyinformation",
        "connectfile",  # the customer invoice's PDF attached
        "costcenter",
        "customer",
        "inbox",  # the customer invoice's PDF uploaded
        "invoice",  # the customer invoice export and its paid dates
        "order",  # the service orders
        "price",  # the service family's prices
        "project",
        "salary",
        "supplier",
        "supplierinvoice",
    )


def test_each_flow_declares_the_resources_it_reads() -> None:
    scopes = {flow.name: flow.scopes() for flow in discover_flows()}
    assert scopes["hr.employee.push"] == {"salary"}
    assert scopes["hr.absence.push"] == {"salary"}  # absences and schedule times
    assert scopes["payroll.attendance.push"] == {"salary", "project", "costcenter"}
    assert scopes["projects.project_customer.push"] == {"customer"}
    assert scopes["service.service_price.pull"] == {"price", "article"}
    assert scopes["projects.project_supplier.pull"] == {"supplier"}
    # The invoice, its PDF in the inbox and the attachment (connectfile, declared by the flow).
    assert scopes["projects.customer_invoice.push"] == {"invoice", "inbox", "connectfile"}
    # The vouchers, and the files connected to their supplier invoices (read from the archive).
    assert scopes["projects.voucher.pull"] == {"bookkeeping", "connectfile", "archive"}


def test_a_flow_reading_an_unknown_resource_is_refused() -> None:
    class Reads(Flow):
        name: ClassVar[str] = "test.thing.push"
        resource: ClassVar[str] = "things"

    with pytest.raises(FlowDefinitionError, match="things"):
        Reads.scopes()


def test_every_catalogue_resource_is_a_client_attribute() -> None:
    client = FortnoxClient(access_token="token")
    for description in CATALOGUE:
        resource = getattr(client, description.attribute)
        assert resource.description is description
        assert scope_of(description.attribute) == description.scope


def test_discovery_refuses_a_flow_reading_a_resource_the_client_lacks() -> None:
    class Typo(Flow):
        name: ClassVar[str] = "test.thing.push"
        entity: ClassVar[str] = "thing"
        resource: ClassVar[str] = "employees"
        reads: ClassVar[tuple[str, ...]] = ("schedule_time",)
        direction: ClassVar[Literal["push", "pull"]] = "push"
        fortnox_id_field: ClassVar[str] = "id"
        record_model: ClassVar[type[BaseModel]] = BaseModel

    with pytest.raises(FlowDefinitionError, match="'schedule_time'"):
        Typo.check_definition()


def test_the_ledger_family_asks_for_what_its_year_import_reads() -> None:
    (ledger,) = [flow for flow in discover_flows() if flow.name == "ledger.year.pull"]
    # bookkeeping: financial years, vouchers, the SIE export; connectfile: the voucher file
    # connections; archive: the files. No invoice scope: customer invoices come as files.
    assert ledger.scopes() == {"bookkeeping", "connectfile", "archive"}
    assert requested_scopes([ledger]) == (
        "archive",
        "bookkeeping",
        "companyinformation",
        "connectfile",
        "settings",  # the pre-flight check's locked period
    )
