"""Ledger: a tenant's financial years (where each came from, when it was last read, its vouchers
and documents, whether the last sync went well) and each year as a SIE 4 file.

The tab is shown to tenants using the ledger family. The page reads through the ledger service
(``services.ledger``), as ``GET /api/v1/ledger/years`` does; the voucher browser is
:mod:`~fortnox_bridge.web.pages.ledger_vouchers`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from fortnox_bridge.services.errors import ServiceError
from fortnox_bridge.services.ledger import LedgerService
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import TenantId, context, ensure_tenant, tenant_of, tenant_page
from fortnox_bridge.web.render import gettext
from fortnox_bridge.web.security import User

router = APIRouter()
#: The family whose tenants have this page.
FAMILY = "ledger"
#: This page's tab in a tenant's menu (tenants using the ledger family only).
MENU = MenuEntry("ledger", N_("Ledger"), 35, "/ledger", family=FAMILY)
#: The sync whose progress the page shows (just started).
OperationParam = Annotated[int | None, Query(ge=1, le=MAX_ID)]
#: A year in a page's address: ``2025`` or ``2025-07-01``.
YearKey = Annotated[str, Path(min_length=4, max_length=10)]
#: What each source and status is called on the pages.
SOURCES = {"fortnox": N_("Fortnox"), "sie": N_("SIE file")}
STATUSES = {"ok": N_("Up to date"), "error": N_("Failed"), "not_synced": N_("Not synced yet")}


def ledger(request: Request) -> LedgerService:
    """The ledger's read side."""
    return context(request).services.ledger


def refusal(request: Request, exc: ServiceError) -> HTTPException:
    """The page of a year, voucher or document the ledger refuses, in the page's language."""
    texts = {
        "ledger_year_not_found": N_("The bridge holds no such financial year for this tenant."),
        "ledger_year_ambiguous": N_(
            "Two financial years start in that calendar year: choose one by its first day."
        ),
        "invalid_year": N_("Name a financial year by the year it starts in or by its first day."),
        "ledger_voucher_not_found": N_("The bridge holds no such voucher for this tenant."),
        "ledger_document_not_found": N_("The bridge holds no such document for this tenant."),
        "invalid_cursor": N_("That page of the list does not exist; start from the first page."),
    }
    status = {"ledger_year_ambiguous": 409, "invalid_year": 400, "invalid_cursor": 400}
    message = texts.get(exc.code)
    return HTTPException(
        status.get(exc.code, 404), gettext(request, message) if message else exc.detail
    )


@router.get("/tenants/{tenant_id}/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request, tenant_id: TenantId, user: User, operation: OperationParam = None
) -> Response:
    """The tenant's financial years with their source, last sync, vouchers and status; the
    progress of the sync ``operation`` when one was just started."""
    return ledger_view(request, tenant_id, user, operation=operation)


def ledger_view(
    request: Request,
    tenant_id: int,
    user: User,
    *,
    operation: int | None = None,
    upload_error: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The Ledger page (``upload_error``: why an uploaded file was refused, shown beside the
    upload form)."""
    tenant = tenant_of(request, tenant_id)
    services = context(request).services
    started = None
    if operation is not None:
        try:
            started = services.ledger_sync.operation(tenant.id, operation)
        except ServiceError:
            started = None
    return tenant_page(
        request,
        "ledger.html",
        user=user,
        tenant=tenant,
        tab="ledger",
        status_code=status_code,
        years=ledger(request).years(tenant.id),
        sources=SOURCES,
        statuses=STATUSES,
        uses_family=FAMILY in (tenant.families or ()),
        engine=services.hooks.service is not None,
        operation=started,
        upload_error=upload_error,
    )


@router.get("/tenants/{tenant_id}/ledger/years/{year}/sie")
def sie_file(request: Request, tenant_id: TenantId, year: YearKey, user: User) -> Response:
    """The stored year as a SIE 4 file, to save."""
    ensure_tenant(request, tenant_id)
    try:
        name, content = ledger(request).sie(tenant_id, year)
    except ServiceError as exc:
        raise refusal(request, exc) from None
    return Response(
        content,
        media_type="text/plain; charset=IBM437",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
