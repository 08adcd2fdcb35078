"""Conflicts: the first synchronization plan of employees (pairs side by side, host-only and
Fortnox-only employees, duplicates; decide, apply with progress) and later conflicts (base, host
and Fortnox values; the host's or Fortnox's values win).

"Make a plan" runs as a background job (``plan_jobs.py``); the plan is shown a page at a time,
filtered by kind (``_plan_pages.py``).

The page calls what ``/api/v1/hr/first-sync`` and ``/api/v1/conflicts`` call:
:class:`~fortnox_bridge.services.first_sync.FirstSyncService` and the conflict service.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.sync.conflicts import Winner
from fortnox_bridge.services.conflicts import Conflict
from fortnox_bridge.services.errors import NotFound, ServiceError
from fortnox_bridge.services.first_sync import (
    FirstSyncError,
    FirstSyncService,
    InvalidDecisionError,
    NoPlanError,
    PlanView,
)
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import (
    RecordId,
    TenantId,
    context,
    ensure_tenant,
    fragment,
    tenant_of,
    tenant_page,
)
from fortnox_bridge.web.pages._plan_pages import PLAN, chosen, paged_plan, plan_job_view, where
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

log = logging.getLogger(__name__)
router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("conflicts", N_("Conflicts"), 60, "/conflicts")

#: What went wrong in the last background apply of a tenant's plan (shown on the page).
_apply_errors: dict[int, str] = {}


def conflict_view(conflict: Conflict) -> dict[str, Any]:
    """What the page shows of an open conflict."""
    return {
        "id": conflict.id,
        "flow": conflict.flow,
        "entity": conflict.entity_type,
        "external_id": conflict.external_id,
        "fortnox_id": conflict.fortnox_id,
        "fields": conflict.fields,
        "created_at": conflict.created_at,
    }


def _job_name(tenant_id: int) -> str:
    return f"first-sync:{tenant_id}"


def first_sync_of(web: WebContext) -> FirstSyncService:
    return web.services.first_sync


def _plan(web: WebContext, tenant_id: int) -> PlanView | None:
    try:
        return first_sync_of(web).view(tenant_id)
    except NoPlanError:
        return None


def _progress(web: WebContext, tenant_id: int, plan: PlanView | None) -> dict[str, Any]:
    """Where applying the plan stands."""
    items = [i for i in plan.items if i.kind != "duplicate"] if plan else []
    finished = sum(1 for i in items if i.status in ("done", "skipped", "failed"))
    running = web.jobs.running(_job_name(tenant_id))
    return {
        "running": running,
        "status": plan.status if plan else None,
        "done": finished,
        "total": len(items),
        "percent": int(100 * finished / len(items)) if items else 100,
        "failed": sum(1 for i in items if i.status == "failed"),
        "error": _apply_errors.get(tenant_id),
    }


def _page(
    request: Request,
    user: User,
    tenant_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    at: tuple[str, int] | None = None,
) -> Response:
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    conflicts = [conflict_view(c) for c in web.services.conflicts.open(tenant.id)]
    plan = _plan(web, tenant.id)
    show, page = at or chosen(request.query_params)
    plan_job = plan_job_view(request, tenant.id)
    if plan_job is not None and not plan_job["running"]:
        web.ui_jobs.pop((tenant.id, PLAN), None)  # its outcome is shown this once
    return tenant_page(
        request,
        "conflicts.html",
        user=user,
        tenant=tenant,
        tab="conflicts",
        status_code=status_code,
        plan=plan,
        paged=paged_plan(plan, show, page),
        plan_job=plan_job,
        progress=_progress(web, tenant.id, plan),
        conflicts=conflicts,
        errors=errors or {},
        engine=web.hooks.service is not None,
    )


def back(
    request: Request, tenant_id: int, anchor: str = "", at: tuple[str, int] = ("all", 1)
) -> Response:
    """Back to the conflicts page (at a filter and page of the plan)."""
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/conflicts{where(*at)}{anchor}", status_code=303
    )


def engine_of(request: Request) -> SyncService:
    service = context(request).hooks.service
    if service is None:
        raise HTTPException(
            503,
            gettext(
                request,
                "The sync engine does not run beside this UI, so Fortnox cannot be read or "
                "written from here; start the bridge with 'fortnox-bridge serve'.",
            ),
        )
    return service


@router.get("/tenants/{tenant_id}/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The first synchronization plan and the open conflicts."""
    return _page(request, user, tenant_id)


def _decision(form: dict[str, Any]) -> dict[str, Any]:
    """The decision a form of an item sends (see ``Decision`` of the API)."""
    choice = str(form.get("choice", ""))
    if choice in ("host", "fortnox"):
        return {"winner": choice}
    if choice == "fields":
        return {
            "fields": {
                key.removeprefix("field."): str(value)
                for key, value in form.items()
                if key.startswith("field.")
            }
        }
    if choice in ("create", "leave_out"):
        return {"create": choice == "create"}
    if choice in ("skip", "unskip"):
        return {"skip": choice == "skip"}
    return {}


