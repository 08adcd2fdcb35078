"""Re-writing a tenant's absences under a changed cause mapping, as a background job.

Re-writing deletes each absence's transactions in Fortnox and writes them again, a few requests
per absence under Fortnox's rate limit, so it can take minutes: the button answers at once and the
Mappings page's re-write card follows the job (``data-refresh``) until it says how it went. The
job is kept in the web context like the overview's sync, so a reload shows the same card.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.services.errors import ServiceError
from fortnox_bridge.services.payroll_codes import PayrollCodes, Rewritten
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, fragment, tenant_of
from fortnox_bridge.web.pages._ui_jobs import UiJob, job_name
from fortnox_bridge.web.pages.sync_jobs import NO_ENGINE, when
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root, web_context

log = logging.getLogger(__name__)
router = APIRouter()

REWRITE = "rewrite"
ALREADY = N_("A re-write of this tenant's absences is already running: follow it below.")


@router.post("/tenants/{tenant_id}/mappings/rewrite", response_class=HTMLResponse)
async def rewrite(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start re-writing the absences whose Fortnox transactions do not follow the current
    mapping; the page's re-write card follows it."""
    ensure_tenant(request, tenant_id)
    web = web_context(request)
    codes = web.services.payroll_codes
    name = job_name(REWRITE, tenant_id)
    if codes.hooks.service is None:
        flash(request, gettext(request, NO_ENGINE), "error")
    elif web.jobs.running(name):
        flash(request, gettext(request, ALREADY), "warning")
    else:
        job = UiJob(REWRITE, web.clock.now())
        web.ui_jobs[(tenant_id, REWRITE)] = job
        web.jobs.start(name, _work(web, codes, tenant_id, job))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/mappings#rewrite", status_code=303
    )


async def _work(web: WebContext, codes: PayrollCodes, tenant_id: int, job: UiJob) -> None:
    try:
        job.result = await codes.rewrite(tenant_id)
    except ServiceError as exc:  # refused (another job writes to the tenant, Fortnox said no)
        job.error = exc.detail
    except Exception as exc:  # kept for the card; the server goes on
        job.error = str(exc) or type(exc).__name__
        log.warning("re-write job stopped: %s", exc, extra={"tenant_id": tenant_id})
    finally:
        job.finished_at = web.clock.now()


@router.get("/tenants/{tenant_id}/mappings/rewrite/job", response_class=HTMLResponse)
def rewrite_job(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The re-write card (``data-refresh``; ``data-done`` once the re-write ended)."""
    tenant = tenant_of(request, tenant_id)
    return fragment(
        request, "_rewrite_job.html", tenant=tenant, rewrite_job=rewrite_card(request, tenant.id)
    )


def rewrite_card(request: Request, tenant_id: int) -> dict[str, Any] | None:
    """Where the tenant's last re-write stands (``None``: none since the bridge started)."""
    job = web_context(request).ui_jobs.get((tenant_id, REWRITE))
    if job is None:
        return None
    view: dict[str, Any] = {
        "running": not job.finished,
        "started": when(job.started_at),
        "message": None,
        "level": "success",
        "run": None,
    }
    if job.error is not None:
        view["message"] = gettext(request, "The re-write did not run: %(error)s", error=job.error)
        view["level"] = "error"
    elif isinstance(job.result, Rewritten):
        view["message"], view["level"] = rewritten(request, job.result)
        view["run"] = job.result.summary.run_id if job.result.summary is not None else None
    return view


def rewritten(request: Request, done: Rewritten) -> tuple[str, str]:
    """How a re-write went, in a sentence of the page's language, and its level."""
    summary = done.summary
    if summary is None:
        nothing = gettext(request, "Nothing to re-write: every absence follows the mapping.")
        return nothing, "success"
    if summary.error:
        return gettext(request, "The re-write stopped: %(error)s", error=summary.error), "error"
    return (
        gettext(
            request,
            "Re-wrote %(count)s absence(s) under the new mapping (run %(run)s).",
            count=done.count,
            run=summary.run_id,
        ),
        "success" if summary.status == "succeeded" else "warning",
    )
