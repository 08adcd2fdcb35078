"""The service family's orders beyond their sync: a host order made from a Fortnox order, and
the PDF of the invoice an order became, for the host's API and for signed links its users open.

Both read Fortnox with the tenant's connection, through the engine that runs beside the API
(without one: 503). The settings are the family's one model, stored on the order push flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.service.order_from_fortnox import host_order_from
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import NotFoundError
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, no_engine
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.ledger_links import DocumentLinks, Link
from fortnox_bridge.services.records import EntityWriter, Incoming, Outcome
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository

ENTITY = "service_order"
#: What the invoice links' signing key is for (never the ledger's key).
LINK_PURPOSE = b"fortnox-bridge service invoice link"


@dataclass(frozen=True)
class InvoicePdf:
    """The PDF of an order's invoice and its Fortnox number."""

    invoice_number: str
    content: bytes

    @property
    def name(self) -> str:
        """``Faktura 17.pdf``."""
        return f"Faktura {self.invoice_number}.pdf"


class ServiceOrders:
    """Orders made from Fortnox references; invoice PDFs and links to them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        entities: Sequence[HostEntity],
        flows: Sequence[type[Flow]],
        *,
        secret_keys: Any,
        link_lifetime: timedelta,
    ) -> None:
        self.sessions, self.clock, self.hooks = sessions, clock, hooks
        self.entities, self.flows = entities, flows
        self.links = DocumentLinks(
            secret_keys, clock, link_lifetime, purpose=LINK_PURPOSE, salt="service-invoice"
        )

    # -- reading the store -------------------------------------------------------------------

    def settings(self, tenant_id: int) -> ServiceSettings:
        """The tenant's service settings (the defaults when none are stored)."""
        with self.sessions.begin() as session:
            config = FlowConfigRepository(session).for_tenant(tenant_id).get(SETTINGS_FLOW)
            stored = dict(config.settings or {}) if config is not None else {}
        return ServiceSettings.model_validate(stored)

    def order(self, tenant_id: int, external_id: str) -> dict[str, Any]:
        """A live host order's payload; 404 ``service_order_not_found`` otherwise."""
        with self.sessions.begin() as session:
            record = MirrorRepository(session).get(tenant_id, ENTITY, external_id)
            if record is None or record.deleted:
                raise NotFound(
                    f"no service order with external id {external_id!r}",
                    code="service_order_not_found",
                )
            return dict(record.payload)

    def _linked_to(self, tenant_id: int, number: str) -> str | None:
        """The host id of the order linked to Fortnox order ``number``, if any."""
        with self.sessions.begin() as session:
            for record in MirrorRepository(session).live(tenant_id, ENTITY):
                payload = record.payload
                if str(payload.get("fortnox_reference") or "") == number and payload.get(
                    "fortnox_document", "order"
                ) in ("order", None):
                    return record.external_id
        return None

    # -- Fortnox -----------------------------------------------------------------------------

    async def _read(self, tenant_id: int, work: Any) -> Any:
        """Run ``work(client)`` with the tenant's Fortnox client."""
        service = self.hooks.service
        if service is None:
            raise no_engine()
        source = service.clients.source(tenant_id)
        try:
            client: FortnoxClient = await source.get()
            return await work(client)
        finally:
            await source.aclose()

    # -- the invoice PDF ---------------------------------------------------------------------

    async def invoice_pdf(self, tenant_id: int, external_id: str) -> InvoicePdf:
        """The PDF of the invoice the order was sent as, or became in Fortnox; 404
        ``not_invoiced`` while there is none. Read with Fortnox's preview, which marks
        nothing sent (looking at an invoice is not sending it)."""
        payload = self.order(tenant_id, external_id)
        reference = payload.get("fortnox_reference")
        if not reference:
            raise NotFound(
                f"service order {external_id!r} has not been sent to Fortnox yet, so it has "
                "no invoice",
                code="not_invoiced",
            )

        async def work(client: FortnoxClient) -> InvoicePdf:
            number = str(reference)
            if payload.get("fortnox_document", "order") == "order":
                order = await client.orders.get(number)
                number = str(order.invoice_reference or "0")
                if number == "0":
                    raise NotFound(
                        f"service order {external_id!r} is Fortnox order {reference}, which "
                        "is not invoiced yet",
                        code="not_invoiced",
                    )
            return InvoicePdf(number, await client.invoices.preview(number))

        result: InvoicePdf = await self._read(tenant_id, work)
        return result

    def invoice_link(self, tenant_id: int, external_id: str) -> Link:
        """A signed link to the order's invoice PDF (the order must exist)."""
        self.order(tenant_id, external_id)
        return self.links.make_named(tenant_id, external_id)

    async def shared_invoice(self, token: str) -> InvoicePdf:
        """The invoice PDF a signed link names (refused when changed or expired)."""
        tenant_id, external_id = self.links.check_named(token)
        return await self.invoice_pdf(tenant_id, external_id)

    # -- an order from a Fortnox reference ---------------------------------------------------

    async def from_fortnox(
        self, tenant_id: int, fortnox_number: str, external_id: str | None = None
    ) -> Outcome:
        """Make a host order of Fortnox order ``fortnox_number``, linked to it: the push then
        updates that order and never creates another."""
        if not self.settings(tenant_id).create_order_from_reference:
            raise Conflict(
                "making orders from Fortnox references is off: turn on the setting "
                "'create_order_from_reference' of the service flows first",
                code="from_reference_off",
            )
        number = fortnox_number.strip()
        if not number.isdigit():
            raise InvalidInput(
                f"{fortnox_number!r} is no Fortnox order number (digits only)",
                code="invalid_fortnox_number",
                field=("body", "fortnox_number"),
                value=fortnox_number,
            )
        linked = self._linked_to(tenant_id, number)
        if linked is not None:
            raise Conflict(
                f"Fortnox order {number} is already linked to service order {linked!r}",
                code="already_linked",
            )

        external_id = external_id or f"fortnox-order-{number}"
        self._free(tenant_id, external_id)

        async def work(client: FortnoxClient) -> dict[str, Any]:
            try:
                order = await client.orders.get(number)
            except NotFoundError:
                raise NotFound(
                    f"Fortnox has no order {number}", code="fortnox_order_not_found"
                ) from None
            payload = self._valid(host_order_from(order.model_dump(mode="json", by_alias=True)))
            if order.external_invoice_reference1 != payload["number"]:
                # The reference the order push knows its document by (see order_push.py).
                await client.orders.update(
                    number, {"external_invoice_reference1": payload["number"]}
                )
            return payload

        payload = await self._read(tenant_id, work)
        return self._store(tenant_id, external_id, payload)

    def _free(self, tenant_id: int, external_id: str) -> None:
        with self.sessions.begin() as session:
            if MirrorRepository(session).get(tenant_id, ENTITY, external_id) is not None:
                raise Conflict(
                    f"a service order with external id {external_id!r} exists already",
                    code="already_linked",
                )

    def _entity(self) -> HostEntity:
        return next(e for e in self.entities if e.entity == ENTITY)

    def _valid(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            model = self._entity().model.model_validate(payload)
        except ValidationError as exc:
            raise Conflict(
                f"Fortnox's order does not fit a service order: {exc}", code="not_a_host_order"
            ) from None
        return model.model_dump(mode="json", exclude_none=True)

    def _store(self, tenant_id: int, external_id: str, payload: dict[str, Any]) -> Outcome:
        """The host order, and its link to the Fortnox order with nothing agreed yet: the
        push's first look sends the whole document to that order as an update."""
        writer = EntityWriter(self._entity(), self.entities, self.flows)
        incoming = [Incoming(0, external_id, "upsert", payload=payload)]
        outcome = writer.write(self.sessions, tenant_id, incoming, now=self.clock.now())[0]
        if outcome.issues or outcome.row is None:
            detail = "; ".join(str(issue) for issue in outcome.issues)
            raise Conflict(
                f"Fortnox's order does not fit a service order: {detail}", code="not_a_host_order"
            )
        with self.sessions.begin() as session:
            LinkRepository(session).save(
                tenant_id,
                ENTITY,
                external_id,
                fortnox_id=str(payload["number"]),
                version=outcome.row.version,
                snapshot={},
                snapshot_hash=fingerprint({}),
                now=self.clock.now(),
                state="stale",
                origin="matched",
            )
        if self.hooks.on_change is not None:
            self.hooks.on_change(tenant_id, ENTITY, external_id)
        return outcome
