"""What a tenant's overview shows of a preview (dry run) and of the last pre-flight check, as
plain values for the template."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.web.i18n import N_

#: Planned actions a preview counts, in the order shown.
ACTIONS = ("create", "update", "delete", "skip", "unchanged")
#: The checklist's line about the connection (its name is shown translated).
CONNECTION_CHECK = N_("connection")
NOT_ACTIVE_NOW = N_(
    "The connection is no longer active (%(state)s): nothing reaches Fortnox, and the other "
    "lines of this check no longer hold."
)
CONNECT_AGAIN = N_("Connect the tenant to Fortnox again, then run the check.")


@dataclass(frozen=True)
class FlowPlan:
    """One flow of a preview: how many records each action would touch (``counts``, by action
    in the order of :data:`ACTIONS`), the records themselves (at most 50) and why the flow
    could not run."""

    flow: str
    counts: dict[str, int]
    records: list[dict[str, str]]
    error: str | None


def plan_of(summary: RunSummary) -> list[FlowPlan]:
    """Per flow: how many records each action would touch, and the records themselves."""
    plan = []
    for result in summary.flows:
        counts = Counter(item.action for item in result.items)
        # A run counts the records that stay as they are without listing them.
        counts["unchanged"] += result.unchanged
        plan.append(
            FlowPlan(
                flow=result.flow,
                counts={action: counts.get(action, 0) for action in ACTIONS},
                records=[
                    {
                        "action": item.action,
                        "record": item.reference or item.external_id,
                        "reason": item.reason,
                    }
                    for item in result.items
                    if item.action != "unchanged"
                ][:50],
                error=result.error,
            )
        )
    return plan


def checklist_now(checklist: Checklist | None, connection: dict[str, Any]) -> Checklist | None:
    """The last pre-flight check as it holds now: made while the connection was active, it
    says the connection is not when it no longer is (disconnected, paused, needs approval)."""
    if checklist is None or connection["state"] == "active":
        return checklist
    if not any(check.name == "connection" and check.status == "ok" for check in checklist.checks):
        return checklist  # made while not connected: it says so already
    line = replace(
        next(check for check in checklist.checks if check.name == "connection"),
        status="fail",
        detail=NOT_ACTIVE_NOW % {"state": connection["words"]},
        fix=CONNECT_AGAIN,
        texts={
            "detail": NOT_ACTIVE_NOW,
            "fix": CONNECT_AGAIN,
            "values": {"state": connection["words"]},
        },
    )
    return replace(checklist, checks=[line])
