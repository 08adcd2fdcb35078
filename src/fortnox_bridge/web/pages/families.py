"""Which flow families a tenant uses, chosen on its settings page (``PATCH /api/v1/tenant``
``families`` does the same): only the flows of those families run and are offered on the flows
page, and a family's base flows are on whenever it is chosen.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.tenants import Tenant, TenantChanges
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, context, no_tenant
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()
#: What each family is called, and what it holds.
FAMILIES = {
    "hr": (N_("HR"), N_("Employees and their absence.")),
    "payroll": (N_("Payroll"), N_("Salary transactions, salary days and PAXml files.")),
    "projects": (
        N_("Projects"),
        N_(
            "Construction projects with their customers, work and change orders, suppliers "
            "and invoices, and the cost centres, accounts and vouchers of the bookkeeping."
        ),
    ),
    "ledger": (
        N_("Ledger"),
        N_(
            "Each financial year's general ledger, from Fortnox or a SIE file, with the "
            "documents behind the vouchers."
        ),
    ),
    "service": (
        N_("Service"),
        N_(
            "Customers, articles and prices both ways, service, work and sales orders sent as "
            "Fortnox orders or invoices, and their invoiced status brought back."
        ),
    ),
}


def family_title(request: Request, family: str) -> str:
    """The family's name in the request's language (an unknown family: as it is)."""
    known = FAMILIES.get(family)
    return gettext(request, known[0]) if known else family


def family_choices(request: Request, tenant: Tenant) -> list[dict[str, Any]]:
    """The bridge's families for the settings form: name, title, what it holds, chosen."""
    chosen = set(tenant.families)
    choices = []
    for family in context(request).services.flow_config.families():
        title, about = FAMILIES.get(family, (family, ""))
        choices.append(
            {
                "name": family,
                "title": gettext(request, title) if family in FAMILIES else family,
                "about": gettext(request, about) if about else "",
                "chosen": family in chosen,
            }
        )
    return choices


@router.post("/tenants/{tenant_id}/settings/families")
async def save_families(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the chosen families, all of them; none, or one the bridge has not, is refused and
    nothing is saved."""
    chosen = [str(value) for value in (await request.form()).getlist("families")]
    back = f"{root(request)}/tenants/{tenant_id}/settings#families"
    try:
        context(request).services.tenants.change(tenant_id, TenantChanges(families=chosen))
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    except InvalidInput as exc:
        message = (
            gettext(request, "Choose at least one family.")
            if exc.code == "no_family"
            else gettext(request, "Choose among the listed families.")
        )
        flash(request, message, "error")
        return RedirectResponse(back, status_code=303)
    flash(request, gettext(request, "Flow families saved."))
    return RedirectResponse(back, status_code=303)
