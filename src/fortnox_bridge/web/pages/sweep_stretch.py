"""How much less often a tenant is swept while the stream of Fortnox's change events is healthy,
chosen on its settings page (``PATCH /api/v1/tenant`` ``realtime_sweep_factor`` does the same):
the events bring Fortnox's changes at once and the sweeps are the safety net; 1 keeps the
interval as it is.
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
#: The factors a tenant may choose: 1 (never stretched) to 48 (a day of 30-minute sweeps).
FACTORS = range(1, 49)


@router.post("/tenants/{tenant_id}/settings/realtime-sweep")
async def save_sweep_factor(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the factor; a number outside 1-48 saves nothing (the error is shown at the field,
    with what was typed)."""
    given = str((await request.form()).get("realtime_sweep_factor", "")).strip()
    factor = int(given) if given.isdigit() else 0
    if factor not in FACTORS:
        errors = {"realtime_sweep_factor": gettext(request, "Give a whole number from 1 to 48.")}
        typed = {"realtime_sweep_factor": given}
        return show(request, user, tenant_id, typed=typed, errors=errors, status_code=400)
    try:
        context(request).services.tenants.change(
            tenant_id, TenantChanges(realtime_sweep_factor=factor)
        )
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, "Sweeps while changes stream saved."))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/settings#realtime-sweep", status_code=303
    )
