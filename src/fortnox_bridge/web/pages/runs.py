"""Runs: what each sweep, push, re-sync and repair did, with live progress and a 30-day chart."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Run, RunItem
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.web.charts import Series, daily_bars
from fortnox_bridge.web.pages._ops import (
    RecordId,
    TenantId,
    context,
    fragment,
    tenant_or_404,
    tenant_page,
)
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()

KINDS = ("sweep", "push", "resync", "repair")
#: The run detail's filter: what happened to an item.
OUTCOMES = ("created", "updated", "deleted", "skipped", "failed")
#: How many runs the list shows.
LIST_LIMIT = 50
#: How many items the run page shows.
ITEM_LIMIT = 500
CHART_DAYS = 30
#: Counters of runs (a re-sync counts what it deleted and wrote again as ``written``).
_COUNTED = ("created", "updated", "deleted", "written", "skipped", "failed")


def run_of(request: Request, session: Session, tenant_id: int, run_id: int) -> Run:
    """The tenant's run ``run_id``, or a 404 page (another tenant's run is not found either)."""
    run = RunRepository(session).get(run_id) if 0 < run_id < 2**31 else None
    if run is None or run.tenant_id != tenant_id:
        raise HTTPException(404, gettext(request, "This tenant has no run %(id)s.", id=run_id))
    return run


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


def _item_filter(outcome: str) -> Any:
    if outcome in ("skipped", "failed"):
        return RunItem.outcome == outcome
    action = {"created": "create", "updated": "update", "deleted": "delete"}[outcome]
    return (RunItem.action == action) & (RunItem.outcome == "ok")


def activity(session: Session, tenant_id: int, today: date) -> tuple[list[date], Series, Series]:
    """Requests and items (created, updated, deleted, skipped, failed) per day, last 30 days."""
    days = [today - timedelta(days=CHART_DAYS - 1 - n) for n in range(CHART_DAYS)]
    since = datetime.combine(days[0], datetime.min.time())
    requests: Counter[date] = Counter()
    items: Counter[date] = Counter()
    rows = session.scalars(
        select(Run).where(Run.tenant_id == tenant_id, Run.started_at >= since)
    ).all()
    for run in rows:
        day = run.started_at.date()
        requests[day] += run.requests or 0
        items[day] += sum(int(run.counts.get(name, 0) or 0) for name in _COUNTED)
    return (
        days,
        Series("Requests", "bar-requests", [requests[d] for d in days]),
        Series("Items", "bar-items", [items[d] for d in days]),
    )


@router.get("/tenants/{tenant_id}/runs", response_class=HTMLResponse)
def runs_page(
    request: Request, tenant_id: TenantId, user: User, kind: str | None = None
) -> Response:
    """The tenant's runs, newest first, and its activity over the last 30 days."""
    web = context(request)
    wanted = kind if kind in KINDS else None
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        runs = [
            run_row(r)
            for r in RunRepository(session).latest(tenant.id, kind=wanted, limit=LIST_LIMIT)
        ]
        days, requests, items = activity(session, tenant.id, web.clock.now().date())
    requests = Series(gettext(request, "Requests to Fortnox"), requests.css, requests.values)
    items = Series(gettext(request, "Items"), items.css, items.values)
    chart = daily_bars(
        gettext(request, "Requests and items per day, last %(days)s days", days=CHART_DAYS),
        days,
        [requests, items],
    )
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
    web = context(request)
    wanted = outcome if outcome in OUTCOMES else None
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        run = run_of(request, session, tenant.id, run_id)
        query = select(RunItem).where(RunItem.run_id == run.id)
        if wanted is not None:
            query = query.where(_item_filter(wanted))
        items = list(session.scalars(query.order_by(RunItem.id).limit(ITEM_LIMIT)))
        row = run_row(run)
    return tenant_page(
        request,
        "run.html",
        user=user,
        tenant=tenant,
        tab="runs",
        run=row,
        items=items,
        outcome=wanted,
        outcomes=OUTCOMES,
        limit=ITEM_LIMIT,
    )


@router.get("/tenants/{tenant_id}/runs/{run_id}/progress", response_class=HTMLResponse)
def run_progress(request: Request, tenant_id: TenantId, run_id: RecordId, user: User) -> Response:
    """The run's live progress (``data-refresh``; ``data-done`` once it stopped)."""
    web = context(request)
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        row = run_row(run_of(request, session, tenant.id, run_id))
    return fragment(request, "_run_progress.html", tenant=tenant, run=row)


@router.post("/tenants/{tenant_id}/runs/{run_id}/cancel")
def cancel_run(request: Request, tenant_id: TenantId, run_id: RecordId, user: User) -> Response:
    """Ask a re-sync to stop after the record it is writing (start it again to resume)."""
    web = context(request)
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        run = run_of(request, session, tenant.id, run_id)
        if run.kind == "resync" and run.status in ("running", "interrupted"):
            run.cancel_requested = True
            message, kind = (
                gettext(request, "The re-sync stops after the record it is writing."),
                "success",
            )
        else:
            message, kind = (
                gettext(request, "This run is not a running re-sync: nothing to cancel."),
                "error",
            )
    flash(request, message, kind)
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/runs/{run_id}", status_code=303)
