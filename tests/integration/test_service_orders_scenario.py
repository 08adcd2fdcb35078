"""The service family's scenario order pushed to the sandbox under the three settings profiles
(SQLite and PostgreSQL): the twelve-row order, its customer, articles and service object sent
as the application sends them, one sweep, and the Fortnox document read back equal to the
hand-written expectation row by row — article, text, quantities, price and cost centre of each
row; remarks, comments, references and delivery — with the comment cut said as a warning."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from integration.conftest import Bridge
from integration.service_setup import company_client, configure, store, sweep
from unit.service.order_fixture import (
    ARTICLES,
    COST_CENTERS,
    CUSTOMER,
    EXPECTED,
    EXPECTED_KIND,
    EXPECTED_WARNINGS,
    ORDER,
    PROFILES,
    SERVICE_OBJECTS,
)

#: The document fields compared besides the rows (those a profile's expectation names).
HEAD_FIELDS = (
    "CustomerNumber", "OurReference", "YourReference", "YourOrderNumber", "Remarks", "Comments",
    "DeliveryName", "DeliveryAddress1", "DeliveryZipCode", "DeliveryCity",
)  # fmt: skip
#: The row fields compared (those each expected row names).
ROW_FIELDS = (
    "ArticleNumber", "Description", "OrderedQuantity", "DeliveredQuantity", "Price", "CostCenter",
)  # fmt: skip


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """The company of the service tests, with the scenario's articles and cost centres too."""
    client = await company_client(control, company, faulty_transport, sleep)
    await client.customers.update("1001", {"name": CUSTOMER["name"]})
    for number, article in ARTICLES.items():
        if number != "ARB":
            await client.articles.create(
                {"article_number": number, "description": article["description"]}
            )
    for code in COST_CENTERS:
        await client.cost_centers.create({"code": code, "description": f"Ställe {code}"})
    yield client
    await client.aclose()


def row_fields(row: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """What Fortnox holds of the fields an expected row names, in the expectation's terms."""
    found: dict[str, Any] = {}
    for name in ROW_FIELDS:
        if name not in wanted:
            continue
        value = row.get(name)
        if name == "Price":
            value = float(Decimal(str(value)))
        elif name.endswith("Quantity"):
            value = str(Decimal(str(value)).normalize())
        found[name] = value
    return found


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_the_scenario_order_reaches_fortnox_as_written_under_each_profile(
    profile: str,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    await bridge.connect()
    configure(sessions, clock, bridge.tenant, **PROFILES[profile])
    store(sessions, clock, bridge.tenant, "service_customer", "c1", CUSTOMER)
    for number, article in ARTICLES.items():
        store(sessions, clock, bridge.tenant, "service_article", f"a-{number}", article)
    for number, service_object in SERVICE_OBJECTS.items():
        store(sessions, clock, bridge.tenant, "service_object", f"o-{number}", service_object)
    store(sessions, clock, bridge.tenant, "service_order", "so-24017", ORDER)

    result = await sweep(bridge)
    assert (result.created, result.failed) == (1, 0), result.items
    (item,) = result.items
    for warning in EXPECTED_WARNINGS[profile]:
        assert f"warning: {warning}" in item.reason

    kind = EXPECTED_KIND[profile]
    resource = fortnox.invoices if kind == "invoice" else fortnox.orders
    (listed,) = [row async for row in resource.iterate()]
    stored = (await resource.get(str(listed.document_number))).model_dump(
        mode="json", by_alias=True
    )
    expected = EXPECTED[profile]
    assert {k: stored.get(k) for k in HEAD_FIELDS if k in expected} == {
        k: expected[k] for k in HEAD_FIELDS if k in expected
    }
    assert stored["ExternalInvoiceReference1"] == ORDER["number"]
    rows_key = "InvoiceRows" if kind == "invoice" else "OrderRows"
    held, wanted = stored[rows_key], expected[rows_key]
    assert len(held) == len(wanted)
    for position, (row, want) in enumerate(zip(held, wanted, strict=True), start=1):
        assert row_fields(row, want) == {
            name: (str(Decimal(value).normalize()) if name.endswith("Quantity") else value)
            for name, value in want.items()
        }, f"row {position}"
