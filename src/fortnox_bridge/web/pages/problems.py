"""Problems: what went wrong with which record, Fortnox's words and the fix; resolve or ignore."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fortnox_bridge.api.operations import ProblemState, problem_out, problems_query
from fortnox_bridge.store.models import Problem
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.web.pages._ops import RecordId, TenantId, context, tenant_or_404, tenant_page
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root

router = APIRouter()

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
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        query = problems_query(tenant.id, wanted).order_by(Problem.last_seen.desc(), Problem.id)
        problems = [problem_out(p) for p in session.scalars(query.limit(LIST_LIMIT))]
    return tenant_page(
        request,
        "problems.html",
        user=user,
        tenant=tenant,
        tab="problems",
        problems=problems,
        state=wanted,
        states=STATES,
    )


@router.post("/tenants/{tenant_id}/problems/{problem_id}/{action}")
def close_problem(
    request: Request, tenant_id: TenantId, problem_id: RecordId, action: str, user: User
) -> Response:
    """``resolve``: it was fixed (it opens again if it comes back); ``ignore``: close it for
    good (if it comes back it is counted, not reopened or e-mailed)."""
    if action not in ("resolve", "ignore"):
        raise HTTPException(404, gettext(request, "There is no such action."))
    web = context(request)
    with web.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        repo = ProblemRepository(session)
        problem = repo.get(problem_id) if 0 < problem_id < 2**31 else None
        if problem is None or problem.tenant_id != tenant.id:
            raise HTTPException(
                404, gettext(request, "This tenant has no problem %(id)s.", id=problem_id)
            )
        reference = problem.reference
        if action == "resolve":
            repo.resolve(problem, now=web.clock.now())
            message = gettext(request, "Resolved: %(ref)s.", ref=reference)
        else:
            repo.ignore(problem, now=web.clock.now())
            message = gettext(request, "Ignored: %(ref)s.", ref=reference)
    flash(request, message)
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/problems", status_code=303)
