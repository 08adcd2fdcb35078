"""A tenant's "Sync now" and "Preview (dry run)" as background jobs.

The button answers at once (a redirect to the overview) and the work goes on in the background
(:class:`~fortnox_bridge.services.jobs.BackgroundJobs`, one sync and one preview per tenant at a
time). The overview's cards poll: the sync card follows the run's row (its progress moves while
it runs, see ``engine/sync/recording.py``) and ends with the outcome; the preview card waits for
the dry run and then shows what a sync would do per flow. The jobs' results are kept in the web
context (:class:`~fortnox_bridge.web.pages._ui_jobs.UiJob`), so a reload shows the same card.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.runs import Run
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, fragment, tenant_of
from fortnox_bridge.web.pages._overview import plan_of
from fortnox_bridge.web.pages._ui_jobs import UiJob, job_name
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root, web_context

log = logging.getLogger(__name__)
router = APIRouter()

SYNC, PREVIEW = "sync", "preview"
NO_ENGINE = N_(
    "The sync engine is not running beside this page; start the bridge with 'fortnox-bridge serve'."
)
#: What a second click says while the job of that kind still runs.
ALREADY = {
    SYNC: N_("A sync of this tenant is already running: follow it below."),
    PREVIEW: N_("A preview of this tenant is already being made: it shows below when ready."),
}


def when(value: datetime | None) -> str:
    """A moment as the cards show it (UTC, to the second)."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


@router.post("/tenants/{tenant_id}/sync")
async def sync_now(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start a sync of the tenant's enabled flows; the overview follows it."""
    return _start(request, tenant_id, SYNC)


@router.post("/tenants/{tenant_id}/preview")
async def preview(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start a dry run (what a sync would create, update and delete; nothing is written)."""
    return _start(request, tenant_id, PREVIEW)


def _start(request: Request, tenant_id: int, kind: str) -> Response:
    ensure_tenant(request, tenant_id)
    start_sync(request, tenant_id, kind)
    anchor = "#sync" if kind == SYNC else "#preview"
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}{anchor}", status_code=303)


def start_sync(
    request: Request, tenant_id: int, kind: str = SYNC, only: list[str] | None = None
) -> bool:
    """Start the tenant's sync (or preview) job, of the flows ``only`` names when given (the
    Service tab syncs its family's flows); says why not, as a flash, when it cannot start.
    The overview's card follows it either way."""
    web = web_context(request)
    service = web.hooks.service
    if service is None:
        flash(request, gettext(request, NO_ENGINE), "error")
        return False
    if web.jobs.running(job_name(kind, tenant_id)):
        flash(request, gettext(request, ALREADY[kind]), "warning")
        return False
    job = UiJob(kind, web.clock.now(), extra={"only": list(only or [])})
    web.ui_jobs[(tenant_id, kind)] = job
    web.jobs.start(job_name(kind, tenant_id), _work(web, service, tenant_id, job))
    return True


async def _work(web: WebContext, service: SyncService, tenant_id: int, job: UiJob) -> None:
    only = job.extra.get("only") or None
    try:
        job.result = await service.sweep(tenant_id, dry_run=job.kind == PREVIEW, only=only)
    except Exception as exc:  # kept for the card; the server goes on
        job.error = str(exc) or type(exc).__name__
        log.warning("%s job stopped: %s", job.kind, exc, extra={"tenant_id": tenant_id})
    finally:
        job.finished_at = web.clock.now()


@router.get("/tenants/{tenant_id}/sync/job", response_class=HTMLResponse)
def sync_job(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The sync card (``data-refresh``; ``data-done`` once the sync ended)."""
    tenant = tenant_of(request, tenant_id)
    return fragment(
        request, "_sync_job.html", tenant=tenant, sync_job=sync_card(request, tenant.id)
    )


@router.get("/tenants/{tenant_id}/preview/job", response_class=HTMLResponse)
def preview_job(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The preview card (``data-refresh``; ``data-done`` once the dry run ended)."""
    tenant = tenant_of(request, tenant_id)
    return fragment(
        request, "_preview_job.html", tenant=tenant, preview_job=preview_card(request, tenant.id)
    )


def job_cards(request: Request, tenant_id: int) -> dict[str, Any]:
    """The overview's sync and preview cards (``None`` each: no such job since the start)."""
    return {
        "sync_job": sync_card(request, tenant_id),
        "preview_job": preview_card(request, tenant_id),
    }


def sync_card(request: Request, tenant_id: int) -> dict[str, Any] | None:
    """Where the tenant's last "Sync now" stands: waiting for its run, its live run, or how it
    ended."""
    web = web_context(request)
    job = web.ui_jobs.get((tenant_id, SYNC))
    if job is None:
        return None
    summary = job.result if isinstance(job.result, RunSummary) else None
    run = _run(web, tenant_id, job, summary)
    view: dict[str, Any] = {
        "running": not job.finished,
        "started": when(job.started_at),
        "run": _run_view(run) if run is not None else None,
        "message": None,
        "level": "success",
    }
    if job.error is not None:
        view["message"] = gettext(request, "The sync stopped: %(error)s", error=job.error)
        view["level"] = "error"
    elif summary is not None:
        view["message"], view["level"] = sync_message(request, summary)
    return view


def _run(web: WebContext, tenant_id: int, job: UiJob, summary: RunSummary | None) -> Run | None:
    runs = web.services.runs
    if summary is not None:
        if summary.run_id is None:
            return None
        try:
            return runs.get(tenant_id, summary.run_id)
        except NotFound:
            return None
    # Still running: the sweep this job started is the newest one since it began.
    started = [r for r in runs.started_since(tenant_id, job.started_at) if r.kind == "sweep"]
    return max(started, key=lambda r: r.id) if started else None


def _run_view(run: Run) -> dict[str, Any]:
    total, done = run.progress_total or 0, run.progress_done or 0
    return {
        "id": run.id,
        "status": run.status,
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "counts": {name: value for name, value in (run.counts or {}).items() if value},
        "requests": run.requests,
    }


def sync_message(request: Request, summary: RunSummary) -> tuple[str, str]:
    """How a sync went, in one sentence of the page's language, and its flash level."""
    if summary.error:
        return gettext(request, "The sync did not run: %(error)s", error=summary.error), "error"
    if summary.run_id is None:
        return gettext(request, "Nothing to sync: everything is up to date."), "success"
    counts = ", ".join(
        f"{gettext(request, name)} {value}" for name, value in summary.counts().items() if value
    )
    succeeded = summary.status == "succeeded"
    status = gettext(request, "succeeded") if succeeded else gettext(request, "partly failed")
    return (
        gettext(
            request,
            "Sync %(status)s (run %(run)s): %(counts)s.",
            status=status,
            run=summary.run_id,
            counts=counts or gettext(request, "nothing changed"),
        ),
        "success" if succeeded else "warning",
    )


def preview_card(request: Request, tenant_id: int) -> dict[str, Any] | None:
    """Where the tenant's last preview stands: being made, or its plan per flow."""
    web = web_context(request)
    job = web.ui_jobs.get((tenant_id, PREVIEW))
    if job is None:
        return None
    summary = job.result if isinstance(job.result, RunSummary) else None
    error = job.error or (summary.error if summary is not None else None)
    return {
        "running": not job.finished,
        "started": when(job.started_at),
        "made": when(job.finished_at),
        "error": error,
        "flows": plan_of(summary) if summary is not None and not error else None,
    }
