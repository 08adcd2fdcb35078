"""A tenant's mappings: absence types → Fortnox absence cause codes, PAXml codes of projects and
absence types, and the card of re-writing absences under a changed mapping (all through the
payroll codes service; the re-write runs as a job, see ``rewrite_job.py``); and a section of its
own for every other mapping kind the flows declare, made from the declaration (see
``_mapping_kinds.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.services.mappings import KindMappings
from fortnox_bridge.services.payroll_codes import EXCLUDE, PayrollCodes
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages import _mapping_kinds
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, tenant_of, tenant_page
from fortnox_bridge.web.pages.rewrite_job import rewrite_card
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root, web_context

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("mappings", N_("Mappings"), 30, "/mappings")


def _codes(request: Request) -> PayrollCodes:
    return web_context(request).services.payroll_codes


def _kinds(request: Request, tenant_id: int) -> list[KindMappings]:
    """The declared mapping kinds the page has no section of its own for."""
    services = web_context(request).services
    return services.mappings.kinds(tenant_id, skip=(services.payroll_codes.cause_kind,))


def _mappings_page(
    request: Request,
    user: Any,
    tenant_id: int,
    *,
    posted: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
    errors_of: str = "",
    status_code: int = 200,
) -> Response:
    tenant = tenant_of(request, tenant_id)
    codes = _codes(request)
    causes, paxml = codes.causes(tenant_id), codes.paxml(tenant_id)
    for row in [*causes, *paxml]:
        if posted is not None and row["input"] in posted:
            row["value"] = posted[row["input"]]
    return tenant_page(
        request,
        "mappings.html",
        user=user,
        tenant=tenant,
        tab="mappings",
        status_code=status_code,
        causes=causes,
        cause_codes=codes.cause_codes,
        paxml=paxml,
        paxml_codes=codes.paxml_codes,
        to_rewrite=len(codes.to_rewrite(tenant_id)),
        rewrite_job=rewrite_card(request, tenant_id),
        errors=errors or {},
        errors_of=errors_of,
        engine=codes.hooks.service is not None,
        kinds=[
            _mapping_kinds.section(request, kind, posted) for kind in _kinds(request, tenant_id)
        ],
    )


@router.get("/tenants/{tenant_id}/mappings", response_class=HTMLResponse)
def mappings(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Absence cause codes, PAXml codes, and re-writing under a changed mapping."""
    return _mappings_page(request, user, tenant_id)


def _cause_errors(
    request: Request, posted: Mapping[str, str], rows: Mapping[str, Any], codes: list[str]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, value in posted.items():
        if key not in rows:
            errors["__all__"] = gettext(request, "There is no such absence type (reload the page).")
        elif value not in ("", EXCLUDE) and value not in codes:
            errors[key] = gettext(
                request,
                "%(value)s is not a Fortnox absence cause code; choose one from the list.",
                value=value,
            )
    return errors


@router.post("/tenants/{tenant_id}/mappings/causes", response_class=HTMLResponse)
async def save_causes(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Map each absence type to a cause code, leave it to the default, or exclude it."""
    form = await request.form()
    posted = {key: str(value) for key, value in form.items() if key.startswith("cause-")}
    ensure_tenant(request, tenant_id)
    codes = _codes(request)
    rows = {row["input"]: row for row in codes.causes(tenant_id)}
    errors = _cause_errors(request, posted, rows, codes.cause_codes)
    if errors:
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=errors,
            errors_of="causes",
            status_code=400,
        )
    changes = {
        rows[key]["code"]: value for key, value in posted.items() if value != rows[key]["value"]
    }
    codes.save_causes(tenant_id, changes)
    flash(
        request,
        gettext(request, "Saved the absence cause codes (%(count)s changed).", count=len(changes)),
    )
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/mappings", status_code=303)


@router.post("/tenants/{tenant_id}/mappings/paxml", response_class=HTMLResponse)
async def save_paxml(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Set the PAXml code of projects and absence types (through the host record write, so
    change events and pushes follow as for the API's ``PATCH``)."""
    form = await request.form()
    posted = {key: str(value) for key, value in form.items() if key.startswith("paxml-")}
    ensure_tenant(request, tenant_id)
    codes = _codes(request)
    rows = {row["input"]: row for row in codes.paxml(tenant_id)}
    errors: dict[str, str] = {}
    for key, value in posted.items():
        if key not in rows:
            errors["__all__"] = gettext(request, "There is no such record (reload the page).")
        elif value and value not in codes.paxml_codes:
            errors[key] = gettext(
                request, "%(value)s is not a PAXml code; choose one from the list.", value=value
            )
    if not errors:
        changes = [
            (rows[key]["entity"], rows[key]["id"], value)
            for key, value in posted.items()
            if value != rows[key]["value"]
        ]
        written = codes.save_paxml(tenant_id, changes)
        errors = {
            f"paxml-{entity}-{outcome.external_id}": "; ".join(i.message for i in outcome.issues)
            for entity, outcomes in written.items()
            for outcome in outcomes
            if outcome.status == "rejected"
        }
    if errors:
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=errors,
            errors_of="paxml",
            status_code=400,
        )
    count = sum(len(outcomes) for outcomes in written.values())
    flash(request, gettext(request, "Saved the PAXml codes (%(count)s changed).", count=count))
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/mappings#paxml", status_code=303)


@router.post("/tenants/{tenant_id}/mappings/kinds/{kind}", response_class=HTMLResponse)
async def save_kind(request: Request, tenant_id: TenantId, kind: str, user: User) -> Response:
    """Add, change or remove (``action=remove``) one mapping of a declared kind, checked against
    the flows' declarations; a refused value is shown next to its field, with nothing saved."""
    form = await request.form()
    local = str(form.get(_mapping_kinds.local_input(kind), "")).strip()
    fortnox = str(form.get(_mapping_kinds.fortnox_input(kind), "")).strip()
    ensure_tenant(request, tenant_id)
    store = web_context(request).services.mappings
    declared = {k.kind: k for k in _kinds(request, tenant_id)}
    errors: dict[str, str] = {}
    if form.get("action") == "remove":
        if kind not in declared or not store.remove(tenant_id, kind, local):
            errors["__all__"] = gettext(request, "There is no such mapping (reload the page).")
        message = gettext(request, "Removed the mapping of %(value)s.", value=local)
    else:
        errors = _mapping_kinds.missing(request, kind, local, fortnox) or _mapping_kinds.save(
            request, store, tenant_id, declared.get(kind), local, fortnox
        )
        message = gettext(request, "Mapped %(local)s to %(fortnox)s.", local=local, fortnox=fortnox)
    if errors:
        posted = {
            _mapping_kinds.local_input(kind): local,
            _mapping_kinds.fortnox_input(kind): fortnox,
        }
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=errors,
            errors_of=f"kind-{kind}" if kind in declared else "kinds",
            status_code=400,
        )
    flash(request, message)
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/mappings#kind-{kind}", status_code=303
    )
