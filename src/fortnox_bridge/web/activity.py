"""A tenant's activity over the last 30 days, as the runs page and the overview show it: requests
to Fortnox and items per day (a bar chart), and how much of Fortnox's rate limit the runs used.

Both are read from the runs the store keeps (each run's requests, counts and times), so they hold
across processes and restarts; the limiter's own window lives in memory or Redis and is not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fastapi import Request
from markupsafe import Markup

from fortnox_bridge.services.runs import Run, RunService
from fortnox_bridge.web.charts import Series, daily_bars
from fortnox_bridge.web.render import gettext

CHART_DAYS = 30
#: Counters of runs (a re-sync counts what it deleted and wrote again as ``written``).
COUNTED = ("created", "updated", "deleted", "written", "skipped", "failed")


def activity(runs: RunService, tenant_id: int, today: date) -> tuple[list[date], Series, Series]:
    """Requests and items (created, updated, deleted, skipped, failed) per day, last 30 days."""
    days = [today - timedelta(days=CHART_DAYS - 1 - n) for n in range(CHART_DAYS)]
    since = datetime.combine(days[0], datetime.min.time())
    requests: Counter[date] = Counter()
    items: Counter[date] = Counter()
    for run in runs.started_since(tenant_id, since):
        day = run.started_at.date()
        requests[day] += run.requests or 0
        items[day] += sum(int(run.counts.get(name, 0) or 0) for name in COUNTED)
    return (
        days,
        Series("Requests", "bar-requests", [requests[d] for d in days]),
        Series("Items", "bar-items", [items[d] for d in days]),
    )


def activity_chart(request: Request, runs: RunService, tenant_id: int, today: date) -> Markup:
    """The 30-day chart of requests and items, its words in the page's language."""
    days, requests, items = activity(runs, tenant_id, today)
    return daily_bars(
        gettext(request, "Requests and items per day, last %(days)s days", days=CHART_DAYS),
        days,
        [
            Series(gettext(request, "Requests to Fortnox"), requests.css, requests.values),
            Series(gettext(request, "Items"), items.css, items.values),
        ],
    )


@dataclass(frozen=True)
class RateUse:
    """How much of Fortnox's request budget a tenant's runs used.

    ``last_hour``: requests of the runs started in the last hour. ``busiest``: the run of the
    last 24 hours that sent its requests fastest, and ``per_window`` its average requests per
    window (its requests over its duration, counted as at least one window). An average over a
    run is never more than its busiest window, so ``share`` (of ``budget``) is a lower bound of
    the peak.
    """

    budget: int
    seconds: float
    last_hour: int
    last_day: int
    busiest: int | None
    per_window: float
    share: int


def rate_use(runs: Sequence[Run], now: datetime, budget: int, seconds: float) -> RateUse:
    """The use of ``budget`` requests per ``seconds`` by ``runs`` (read since a day before)."""
    day_ago, hour_ago = now - timedelta(days=1), now - timedelta(hours=1)
    recent = [run for run in runs if run.started_at >= day_ago and run.requests]
    busiest, fastest = None, 0.0
    for run in recent:
        if run.finished_at is None:
            continue  # still running: its duration is not known yet
        length = max((run.finished_at - run.started_at).total_seconds(), seconds)
        per_window = run.requests * seconds / length
        if per_window > fastest:
            busiest, fastest = run.id, per_window
    return RateUse(
        budget=budget,
        seconds=seconds,
        last_hour=sum(run.requests for run in recent if run.started_at >= hour_ago),
        last_day=sum(run.requests for run in recent),
        busiest=busiest,
        per_window=round(fastest, 1),
        share=min(100, round(100 * fastest / budget)) if budget else 0,
    )
