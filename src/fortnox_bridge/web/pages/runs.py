"""Runs: what each sweep, push, re-sync and repair did, with live progress and a 30-day chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.services.runs import Run, RunItem
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
#: The runs list's filter by how a run stands.
STATUSES = ("running", "succeeded", "partial", "failed", "interrupted", "cancelled")
#: The run detail's filter: what happened to an item.
OUTCOMES = ("created", "updated", "deleted", "skipped", "failed")
#: How many runs a page of the list shows.
RUNS_PER_PAGE = 25
#: How many items a page of a run shows.
ITEMS_PER_PAGE = 100
#: The longest record search kept (the text is searched for, never run).
RECORD_MAX = 200
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


def page_number(value: str | None) -> int:
    """A ``?page=`` value as a page (1 for anything that is not a positive number)."""
    text = (value or "").strip()
    return min(int(text), 10**6) if text.isdigit() and int(text) > 0 else 1


def linker(filters: Mapping[str, str | None]) -> Callable[..., str]:
    """``href(page=3)``: this list's query string with its filters and the changes given
    (a filter left empty is left out, and page 1 too)."""

    def href(**changes: Any) -> str:
        values = {**filters, **changes}
        kept = {
            k: str(v) for k, v in values.items() if v not in (None, "") and (k, v) != ("page", 1)
        }
        return "?" + urlencode(kept)

    return href


def page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers a pager links: the first, the last and two either side of the current
    one; ``None`` where pages are left out."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


@router.get("/tenants/{tenant_id}/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    tenant_id: TenantId,
    user: User,
    kind: str | None = None,
    status: str | None = None,
    flow: str | None = None,
    page: str | None = None,
) -> Response:
    """The tenant's runs, newest first and a page at a time, filtered by kind, status and flow,
    and its activity over the last 30 days."""
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    service = web.services.runs
    flows = service.flows_run(tenant.id)
    wanted = {
        "kind": kind if kind in KINDS else None,
        "status": status if status in STATUSES else None,
        "flow": flow if flow in flows else None,
    }
    found = service.runs_page(tenant.id, **wanted, page=page_number(page), per_page=RUNS_PER_PAGE)
    chart = activity_chart(request, service, tenant.id, web.clock.now().date())
    return tenant_page(
        request,
        "runs.html",
        user=user,
        tenant=tenant,
        tab="runs",
        runs=[run_row(r) for r in found.runs],
        total=found.total,
        page=found.page,
        pages=found.pages,
        page_links=page_links(found.page, found.pages),
        href=linker(wanted),
        filtered=any(wanted.values()),
        kind=wanted["kind"],
        status=wanted["status"],
        flow=wanted["flow"],
        kinds=KINDS,
        statuses=STATUSES,
        flows=flows,
        chart=chart,
    )


def item_row(request: Request, item: RunItem) -> dict[str, Any]:
    """What the run page shows of an item: the record as a person reads it (its external id
    for items kept before references were), what was done, and the reason in words."""
    done = {"create": "created", "update": "updated", "delete": "deleted"}
    outcome = done.get(item.action, item.outcome) if item.outcome == "ok" else item.outcome
    return {
        "flow": item.flow,
        "record": item.reference or item.external_id,
        "external_id": item.external_id,
        "reference": item.reference,
        "action": item.action,
        "outcome": item.outcome,
        "shown_outcome": outcome,
        "fortnox_id": item.fortnox_id,
        "code": item.code,
        "reason": item.reason,
        "words": run_reason(request, item.reason),
    }


@router.get("/tenants/{tenant_id}/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request,
    tenant_id: TenantId,
    run_id: RecordId,
    user: User,
    outcome: str | None = None,
    record: str | None = None,
    page: str | None = None,
) -> Response:
    """One run: its numbers, its progress and what it did with each record, a page at a time,
    filtered by outcome and by a text found in the record's id, reference or Fortnox id."""
    wanted = outcome if outcome in OUTCOMES else None
    search = (record or "").strip()[:RECORD_MAX] or None
    tenant = tenant_of(request, tenant_id)
    try:
        found = context(request).services.runs.item_page(
            tenant.id,
            run_id,
            outcome=wanted,
            record=search,
            page=page_number(page),
            per_page=ITEMS_PER_PAGE,
        )
    except NotFound:
        raise _no_run(request, run_id) from None
    return tenant_page(
        request,
        "run.html",
        user=user,
        tenant=tenant,
        tab="runs",
        run=run_row(found.run),
        items=[item_row(request, item) for item in found.items],
        total=found.total,
        page=found.page,
        pages=found.pages,
        page_links=page_links(found.page, found.pages),
        href=linker({"outcome": wanted, "record": search}),
        outcome=wanted,
        record=search or "",
        outcomes=OUTCOMES,
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
