"""The Ledger page's actions: "Sync the two latest years", per year "Fetch" (its documents) and
"Sync", and a SIE file loaded into a year, each confirmed in a second step when it would replace
a ledger from the other source; a started sync shows its progress on the page.

The actions call the ledger's write side (``services.ledger_sync``), as the API's
``POST /api/v1/ledger/years:sync`` and ``PUT /api/v1/ledger/years/{year}/sie`` do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, ServiceError
from fortnox_bridge.services.ledger_sync import LedgerSyncService
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, context, ensure_tenant, fragment, tenant_of
from fortnox_bridge.web.pages._ops import tenant_page as page_of
from fortnox_bridge.web.pages.ledger import ledger, ledger_view
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root
from fortnox_bridge.web.uploads import Pending, PendingUploads

router = APIRouter()
#: What a refusal of the write side says on the page, by its code.
REFUSALS = {
    "ledger_family_off": N_("This tenant does not use the ledger family: choose it on the "
                            "settings page first."),
    "ledger_sync_running": N_("A ledger sync of this tenant is running: wait for it to finish."),
    "no_engine": N_("The sync engine does not run beside this UI; start the bridge with "
                    "'fortnox-bridge serve' to sync."),
    "ledger_year_not_found": N_("The bridge knows no such financial year: sync the two latest "
                                "years first, which reads Fortnox's list of years."),
    "ledger_year_ambiguous": N_("Two financial years start in that calendar year: name the "
                                "year by its first day (2025-07-01)."),
    "sie_year_mismatch": N_("The file is for another financial year than the one chosen."),
    "sie_invalid": N_("The file cannot be read as a SIE 4 file."),
}  # fmt: skip
OperationId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _writes(request: Request) -> LedgerSyncService:
    return context(request).services.ledger_sync


def _uploads(request: Request) -> PendingUploads:
    return PendingUploads(context(request).settings.data_dir)


def _back(request: Request, tenant_id: int, operation: int | None = None) -> RedirectResponse:
    after = f"?operation={operation}" if operation else ""
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/ledger{after}", status_code=303)


def _refused(request: Request, tenant_id: int, exc: ServiceError) -> RedirectResponse:
    text = REFUSALS.get(exc.code)
    message = gettext(request, text) if text else exc.detail
    flash(request, message, "error")
    return _back(request, tenant_id)


def _confirm(request: Request, user: User, tenant_id: int, **values: Any) -> HTMLResponse:
    tenant = tenant_of(request, tenant_id)
    return page_of(request, "ledger_confirm.html", user=user, tenant=tenant, tab="ledger", **values)


@router.post("/tenants/{tenant_id}/ledger/sync")
async def start_sync(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start a sync: the two latest years, or one year (``mode`` ``documents``: its documents
    only); a year loaded from a SIE file is replaced only after the confirmation."""
    ensure_tenant(request, tenant_id)
    form = await request.form()
    year = str(form.get("year") or "").strip()[:10] or None
    documents = form.get("mode") == "documents"
    overwrite = form.get("overwrite") == "true"
    try:
        operation = _writes(request).start_sync(
            tenant_id, years=[year] if year else None, latest=None if year else 2,
            overwrite=overwrite, documents_only=documents,
        )  # fmt: skip
    except Conflict as exc:
        if exc.code != "ledger_sie_overwrite":
            return _refused(request, tenant_id, exc)
        named = [year] if year else [y.key for y in ledger(request).years(tenant_id)[:2]
                                      if y.source == "sie"]  # fmt: skip
        return _confirm(request, user, tenant_id, kind="sync", year=year, years=named)
    except ServiceError as exc:
        return _refused(request, tenant_id, exc)
    flash(request, gettext(request, "The ledger sync started."))
    return _back(request, tenant_id, operation.id)


@router.get("/tenants/{tenant_id}/ledger/operations/{operation_id}/progress")
def progress(
    request: Request, tenant_id: TenantId, operation_id: OperationId, user: User
) -> Response:
    """The live progress of a sync (replaced every second while it runs)."""
    tenant = tenant_of(request, tenant_id)
    try:
        found = _writes(request).operation(tenant.id, operation_id)
    except NotFound:
        return HTMLResponse("", status_code=404)
    return fragment(request, "_ledger_progress.html", tenant=tenant, operation=found)


@router.post("/tenants/{tenant_id}/ledger/sie")
async def upload_sie(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Load a SIE 4 file into a year; over a year synced from Fortnox, after the confirmation
    (the file waits for it)."""
    ensure_tenant(request, tenant_id)
    form = await request.form()
    year = str(form.get("year") or "").strip()[:10]
    upload = form.get("file")
    if not year or not isinstance(upload, UploadFile) or not upload.filename:
        flash(request, gettext(request, "Choose the financial year and a SIE file."), "error")
        return _back(request, tenant_id)
    pending = Pending(tenant_id, year, upload.filename[:200], await upload.read())
    return _load(request, user, pending, overwrite=False)


@router.post("/tenants/{tenant_id}/ledger/sie/confirm")
async def confirm_sie(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The confirmed upload: the waiting file replaces the year's ledger."""
    ensure_tenant(request, tenant_id)
    token = str((await request.form()).get("upload") or "")
    pending = _uploads(request).take(token, tenant_id)
    if pending is None:
        message = gettext(request, "The uploaded file is no longer kept: upload it again.")
        flash(request, message, "error")
        return _back(request, tenant_id)
    return _load(request, user, pending, overwrite=True)


def _load(request: Request, user: User, pending: Pending, *, overwrite: bool) -> Response:
    tenant_id = pending.tenant_id
    try:
        loaded = _writes(request).load_sie(
            tenant_id, pending.year, pending.content, pending.name, overwrite=overwrite
        )
    except Conflict as exc:
        if exc.code != "ledger_fortnox_overwrite":
            return _refused(request, tenant_id, exc)
        token = _uploads(request).keep(pending)
        return _confirm(request, user, tenant_id, kind="upload", year=pending.year,
                        name=pending.name, upload=token)  # fmt: skip
    except InvalidInput as exc:
        return _with_upload_error(request, tenant_id, user, exc)
    flash(
        request,
        gettext(request, "%(name)s was loaded into %(year)s: %(count)s vouchers.",
                name=pending.name, year=loaded.year.label, count=loaded.year.voucher_count),
    )  # fmt: skip
    return _back(request, tenant_id)


def _with_upload_error(request: Request, tenant_id: int, user: User, exc: InvalidInput) -> Response:
    """The Ledger page again, with why the file was refused beside the upload form."""
    text = REFUSALS.get(exc.code)
    lead = gettext(request, text) if text else ""
    return ledger_view(request, tenant_id, user, upload_error=(lead, exc.detail), status_code=400)