@router.post("/tenants/{tenant_id}/conflicts/first-sync/items/{item_id}")
async def decide(request: Request, tenant_id: TenantId, item_id: RecordId, user: User) -> Response:
    """Decide one item of the plan: a side for the pair or per field, create or leave out,
    skip a duplicate."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    form = dict((await request.form()).items())
    decision = _decision(form)
    if not 0 < item_id < 2**31:
        raise HTTPException(404, gettext(request, "There is no such item."))
    try:
        if not decision or (decision.get("fields") == {}):
            raise InvalidDecisionError(
                gettext(request, "Choose a side for each field, or one side for the whole pair.")
            )
        first_sync_of(web).decide(tenant_id, item_id, decision)
    except NoPlanError as exc:
        raise HTTPException(404, str(exc)) from None
    except FirstSyncError as exc:
        return _page(
            request,
            user,
            tenant_id,
            errors={f"item-{item_id}": str(exc)},
            status_code=400,
            at=chosen(form),
        )
    return back(request, tenant_id, f"#item-{item_id}", chosen(form))


@router.post("/tenants/{tenant_id}/conflicts/first-sync/decide")
async def decide_all(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Decide every undecided item at once ("host wins for all", ...)."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    form = await request.form()
    pairs, host_only, fortnox_only = (
        str(form.get(name, "")) for name in ("pairs", "host_only", "fortnox_only")
    )
    sides, choices = ("", "host", "fortnox"), ("", "create", "skip")
    if (
        pairs not in sides
        or host_only not in choices
        or fortnox_only not in choices
        or not (pairs or host_only or fortnox_only)
    ):
        flash(request, gettext(request, "Choose what to decide for all items."), "error")
        return back(request, tenant_id, at=chosen(form))
    try:
        first_sync_of(web).decide_all(
            tenant_id,
            pairs="host" if pairs == "host" else ("fortnox" if pairs == "fortnox" else None),
            host_only=None if not host_only else host_only == "create",
            fortnox_only=None if not fortnox_only else fortnox_only == "create",
        )
    except FirstSyncError as exc:
        flash(request, str(exc), "error")
    return back(request, tenant_id, at=chosen(form))


async def _apply(web: WebContext, service: SyncService, tenant_id: int) -> None:
    source = service.clients.source(tenant_id)
    try:
        await first_sync_of(web).apply(tenant_id, source)
    except Exception as exc:
        _apply_errors[tenant_id] = str(exc)
        log.warning("first synchronization stopped: %s", exc, extra={"tenant_id": tenant_id})
    finally:
        await source.aclose()


@router.post("/tenants/{tenant_id}/conflicts/first-sync/apply")
async def apply_plan(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Apply the decided plan in the background; the page follows its progress."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    plan = _plan(web, tenant_id)
    if plan is None or plan.status not in ("open", "applying"):
        flash(request, gettext(request, "There is no open plan to apply."), "error")
        return back(request, tenant_id)
    if plan.counts.get("undecided", 0):
        flash(
            request,
            gettext(
                request,
                "%(count)s item(s) are undecided or duplicates are unresolved: decide them first.",
                count=plan.counts["undecided"],
            ),
            "error",
        )
        return back(request, tenant_id)
    service = engine_of(request)
    if not web.jobs.running(_job_name(tenant_id)):
        _apply_errors.pop(tenant_id, None)
        web.jobs.start(_job_name(tenant_id), _apply(web, service, tenant_id))
    return back(request, tenant_id, "#apply")


@router.get("/tenants/{tenant_id}/conflicts/first-sync/progress", response_class=HTMLResponse)
def apply_progress(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Live progress of applying the plan."""
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    plan = _plan(web, tenant.id)
    return fragment(
        request,
        "_apply_progress.html",
        tenant=tenant,
        plan=plan,
        progress=_progress(web, tenant.id, plan),
    )


@router.post("/tenants/{tenant_id}/conflicts/first-sync/discard")
def discard_plan(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Discard the open plan (what it applied already stays)."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    try:
        first_sync_of(web).discard(tenant_id)
        flash(request, gettext(request, "The plan was discarded."))
    except FirstSyncError as exc:
        flash(request, str(exc), "error")
    return back(request, tenant_id)


@router.post("/tenants/{tenant_id}/conflicts/{conflict_id}/resolve")
async def resolve(
    request: Request, tenant_id: TenantId, conflict_id: RecordId, user: User
) -> Response:
    """Decide a later conflict: the host's values (``bridge``) or Fortnox's win."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    try:
        fields = dict(web.services.conflicts.get(tenant_id, conflict_id).fields)
    except NotFound:
        raise HTTPException(
            404, gettext(request, "This tenant has no conflict %(id)s.", id=conflict_id)
        ) from None
    form = await request.form()
    winner = str(form.get("winner", ""))
    chosen = {
        key.removeprefix("field."): str(value)
        for key, value in form.items()
        if key.startswith("field.")
    }
    problem = None
    if winner == "fields":
        if set(chosen) != set(fields) or not set(chosen.values()) <= {"bridge", "fortnox"}:
            problem = gettext(
                request, "Choose a side for each field, or one side for the whole record."
            )
    elif winner not in ("bridge", "fortnox"):
        problem = gettext(request, "Choose whose values win.")
    if problem is not None:
        return _page(
            request, user, tenant_id, errors={f"conflict-{conflict_id}": problem}, status_code=400
        )
    per_field: dict[str, Winner] = {
        name: "bridge" if side == "bridge" else "fortnox" for name, side in chosen.items()
    }
    try:
        web.services.conflicts.resolve(
            tenant_id,
            conflict_id,
            "fortnox" if winner == "fortnox" else "bridge",
            fields=per_field if winner == "fields" else None,
        )
    except ServiceError as exc:
        return _page(
            request,
            user,
            tenant_id,
            errors={f"conflict-{conflict_id}": exc.detail},
            status_code=409,
        )
    flash(request, gettext(request, "Conflict %(id)s decided.", id=conflict_id))
    return back(request, tenant_id)
