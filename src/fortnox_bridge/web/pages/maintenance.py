"""Maintenance: re-sync an interval ("Send Fortnox salary data"), with the widened interval and
what will be deleted, written and left alone shown before confirming; then live progress and
cancel; and the re-sync the bridge proposes after a reconnect.

The page calls the re-sync service, as ``POST /api/v1/resync`` and ``/api/v1/resync/proposal``
do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from fortnox_bridge.engine.maintenance.resync_targets import MAX_RESYNC_DAYS, ResyncPlan
from fortnox_bridge.services.errors import InvalidInput, ServiceError
from fortnox_bridge.services.resync import ResyncRefused, ResyncService
from fortnox_bridge.web.forms import FieldErrors, parse_form
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.labels import flow_title
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import (
    TenantId,
    context,
    ensure_tenant,
    tenant_of,
    tenant_page,
)
from fortnox_bridge.web.pages.runs import run_row
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("maintenance", N_("Maintenance"), 70, "/maintenance")

#: The longest interval one re-sync may cover (a year and a day), as the API has it.
MAX_DAYS = MAX_RESYNC_DAYS


class ResyncForm(BaseModel):
    """What to re-sync and the interval."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    flow: str = Field(min_length=1)
    from_: date = Field(alias="from")
    to: date


#: The interval's own errors, worded by the page (the dates in them are the form's).
BACKWARDS = N_("The last day (%(to)s) is before the first day (%(first)s).")
TOO_LONG = N_("The interval is %(days)s days long; re-sync at most %(most)s days at a time.")


def interval_error(request: Request, first: date, last: date) -> str | None:
    """Why ``first``–``last`` cannot be re-synced, in the page's language; ``None`` if it can."""
    if last < first:
        return gettext(request, BACKWARDS, to=last.isoformat(), first=first.isoformat())
    days = (last - first).days + 1
    if days > MAX_DAYS:
        return gettext(request, TOO_LONG, days=days, most=MAX_DAYS)
    return None


def targets(request: Request) -> list[tuple[str, str]]:
    """What can be re-synced: families of derived flows (payroll: attendance and absence
    together, "Send Fortnox salary data") and single dated push flows."""
    found = {
        name: gettext(request, "Send Fortnox salary data (attendance and absence)")
        if name == "payroll"
        else flow_title(name, lambda text: gettext(request, text))
        for name in _resyncs(request).targets()
    }
    return sorted(found.items(), key=lambda pair: (pair[0] != "payroll", pair[0]))


def _resyncs(request: Request) -> ResyncService:
    return context(request).services.resync


