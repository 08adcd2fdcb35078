"""How a tenant's failures are e-mailed, chosen on its settings page (``PATCH /api/v1/tenant``
``problem_mail`` does the same): ``digest``, each failure once and then the digest of open
problems, or ``remind``, after every sweep each failure of the sweep for as long as it stands.
The same page sets after how many hours a write Fortnox refused is sent again although nothing
changed (``refusal_retry_hours``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.tenants import TenantChanges
from fortnox_bridge.web.pages._ops import TenantId, context, no_tenant
from fortnox_bridge.web.pages.settings import show
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()
#: The choices (the page lists them with their words; the first is the default).
CHOICES = ("digest", "remind")
#: The hours a refused write may wait before it is sent again: an hour to thirty days.
RETRY_HOURS = range(1, 721)


@router.post("/tenants/{tenant_id}/settings/problem-mail")
async def save_problem_mail(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the choice; anything but a listed choice is refused (at the field) and nothing is
    saved."""
    chosen = str((await request.form()).get("problem_mail", ""))
    if chosen not in CHOICES:
        errors = {"problem_mail": gettext(request, "Choose one of the listed ways.")}
        return show(request, user, tenant_id, errors=errors, status_code=400)
    try:
        context(request).services.tenants.change(tenant_id, TenantChanges(problem_mail=chosen))
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, "Problem e-mails saved."))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/settings#problem-mail", status_code=303
    )


@router.post("/tenants/{tenant_id}/settings/refusal-retry")
async def save_refusal_retry(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the retry time of refused writes; a number outside 1-720 saves nothing (the
    error is shown at the field, with what was typed)."""
    given = str((await request.form()).get("refusal_retry_hours", "")).strip()
    hours = int(given) if given.isdigit() else 0
    if hours not in RETRY_HOURS:
        errors = {
            "refusal_retry_hours": gettext(request, "Give a whole number of hours from 1 to 720.")
        }
        typed = {"refusal_retry_hours": given}
        return show(request, user, tenant_id, typed=typed, errors=errors, status_code=400)
    try:
        context(request).services.tenants.change(
            tenant_id, TenantChanges(refusal_retry_hours=hours)
        )
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, "Retry time of refused writes saved."))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/settings#refusal-retry", status_code=303
    )
