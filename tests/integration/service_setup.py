"""Tests' helpers of the service family's order tests: a sandbox company with the customer,
articles and cost centre the orders name, a tenant of the family with its settings, host
records stored as the application sends them, and sweeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from integration.conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge
from integration.families import use_family

PUSH, PULL = "service.service_order.push", "service.service_order.pull"
#: What the tests' own client needs besides the engine's scopes (to make the registers).
SETUP_SCOPES = ("article", "customer", "costcenter", "order", "invoice")


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """A client of the company, which has customer 1001 (with an e-mail address), articles
    A-10 and ARB and cost centre NORR."""
    client = await company_client(control, company, faulty_transport, sleep)
    yield client
    await client.aclose()


async def company_client(
    control: SandboxControl, company: int, transport: SandboxTransport, sleep: ManualClock
) -> FortnoxClient:
    """A client of the company, after making customer 1001, articles A-10 and ARB and cost
    centre NORR there."""
    issued = await control.issue_tokens(company, sorted({*ENGINE_SCOPES, *SETUP_SCOPES}))
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    await client.customers.create(
        {"customer_number": "1001", "name": "Fastighets AB Eken", "email": "faktura@eken.se"}
    )
    await client.articles.create({"article_number": "A-10", "description": "Filter"})
    await client.articles.create({"article_number": "ARB", "description": "Arbete"})
    await client.cost_centers.create({"code": "NORR", "description": "Norr"})
    return client


@pytest.fixture
async def service_bridge(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, fortnox: FortnoxClient
) -> Bridge:
    """The bridge connected, its tenant a user of the service family with its customer and
    articles stored as the application sends them."""
    await bridge.connect()
    configure(sessions, clock, bridge.tenant)
    store(sessions, clock, bridge.tenant, "service_customer", "c1", CUSTOMER)
    for key, article in ARTICLES.items():
        store(sessions, clock, bridge.tenant, "service_article", key, article)
    return bridge


CUSTOMER = {"number": "1001", "name": "Fastighets AB Eken", "type": "company",
            "email": "faktura@eken.se"}  # fmt: skip
ARTICLES = {
    "a1": {"number": "A-10", "description": "Filter", "type": "stock", "unit": "st"},
    "a2": {"number": "ARB", "description": "Arbete", "type": "service", "unit": "h"},
}


def configure(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, **settings: Any
) -> None:
    """The tenant uses the service family, with these settings (replacing earlier ones)."""
    with sessions.begin() as session:
        use_family(session, tenant, "service")
        FlowConfigRepository(session).put(
            tenant, PUSH, enabled=True, settings=settings, now=clock.now()
        )


def store(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    entity: str,
    external_id: str,
    payload: dict[str, Any],
) -> None:
    """Store a host record as the record API would (after its validation)."""
    with sessions.begin() as session:
        MirrorRepository(session).upsert(tenant, entity, external_id, payload, now=clock.now())


def host(sessions: sessionmaker[Session], tenant: int, external_id: str) -> dict[str, Any]:
    """A host order as the bridge holds it."""
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant, "service_order", external_id)
        assert record is not None
        return dict(record.payload)


def order(number: str = "1001", **extra: Any) -> dict[str, Any]:
    """A ready host service order of customer 1001: two filters and an hour's work."""
    return {
        "number": number,
        "kind": "service",
        "customer_number": "1001",
        "order_date": "2026-01-05",
        "ready": True,
        "rows": [
            {"type": "article", "article_number": "A-10", "quantity": "2", "price": "450"},
            {"type": "action", "date": "2026-01-05", "hours": "1.5", "technician": "Anna",
             "description": "Byte av filter", "article_number": "ARB", "price": "600"},
        ],
        **extra,
    }  # fmt: skip


async def sweep(bridge: Bridge, flow: str = PUSH) -> FlowResult:
    """One sweep of the tenant; the result of ``flow``."""
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == flow]
    return result


def writes(state: SandboxState, company: int) -> int:
    """The write requests the sandbox has answered for ``company``."""
    found = state.stats_by_tenant.get(company)
    return int(found.to_dict()["write_requests"]) if found else 0


def requests(state: SandboxState, company: int) -> int:
    """The API requests the sandbox has answered for ``company``."""
    found = state.stats_by_tenant.get(company)
    return int(found.to_dict()["requests_total"]) if found else 0


async def orders(fortnox: FortnoxClient) -> list[Any]:
    """Every Fortnox order, read in full."""
    return [await fortnox.orders.get(str(row.document_number))
            async for row in fortnox.orders.iterate()]  # fmt: skip


async def invoices(fortnox: FortnoxClient) -> list[Any]:
    """Every Fortnox invoice, read in full."""
    return [await fortnox.invoices.get(str(row.document_number))
            async for row in fortnox.invoices.iterate()]  # fmt: skip
