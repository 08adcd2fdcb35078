"""Problems: what went wrong with which record (its flow by title, a link to the run that last
tried it, showing that record), Fortnox's words and the fix; resolve or ignore."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.problems import Attempt, Problem, ProblemState
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import (
    RecordId,
    TenantId,
    context,
    ensure_tenant,
    tenant_of,
    tenant_page,
)
from fortnox_bridge.web.problem_texts import problem_text
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("problems", N_("Problems"), 50, "/problems")

STATES: tuple[ProblemState, ...] = ("open", "resolved", "ignored")
LIST_LIMIT = 200


@router.get("/tenants/{tenant_id}/problems", response_class=HTMLResponse)
def problems_page(
    request: Request, tenant_id: TenantId, user: User, state: str = "open"
) -> Response:
    """The tenant's problems: open ones (default), or those resolved or ignored."""
    web = context(request)
    wanted: ProblemState = "open"
    for name in STATES:
        if state == name:
            wanted = name
    tenant = tenant_of(request, tenant_id)
    problems = web.services.problems.recent(tenant.id, wanted, LIST_LIMIT)
    attempts = web.services.problems.attempts(tenant.id, problems)
    texts = {p.id: problem_text(request, p, attempts[p.id]) for p in problems}
    base = f"{root(request)}/tenants/{tenant.id}"
    links = {p.id: record_link(base, p, attempts[p.id]) for p in problems}
    return tenant_page(
        request,
        "problems.html",
        user=user,
        tenant=tenant,
        tab="problems",
        problems=problems,
        texts=texts,
        links=links,
        state=wanted,
        states=STATES,
    )


def record_link(base: str, problem: Problem, attempt: Attempt) -> str | None:
    """The run that last tried the problem's record, showing that record (``?record=``);
    ``None`` for a problem of a whole flow or a record no run kept."""
    if not problem.external_id or attempt.run_id is None:
        return None
    return f"{base}/runs/{attempt.run_id}?record={quote(problem.external_id, safe='')}"


@router.post("/tenants/{tenant_id}/problems/{problem_id}/{action}")
def close_problem(
    request: Request, tenant_id: TenantId, problem_id: RecordId, action: str, user: User
) -> Response:
    """``resolve``: it was fixed, try the record again at the next sweep (it opens again if it
    comes back); ``ignore``: close it for
    good (if it comes back it is counted, not reopened or e-mailed)."""
    if action not in ("resolve", "ignore"):
        raise HTTPException(404, gettext(request, "There is no such action."))
    ensure_tenant(request, tenant_id)
    problems = context(request).services.problems
    close = problems.resolve if action == "resolve" else problems.ignore
    try:
        reference = close(tenant_id, problem_id).reference
    except NotFound:
        raise HTTPException(
            404, gettext(request, "This tenant has no problem %(id)s.", id=problem_id)
        ) from None
    if action == "resolve":
        message = gettext(
            request, "Resolved: %(ref)s. It is tried again at the next sweep.", ref=reference
        )
    else:
        message = gettext(request, "Ignored: %(ref)s.", ref=reference)
    flash(request, message)
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/problems", status_code=303)
