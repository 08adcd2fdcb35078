"""The Fortnox scopes the bridge asks a tenant's consent for, derived from what it reads.

Each flow needs the scopes of the resources it reads (:meth:`Flow.scopes
<fortnox_bridge.engine.flow.base.Flow.scopes>`); besides those, the bridge reads the few
resources declared here for every tenant. Adding a flow, or a resource a flow reads, changes
what is asked for without a list to keep in step.
"""

from __future__ import annotations

from collections.abc import Iterable

from fortnox_bridge.engine.flow.base import Flow, scope_of
from fortnox_bridge.engine.flow.registry import discover_flows

#: Read for every tenant whatever its flows: the company the connection is to.
ALWAYS_READS = ("company_information",)
#: Read by the pre-flight check when granted: the financial years and the locked period it
#: checks dates against (without them it warns, and the dates are checked by Fortnox alone).
PREFLIGHT_READS = ("financial_years", "locked_period")


def needed_scopes(flows: Iterable[type[Flow]] | None = None) -> tuple[str, ...]:
    """The scopes without which the bridge or one of ``flows`` (default: every flow) cannot
    work, sorted."""
    scopes = {scope_of(resource) for resource in ALWAYS_READS}
    for flow in discover_flows() if flows is None else flows:
        scopes |= flow.scopes()
    return tuple(sorted(scopes))


def requested_scopes(flows: Iterable[type[Flow]] | None = None) -> tuple[str, ...]:
    """What the bridge asks for: the needed scopes of ``flows`` (default: every flow) and
    those the pre-flight check uses."""
    checks = {scope_of(resource) for resource in PREFLIGHT_READS}
    return tuple(sorted({*needed_scopes(flows), *checks}))
