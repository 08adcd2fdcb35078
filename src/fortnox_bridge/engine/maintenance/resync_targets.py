"""What a re-sync covers: the flows of a target (a dated push flow or a family), and the
interval widened to their whole periods (at most a year and a day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.periods import widen
from fortnox_bridge.engine.sync.context import TenantContext
from fortnox_bridge.engine.sync.deriving import is_derived

#: A date the opt-out check of derived flows asks about (any date does).
_ANY_DAY = date(2000, 1, 1)
#: The longest interval one re-sync may be asked for (a year and a day), in days.
MAX_RESYNC_DAYS = 366


def interval_too_long(first: date, last: date) -> str | None:
    """Why ``first``..``last`` is too long for one re-sync, or ``None``.

    A re-sync deletes everything the bridge wrote in its interval before writing it again, within
    Fortnox's 25 requests per 5 seconds: a year is hours of work, and a mistyped year (2002 for
    2026) would empty decades of salary data. Longer intervals are re-synced in parts.
    """
    days = (last - first).days + 1
    if days <= MAX_RESYNC_DAYS:
        return None
    return (
        f"the interval is {days} days long; a re-sync covers at most {MAX_RESYNC_DAYS} days, "
        "because it deletes and writes again everything the bridge wrote in it (a year is hours "
        "of Fortnox requests, and a mistyped year would empty years of data): re-sync a longer "
        "interval in parts of at most a year"
    )


def resyncable(flow: Flow | type[Flow]) -> bool:
    """Whether ``flow`` can be re-synced by interval: a dated push flow; a derived one only when
    it has not opted out (it proposes a re-sync after a reconnect)."""
    if flow.direction != "push" or flow.period is None:
        return False
    if flow.flow_kind() == "derived":
        return flow.resync_proposal(_ANY_DAY, _ANY_DAY) is not None
    return True


def target_of(flow: Flow | type[Flow]) -> str:
    """The re-sync target a flow is proposed under: its family for a derived flow (the family's
    flows are re-synced together), else the flow itself."""
    return flow.name.split(".", 1)[0] if flow.flow_kind() == "derived" else flow.name


def widen_for(flow: Flow, first: date, last: date) -> tuple[date, date]:
    """``first``..``last`` widened to whole periods of ``flow``: salary periods that start on
    the flow's ``period_start_day`` setting (when it has one), else calendar periods."""
    start_day = int(getattr(flow.settings, "period_start_day", 1) or 1)
    if flow.period == "month" and start_day != 1:
        if last < first:
            raise ValueError(f"the interval ends ({last}) before it starts ({first})")
        return _period_start(first, start_day), _period_start(
            _next_month(_period_start(last, start_day)), start_day
        ) - timedelta(days=1)
    return widen(first, last, flow.period or "day")


def _period_start(day: date, start_day: int) -> date:
    """The first day of the salary period ``day`` is in (periods start on ``start_day``)."""
    if day.day >= start_day:
        return day.replace(day=start_day)
    previous = day.replace(day=1) - timedelta(days=1)
    return previous.replace(day=start_day)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=day.day)


def target_flows(context: TenantContext, name: str) -> list[Flow]:
    """The flows a re-sync of ``name`` covers: one dated push flow, or every enabled one of
    the family ``name``; a :class:`ResyncError` that lists the choices otherwise."""
    flow = context.flows.get(name)
    if flow is not None and resyncable(flow):
        return [flow]
    if flow is not None and is_derived(flow):
        raise ResyncError(
            f"{name!r} writes several Fortnox records per host record; {flow.rewrite_hint}"
        )
    family = [
        context.flows[n]
        for n in context.enabled
        if context.flows[n].family == name and resyncable(context.flows[n])
    ]
    if flow is None and family:
        return family
    dated = sorted(n for n, f in context.flows.items() if resyncable(f))
    families = sorted({f.family for f in context.flows.values() if resyncable(f)})
    raise ResyncError(
        f"{name!r} is not a dated push flow; re-sync one of: {dated}, or a family of them "
        f"({', '.join(families)}: its enabled dated flows together)"
    )


def widened_interval(flows: list[Flow], first: date, last: date) -> tuple[date, date]:
    """``first``..``last`` widened to whole periods of every flow in ``flows``."""
    try:
        spans = [widen_for(flow, first, last) for flow in flows]
    except ValueError as exc:
        raise ResyncError(str(exc)) from None
    return min(s[0] for s in spans), max(s[1] for s in spans)


@dataclass
class ResyncPlan:
    """What a re-sync of an interval will do."""

    #: The target: a flow name or a family.
    flow: str
    requested: tuple[date, date]
    widened: tuple[date, date]
    #: The flows the target covers, in sweep order.
    flows: list[str] = field(default_factory=list)
    to_delete: list[str] = field(default_factory=list)  # host ids whose Fortnox record goes
    to_write: list[str] = field(default_factory=list)  # host ids written again
    #: Fortnox records in the interval the bridge did not create: reported, never deleted.
    not_ours: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (kept on the run)."""
        return {
            "flow": self.flow,
            "flows": list(self.flows),
            "from": self.requested[0].isoformat(),
            "to": self.requested[1].isoformat(),
            "widened_from": self.widened[0].isoformat(),
            "widened_to": self.widened[1].isoformat(),
            "to_delete": len(self.to_delete),
            "to_write": len(self.to_write),
            "not_ours": self.not_ours,
        }


def written(flow: Flow) -> tuple[str, str, str]:
    """The link entity, Fortnox resource and date field of the records ``flow`` writes (for a
    derived flow: its parts)."""
    if is_derived(flow):
        part = flow.part
        return part.entity, part.resource, part.date_field
    return flow.entity, flow.resource, flow.date_field


def day_of(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
