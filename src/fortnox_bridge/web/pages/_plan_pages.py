"""The first-sync plan on the conflicts page a page at a time (:data:`PAGE_SIZE` items),
filtered by kind (:data:`FILTERS`) with a count per filter, and where making a plan in the
background stands (its steps, :data:`PLAN_STEPS`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from fortnox_bridge.services.first_sync import ItemView, PlanView
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.render import gettext
from fortnox_bridge.web.security import web_context

#: Items of the plan shown per page.
PAGE_SIZE = 50
#: The plan page's filters, in the order shown, with their names.
FILTERS = {
    "all": N_("All"),
    "conflicts": N_("Conflicts only"),
    "host_only": N_("Only in the host"),
    "fortnox_only": N_("Only in Fortnox"),
    "duplicates": N_("Duplicates"),
}
#: The steps of making a plan, as its progress card names them.
PLAN_STEPS = {
    "host": N_("Reading the host's employees"),
    "fortnox": N_("Reading Fortnox's employees"),
    "details": N_("Reading the matched Fortnox employees in full"),
    "matching": N_("Matching and saving the plan"),
}
#: The kind of the background job that makes a plan (see ``_ui_jobs.py``).
PLAN = "plan"


def shows(item: ItemView, show: str) -> bool:
    """Whether the filter ``show`` lets ``item`` through."""
    if show == "conflicts":
        return item.kind == "pair" and bool(item.differences)
    if show == "duplicates":
        return item.kind == "duplicate"
    if show in ("host_only", "fortnox_only"):
        return item.kind == show
    return True


def where(show: str, page: int) -> str:
    """The query of a filter and page (empty for the first page of everything)."""
    query = {
        key: value for key, value in (("show", show), ("page", page)) if value not in ("all", 1)
    }
    return f"?{urlencode(query)}" if query else ""


def chosen(values: Any) -> tuple[str, int]:
    """The filter and page asked for (a query or a form); anything unknown is the default."""
    show = str(values.get("show", "all"))
    page = str(values.get("page", "1"))
    return (
        show if show in FILTERS else "all",
        int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )


def paged_plan(plan: PlanView | None, show: str, page: int) -> dict[str, Any]:
    """The items of one page of the plan under the filter ``show``, with counts per filter."""
    items = plan.items if plan else []
    counts = {name: sum(1 for i in items if shows(i, name)) for name in FILTERS}
    chosen = [item for item in items if shows(item, show)]
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(page, pages)
    return {
        "show": show,
        "page": page,
        "pages": pages,
        "items": chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "filters": [
            {"name": name, "words": words, "count": counts[name], "href": where(name, 1)}
            for name, words in FILTERS.items()
        ],
        "previous": where(show, page - 1) or "?" if page > 1 else None,
        "next": where(show, page + 1) if page < pages else None,
        "first": (page - 1) * PAGE_SIZE + 1 if chosen else 0,
        "last": min(page * PAGE_SIZE, len(chosen)),
        "total": len(chosen),
        "where": {"show": show, "page": page},
    }


def plan_job_view(request: Request, tenant_id: int) -> dict[str, Any] | None:
    """Where making the tenant's plan stands: its step and count, or how it ended."""
    job = web_context(request).ui_jobs.get((tenant_id, PLAN))
    if job is None:
        return None
    done, total = job.extra.get("done", 0), job.extra.get("total", 0)
    view: dict[str, Any] = {
        "running": not job.finished,
        "step": job.step,
        "steps": [
            {"name": name, "words": words, "now": name == job.step}
            for name, words in PLAN_STEPS.items()
        ],
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "error": job.error,
        "message": None,
    }
    plan = job.result if isinstance(job.result, PlanView) else None
    if plan is not None:
        view["message"] = gettext(
            request,
            "Plan made: %(pairs)s pairs, %(host)s only in the host, %(fortnox)s only in Fortnox.",
            pairs=plan.counts.get("pairs", 0),
            host=plan.counts.get("host_only", 0),
            fortnox=plan.counts.get("fortnox_only", 0),
        )
    return view
