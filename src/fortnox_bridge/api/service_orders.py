"""The service family's order routes beside the record routes of ``/service-orders``:

- ``POST /service-orders/from-fortnox``: a host order made from a Fortnox order (the setting
  ``create_order_from_reference``), linked to it;
- ``GET /service-orders/{id}/invoice.pdf``: the PDF of the invoice the order was sent as or
  became in Fortnox;
- ``POST /service-orders/{id}/invoice-link``: a signed link to that PDF that works without an
  API key until it expires, answered at ``GET /service-invoices/shared/{token}``.

The work is :class:`~fortnox_bridge.services.service_orders.ServiceOrders`'s.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.schemas import Problem
from fortnox_bridge.api.schemas.ledger import DocumentLinkOut
from fortnox_bridge.services.ledger_links import LinkExpired, LinkRefused
from fortnox_bridge.services.service_orders import InvoicePdf, ServiceOrders

router = APIRouter(prefix="/api/v1", tags=["service-orders"])

ExternalId = Annotated[str, Path(min_length=1, max_length=200, description="The order's id.")]
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The invoice as a PDF"},
    404: {"model": Problem, "description": "No such order, or not invoiced yet"},
    503: {"model": Problem, "description": "No engine beside the API to read Fortnox with"},
}


def _orders(request: Request) -> ServiceOrders:
    return services_of(request).service_orders


Orders = Annotated[ServiceOrders, Depends(_orders)]


class FromFortnoxIn(BaseModel):
    """Which Fortnox order to make a host order of."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fortnox_number: str = Field(
        min_length=1, max_length=20, description="The Fortnox order's number (DocumentNumber)."
    )
    external_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The host order's id; default fortnox-order-<number>.",
    )


class FromFortnoxOut(BaseModel):
    """The host order made."""

    external_id: str
    version: int | None
    data: dict[str, Any]


@router.post(
    "/service-orders/from-fortnox",
    response_model=FromFortnoxOut,
    status_code=201,
    responses={
        404: {"model": Problem, "description": "Fortnox has no such order"},
        409: {"model": Problem, "description": "The setting is off, or the order is linked"},
        503: {"model": Problem, "description": "No engine beside the API to read Fortnox with"},
    },
)
async def from_fortnox(body: FromFortnoxIn, caller: WriterDep, orders: Orders) -> FromFortnoxOut:
    """Make a host service order of a Fortnox order, linked to it: the order push then
    updates that Fortnox order and never creates another."""
    outcome = await orders.from_fortnox(caller.tenant_id, body.fortnox_number, body.external_id)
    row = outcome.row
    return FromFortnoxOut(
        external_id=outcome.external_id,
        version=row.version if row is not None else None,
        data=dict(row.payload) if row is not None else {},
    )


@router.get("/service-orders/{external_id}/invoice.pdf", response_class=Response, responses=_PDF)
async def invoice_pdf(external_id: ExternalId, caller: ReaderDep, orders: Orders) -> Response:
    """The PDF of the order's invoice in Fortnox (for an order sent as an order: the invoice
    it became). Reading it marks nothing sent."""
    return _pdf(await orders.invoice_pdf(caller.tenant_id, external_id))


@router.post(
    "/service-orders/{external_id}/invoice-link",
    response_model=DocumentLinkOut,
    responses={
        404: {"model": Problem, "description": "No such order"},
        503: {"model": Problem, "description": "The bridge has no secret key to sign with"},
    },
)
def invoice_link(
    external_id: ExternalId, caller: ReaderDep, orders: Orders, request: Request
) -> DocumentLinkOut:
    """A signed link to the order's invoice PDF that works without an API key until
    ``expires_at`` (``ledger_link_minutes``, 15 by default)."""
    link = orders.invoice_link(caller.tenant_id, external_id)
    public = services_of(request).settings.public_url
    base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
    url = f"{base}{router.prefix}/service-invoices/shared/{link.token}"
    return DocumentLinkOut(url=url, expires_at=link.expires_at)


@router.get(
    "/service-invoices/shared/{token}",
    response_class=Response,
    responses={
        **_PDF,
        403: {"model": Problem, "description": "Not a valid link (changed, or another bridge's)"},
        410: {"model": Problem, "description": "The link has expired"},
    },
)
async def shared_invoice(token: Annotated[str, Path(max_length=500)], orders: Orders) -> Response:
    """The invoice PDF a signed link names, without an API key, until the link expires."""
    try:
        found = await orders.shared_invoice(token)
    except LinkRefused as exc:
        status = 410 if isinstance(exc, LinkExpired) else 403
        raise HTTPException(status, {"error": exc.code, "detail": exc.detail}) from None
    return _pdf(found)


def _pdf(found: InvoicePdf) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{found.name}"',
        "Cache-Control": "private, no-store",
    }
    return Response(found.content, media_type="application/pdf", headers=headers)
