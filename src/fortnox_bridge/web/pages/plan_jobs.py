""" "Make a plan" of the first synchronization of employees as a background job.

Reading both sides takes a while (about half a minute for a thousand employees), so the button
answers at once and the conflicts page shows a progress card with the plan's steps (reading the
host, reading Fortnox, matching) until the plan is made; one job per tenant at a time.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.first_sync import FirstSyncError
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.pages._ops import TenantId, context, ensure_tenant, fragment, tenant_of
from fortnox_bridge.web.pages._plan_pages import PLAN, plan_job_view
from fortnox_bridge.web.pages._ui_jobs import UiJob, job_name
from fortnox_bridge.web.pages.conflicts import back, engine_of, first_sync_of
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/tenants/{tenant_id}/conflicts/first-sync/plan")
async def make_plan(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start reading both sides and making a plan of how the employees meet; the page follows
    it."""
    web = context(request)
    ensure_tenant(request, tenant_id)
    service = engine_of(request)
    if web.jobs.running(job_name(PLAN, tenant_id)):
        flash(
            request, gettext(request, "A plan is already being made: follow it below."), "warning"
        )
    else:
        job = UiJob(PLAN, web.clock.now())
        web.ui_jobs[(tenant_id, PLAN)] = job
        web.jobs.start(job_name(PLAN, tenant_id), _make_plan(web, service, tenant_id, job))
    return back(request, tenant_id, "#first-sync")


async def _make_plan(web: WebContext, service: SyncService, tenant_id: int, job: UiJob) -> None:
    def tell(step: str, done: int, total: int) -> None:
        job.step, job.extra = step, {"done": done, "total": total}

    source = service.clients.source(tenant_id)
    try:
        job.result = await first_sync_of(web).make_plan(tenant_id, source, tell)
    except (FirstSyncError, EngineError, FortnoxError) as exc:
        job.error = str(exc)
    except Exception as exc:  # kept for the card; the server goes on
        job.error = str(exc) or type(exc).__name__
        log.warning("making a plan stopped: %s", exc, extra={"tenant_id": tenant_id})
    finally:
        job.finished_at = web.clock.now()
        await source.aclose()


@router.get("/tenants/{tenant_id}/conflicts/first-sync/plan/job", response_class=HTMLResponse)
def plan_job(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Live progress of making the plan (``data-refresh``; ``data-done`` once it ended)."""
    tenant = tenant_of(request, tenant_id)
    return fragment(
        request,
        "_plan_job.html",
        tenant=tenant,
        plan_job=plan_job_view(request, tenant.id),
        polled=True,
    )