def _page(
    request: Request,
    user: User,
    tenant_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    resyncs = _resyncs(request)
    proposal = resyncs.proposal(tenant.id)
    runs = [run_row(r) for r in resyncs.latest(tenant.id, limit=10)]
    choices = targets(request)
    today = web.clock.now().date()
    form = {
        "flow": choices[0][0] if choices else "",
        "from": today.replace(day=1).isoformat(),
        "to": today.isoformat(),
    }
    if proposal is not None:
        form.update({"from": proposal.first.isoformat(), "to": proposal.last.isoformat()})
    form.update(values or {})
    return tenant_page(
        request,
        "maintenance.html",
        user=user,
        tenant=tenant,
        tab="maintenance",
        status_code=status_code,
        targets=choices,
        form=form,
        errors=errors or {},
        proposal=proposal,
        runs=runs,
        engine=resyncs.engine is not None,
        max_days=MAX_DAYS,
    )


async def _checked(
    request: Request, user: User, tenant_id: int
) -> tuple[ResyncForm | None, Response | None]:
    """The posted form, or the page again with the errors beside the fields (nothing saved)."""
    data = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    values = {k: str(v) for k, v in data.items()}
    wanted, errors = parse_form(ResyncForm, data)
    allowed = dict(targets(request))
    if wanted is not None and wanted.flow not in allowed:
        errors["flow"] = gettext(
            request, "Choose what to re-sync: %(choices)s.", choices=", ".join(allowed)
        )
    interval = interval_error(request, wanted.from_, wanted.to) if wanted is not None else None
    if interval is not None:
        errors["to"] = interval
    if not errors and _resyncs(request).engine is None:
        errors["__all__"] = gettext(
            request,
            "The sync engine does not run beside this UI; start the bridge with "
            "'fortnox-bridge serve' to re-sync.",
        )
    if errors or wanted is None:
        return None, _page(request, user, tenant_id, values=values, errors=errors, status_code=400)
    try:
        _resyncs(request).require_active(tenant_id)
    except ServiceError as exc:
        return None, _page(
            request, user, tenant_id, values=values, errors={"__all__": exc.detail}, status_code=409
        )
    return wanted, None


async def _plan(
    request: Request, user: User, tenant_id: int, wanted: ResyncForm
) -> tuple[ResyncPlan | None, Response | None]:
    values = {"flow": wanted.flow, "from": wanted.from_.isoformat(), "to": wanted.to.isoformat()}
    try:
        plan = await _resyncs(request).plan(tenant_id, wanted.flow, wanted.from_, wanted.to)
        return plan, None
    except InvalidInput as exc:
        errors = {"flow": exc.detail}
    except ResyncRefused as exc:
        why = exc.reason
        errors = {"__all__": gettext(request, "The re-sync cannot be planned: %(why)s", why=why)}
    return None, _page(request, user, tenant_id, values=values, errors=errors, status_code=409)


@router.get("/tenants/{tenant_id}/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The re-sync form, the reconnect proposal and the latest re-syncs."""
    return _page(request, user, tenant_id)


@router.post("/tenants/{tenant_id}/maintenance/preview", response_class=HTMLResponse)
async def preview(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Step two: the widened interval and what will be deleted, written and left alone."""
    tenant = tenant_of(request, tenant_id)
    wanted, refused = await _checked(request, user, tenant_id)
    if refused is not None or wanted is None:
        assert refused is not None
        return refused
    plan, refused = await _plan(request, user, tenant_id, wanted)
    if refused is not None or plan is None:
        assert refused is not None
        return refused
    return tenant_page(
        request,
        "maintenance_confirm.html",
        user=user,
        tenant=tenant,
        tab="maintenance",
        plan=plan,
        label=dict(targets(request)).get(plan.flow, plan.flow),
        widened=plan.widened != plan.requested,
    )


@router.post("/tenants/{tenant_id}/maintenance/resync")
async def start_resync(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Step three: start the re-sync job; its page shows the live progress."""
    ensure_tenant(request, tenant_id)
    wanted, refused = await _checked(request, user, tenant_id)
    if refused is not None or wanted is None:
        assert refused is not None
        return refused
    resyncs = _resyncs(request)
    if resyncs.running(tenant_id):
        return _page(
            request,
            user,
            tenant_id,
            errors={
                "__all__": gettext(
                    request,
                    "A re-sync of this tenant is running: follow it below or cancel it first.",
                )
            },
            status_code=409,
        )
    plan, refused = await _plan(request, user, tenant_id, wanted)
    if refused is not None or plan is None:
        assert refused is not None
        return refused
    try:
        run_id = resyncs.start(tenant_id, plan).run_id  # new, or the unfinished one resumed
    except ServiceError as exc:
        return _page(request, user, tenant_id, errors={"__all__": exc.detail}, status_code=409)
    flash(request, gettext(request, "The re-sync started."))
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/runs/{run_id}", status_code=303)


@router.post("/tenants/{tenant_id}/maintenance/proposal/accept")
async def accept_proposal(request: Request, tenant_id: TenantId, user: User) -> Response:
    """ "Yes, re-sync from <date>": start the proposed re-sync."""
    ensure_tenant(request, tenant_id)
    resyncs = _resyncs(request)
    error = None
    if resyncs.engine is None:
        error = gettext(
            request,
            "The sync engine does not run beside this UI; start the bridge "
            "with 'fortnox-bridge serve' to re-sync.",
        )
    elif resyncs.running(tenant_id):
        error = gettext(
            request, "A re-sync of this tenant is running: follow it below or cancel it first."
        )
    if error is not None:
        return _page(request, user, tenant_id, errors={"__all__": error}, status_code=409)
    try:
        accepted = await resyncs.accept(tenant_id)
    except ResyncRefused as exc:
        why = gettext(request, "The re-sync cannot start: %(why)s", why=exc.reason)
        return _page(request, user, tenant_id, errors={"__all__": why}, status_code=409)
    flash(request, gettext(request, "The re-sync started."))
    if len(accepted) == 1:
        return RedirectResponse(
            f"{root(request)}/tenants/{tenant_id}/runs/{accepted[0].run_id}", status_code=303
        )
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/maintenance", status_code=303)


@router.post("/tenants/{tenant_id}/maintenance/proposal/dismiss")
def dismiss_proposal(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Forget the proposal without re-syncing."""
    ensure_tenant(request, tenant_id)
    if _resyncs(request).forget(tenant_id):
        flash(request, gettext(request, "The proposal was dismissed: nothing is re-synced."))
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/maintenance", status_code=303)
