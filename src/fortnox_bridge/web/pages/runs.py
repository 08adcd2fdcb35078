"""Runs: what each sweep, push, re-sync and repair did, with live progress and a 30-day chart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.services.runs import Run
from fortnox_bridge.web.activity import activity_chart
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import (
    RecordId,
    TenantId,
    context,
    fragment,
    tenant_of,
    tenant_page,
)
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.run_texts import run_reason
from fortnox_bridge.web.security import User, root

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("runs", N_("Runs"), 40, "/runs")

KINDS = ("sweep", "push", "resync", "repair", "event")
#: The run detail's filter: what happened to an item.
OUTCOMES = ("created", "updated", "deleted", "skipped", "failed")
#: How many runs the list shows.
LIST_LIMIT = 50
#: How many items the run page shows.
ITEM_LIMIT = 500
#: Counters of runs (a re-sync counts what it deleted and wrote again as ``written``).
_COUNTED = ("created", "updated", "deleted", "written", "skipped", "failed")


def run_of(request: Request, tenant_id: int, run_id: int) -> Run:
    """The tenant's run ``run_id``, or a 404 page (another tenant's run is not found either)."""
    try:
        return context(request).services.runs.get(tenant_id, run_id)
    except NotFound:
        raise _no_run(request, run_id) from None


def _no_run(request: Request, run_id: int) -> HTTPException:
    return HTTPException(404, gettext(request, "This tenant has no run %(id)s.", id=run_id))


def run_row(run: Run) -> dict[str, Any]:
    """What the pages show of a run."""
    counts = {name: int(run.counts.get(name, 0) or 0) for name in _COUNTED}
    duration = (run.finished_at - run.started_at) if run.finished_at else None
    total = run.progress_total or 0
    return {
        "id": run.id,
        "kind": run.kind,
        "flow": run.flow,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration": _duration(duration),
        "counts": counts,
        "requests": run.requests,
        "done": run.progress_done or 0,
        "total": total,
        "percent": int(100 * (run.progress_done or 0) / total) if total else 0,
        "running": run.status == "running",
        "cancellable": run.kind == "resync" and run.status in ("running", "interrupted"),
        "cancel_requested": run.cancel_requested,
        "error": run.error,
        "params": dict(run.params or {}),
    }


def _duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


@router.get("/tenants/{tenant_id}/runs", response_class=HTMLResponse)
def runs_page(
    request: Request, tenant_id: TenantId, user: User, kind: str | None = None
) -> Response:
    """The tenant's runs, newest first, and its activity over the last 30 days."""
    web = context(request)
    wanted = kind if kind in KINDS else None
    tenant = tenant_of(request, tenant_id)
    service = web.services.runs
    runs = [run_row(r) for r in service.latest(tenant.id, kind=wanted, limit=LIST_LIMIT)]
    chart = activity_chart(request, service, tenant.id, web.clock.now().date())
    return tenant_page(
        request,
        "runs.html",
        user=user,
        tenant=tenant,
        tab="runs",
        runs=runs,
        kind=wanted,
        kinds=KINDS,
        chart=chart,
    )


@router.get("/tenants/{tenant_id}/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, tenant_id: TenantId, run_id: RecordId, user: User, outcome: str | None = None
) -> Response:
    """One run: its numbers, its progress and what it did with each record."""
    wanted = outcome if outcome in OUTCOMES else None
    tenant = tenant_of(request, tenant_id)
    try:
        run, items = context(request).services.runs.items_of(
            tenant.id, run_id, outcome=wanted, limit=ITEM_LIMIT
        )
    except NotFound:
        raise _no_run(request, run_id) from None
    row = run_row(run)
    return tenant_page(
        request,
        "run.html",
        user=user,
        tenant=tenant,
        tab="runs",
        run=row,
        items=items,
        reasons=[run_reason(request, item.reason) for item in items],
        outcome=wanted,
        outcomes=OUTCOMES,
        limit=ITEM_LIMIT,
    )


@router.get("/tenants/{tenant_id}/runs/{run_id}/progress", response_class=HTMLResponse)
def run_progress(request: Request, tenant_id: TenantId, run_id: RecordId, user: User) -> Response:
    """The run's live progress (``data-refresh``; ``data-done`` once it stopped)."""
    tenant = tenant_of(request, tenant_id)
    row = run_row(run_of(request, tenant.id, run_id))
    return fragment(request, "_run_progress.html", tenant=tenant, run=row)


@router.post("/tenants/{tenant_id}/runs/{run_id}/cancel")
def cancel_run(request: Request, tenant_id: TenantId, run_id: RecordId, user: User) -> Response:
    """Ask a re-sync to stop after the record it is writing (start it again to resume)."""
    tenant = tenant_of(request, tenant_id)
    run_of(request, tenant.id, run_id)
    try:
        context(request).services.runs.cancel(tenant.id, run_id)
        message, kind = (
            gettext(request, "The re-sync stops after the record it is writing."),
            "success",
        )
    except Conflict:
        message, kind = (
            gettext(request, "This run is not a running re-sync: nothing to cancel."),
            "error",
        )
    flash(request, message, kind)
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/runs/{run_id}", status_code=303)
