"""The service family's orders against the in-process sandbox, through sweeps (SQLite and
PostgreSQL): a ready order becomes a Fortnox order with its number written back, never twice
(a lost answer adopted, two sweeps at once); a change updates it until Fortnox invoices it; the
invoiced status comes back within one sweep per ``invoiced_when``, and at once with
``invoiced_at_send``; an invoice e-mailed at once; a cost centre Fortnox lacks is a problem
before anything is sent."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.targeted import read_entities
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.models import Event, Problem
from fortnox_bridge.web.i18n import translations
from integration.conftest import Bridge
from integration.service_setup import (
    PULL,
    configure,
    fortnox,
    host,
    invoices,
    order,
    orders,
    requests,
    service_bridge,
    store,
    sweep,
    writes,
)

__all__ = ["fortnox", "service_bridge"]  # fixtures


async def test_a_ready_order_becomes_a_fortnox_order_once_with_its_number_written_back(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    store(sessions, clock, bridge.tenant, "service_order", "so2", order("1002", ready=False))
    result = await sweep(bridge)
    assert (result.created, result.failed) == (1, 0)
    (skipped,) = [item for item in result.items if item.external_id == "so2"]
    assert "not ready for invoicing" in skipped.reason
    assert not skipped.problem
    (made,) = await orders(fortnox)
    assert (made.customer_number, made.external_invoice_reference1) == ("1001", "1001")
    assert [row.article_number for row in made.order_rows or [] if row.article_number] == [
        "A-10",
        "ARB",
    ]
    stored = host(sessions, bridge.tenant, "so1")
    assert (stored["fortnox_reference"], stored["fortnox_document"]) == (
        str(made.document_number),
        "order",
    )
    with sessions.begin() as session:
        events = session.scalars(select(Event).where(Event.tenant_id == bridge.tenant)).all()
        assert any(e.type == "record.changed" and e.external_id == "so1" for e in events)
    again = await sweep(bridge)
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert len(await orders(fortnox)) == 1


async def test_send_before_ready_sends_at_once_and_a_change_updates_until_invoiced(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    configure(sessions, clock, bridge.tenant, send_before_ready=True)
    store(sessions, clock, bridge.tenant, "service_order", "so1", order(ready=False))
    assert (await sweep(bridge)).created == 1
    changed = order(ready=False)
    changed["rows"][0]["quantity"] = "3"
    store(sessions, clock, bridge.tenant, "service_order", "so1", changed)
    updated = await sweep(bridge)
    assert (updated.updated, updated.failed) == (1, 0), (
        updated,
        host(sessions, bridge.tenant, "so1"),
    )
    (made,) = await orders(fortnox)
    first = next(row for row in made.order_rows or [] if row.article_number == "A-10")
    assert str(first.ordered_quantity) == "3"
    invoice = await fortnox.orders.create_invoice(str(made.document_number))
    changed["rows"][0]["quantity"] = "4"
    store(sessions, clock, bridge.tenant, "service_order", "so1", changed)
    refused = await sweep(bridge)
    assert (refused.updated, refused.failed) == (0, 1)
    (item,) = refused.items
    assert item.problem
    assert f"invoiced in Fortnox (invoice {invoice.document_number})" in item.message
    with sessions.begin() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert "service order so1 (1001 for customer 1001)" in problem.reference


async def test_the_invoiced_status_comes_back_within_one_sweep_when_the_invoice_is_sent(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    await sweep(bridge)
    (made,) = await orders(fortnox)
    invoice = await fortnox.orders.create_invoice(str(made.document_number))
    assert (await sweep(bridge, PULL)).failed == 0
    assert host(sessions, bridge.tenant, "so1")["invoiced"] is False  # made, not sent yet
    await fortnox.invoices.email(str(invoice.document_number))
    pulled = await sweep(bridge, PULL)
    assert pulled.failed == 0
    stored = host(sessions, bridge.tenant, "so1")
    assert (stored["invoiced"], stored["invoiced_on"]) == (True, clock.now().date().isoformat())
    push = await sweep(bridge)
    assert (push.updated, push.failed) == (0, 0)  # the invoiced state is never sent back


async def test_an_invoice_event_marks_the_order_invoiced_at_once(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
    sandbox_state: SandboxState,
) -> None:
    bridge = service_bridge
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    await sweep(bridge)
    (made,) = await orders(fortnox)
    invoice = await fortnox.orders.create_invoice(str(made.document_number))
    await fortnox.invoices.email(str(invoice.document_number))
    ignored = await read_entities(bridge.service, bridge.tenant, "orders", [made.document_number])
    assert ignored.ignored  # the invoice's own event is the one read
    before = requests(sandbox_state, bridge.company)
    done = await read_entities(
        bridge.service, bridge.tenant, "invoices", [str(invoice.document_number)]
    )
    assert done.summary is not None
    assert done.summary.error is None
    assert requests(sandbox_state, bridge.company) - before == 1  # that invoice alone
    assert host(sessions, bridge.tenant, "so1")["invoiced"] is True


async def test_invoiced_when_invoiced_takes_the_invoice_date(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    configure(sessions, clock, bridge.tenant, invoiced_when="invoiced")
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    await sweep(bridge)
    (made,) = await orders(fortnox)
    invoice = await fortnox.orders.create_invoice(str(made.document_number))
    await sweep(bridge, PULL)
    stored = host(sessions, bridge.tenant, "so1")
    assert (stored["invoiced"], stored["invoiced_on"]) == (True, str(invoice.invoice_date))


async def test_an_invoice_is_e_mailed_and_the_order_invoiced_at_once(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    configure(
        sessions, clock, bridge.tenant, create_invoice=True, send_invoice=True,
        invoiced_at_send=True,
    )  # fmt: skip
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    assert (await sweep(bridge)).created == 1
    (made,) = await invoices(fortnox)
    assert (made.sent, made.external_invoice_reference1) == (True, "1001")
    assert await orders(fortnox) == []
    stored = host(sessions, bridge.tenant, "so1")
    assert (stored["fortnox_reference"], stored["fortnox_document"]) == (
        str(made.document_number),
        "invoice",
    )
    assert (stored["invoiced"], stored["invoiced_on"]) == (True, clock.now().date().isoformat())
    again = await sweep(bridge)
    assert (again.created, again.updated, again.failed) == (0, 0, 0)


async def test_a_missing_cost_centre_is_a_problem_before_anything_is_sent(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
    sandbox_state: SandboxState,
) -> None:
    bridge = service_bridge
    missing = order(cost_center="SYD")
    missing["rows"][0]["cost_center"] = "NORR"
    configure(sessions, clock, bridge.tenant, user_cost_center_on_rows=True)
    await sweep(bridge)  # the registers (customers, articles) go first, as in any sweep
    before = writes(sandbox_state, bridge.company)
    store(sessions, clock, bridge.tenant, "service_order", "so1", missing)
    result = await sweep(bridge)
    assert (result.created, result.failed) == (0, 1)
    assert writes(sandbox_state, bridge.company) == before  # zero writes to Fortnox
    (item,) = result.items
    assert item.problem
    assert "cost centre SYD does not exist in Fortnox" in item.message
    assert await orders(fortnox) == []
    with sessions.begin() as session:
        (problem,) = session.scalars(select(Problem)).all()
        assert problem.external_id == "so1"
        assert "service order so1" in problem.reference
        # The bridge's own refusal: no Fortnox status or code; a fix the page translates.
        assert (problem.status, problem.code) == (None, None)
        assert translations("sv").gettext(problem.fix).startswith("Lägg upp kostnadsstället")
    await fortnox.cost_centers.create({"code": "SYD", "description": "Syd"})
    assert (await sweep(bridge)).created == 1


async def test_an_order_whose_answer_was_lost_is_adopted_not_created_again(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
    control: SandboxControl,
) -> None:
    bridge = service_bridge
    await control.add_fault("drop_response", method="POST", path_prefix="/3/orders", count=1)
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    first = await sweep(bridge)
    assert (first.adopted, first.created, first.failed) == (1, 0, 0)
    (made,) = await orders(fortnox)
    assert host(sessions, bridge.tenant, "so1")["fortnox_reference"] == str(made.document_number)


async def test_two_sweeps_at_once_create_one_order(
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    await asyncio.gather(
        bridge.service.sweep(bridge.tenant),
        bridge.service.push(bridge.tenant, {"service_order": ["so1"]}),
    )
    assert len(await orders(fortnox)) == 1
