"""The dashboard on a tenant's overview: requests and items per day (the runs page's chart), the
open problems, when each enabled flow last synced, and how much of Fortnox's rate limit the runs
used. Plain values for ``tenant_overview.html``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Request

from fortnox_bridge.fortnox.ratelimit import RateLimit
from fortnox_bridge.web.activity import activity_chart, rate_use
from fortnox_bridge.web.security import web_context

#: How many of the open problems the dashboard names (the problems page lists them all).
NEWEST_PROBLEMS = 3


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def dashboard(request: Request, tenant_id: int, open_problems: int) -> dict[str, Any]:
    """The four parts of the dashboard of ``tenant_id`` (``open_problems``: how many are open)."""
    context = web_context(request)
    services = context.services
    now = context.clock.now()
    problems = services.problems.recent(tenant_id, "open", NEWEST_PROBLEMS) if open_problems else []
    limit = RateLimit.parse(context.settings.rate_limit)
    runs = services.runs.started_since(tenant_id, now - timedelta(days=1))
    return {
        "chart": activity_chart(request, services.runs, tenant_id, now.date()),
        "problems": {
            "count": open_problems,
            "newest": [
                {
                    "id": problem.id,
                    "flow": problem.flow,
                    "reference": problem.reference,
                    "last_seen": _when(problem.last_seen),
                }
                for problem in problems
            ],
        },
        "flows": [
            {"name": each.flow.name, "synced": _when(each.last_synced_at)}
            for each in services.flow_config.tenant_flows(tenant_id)
            if each.enabled
        ],
        "rate": rate_use(runs, now, limit.requests, limit.seconds),
    }
