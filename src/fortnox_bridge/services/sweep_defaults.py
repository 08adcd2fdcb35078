"""A tenant's sweep interval when it chooses a flow family that sweeps at its own pace.

A family package may declare ``SWEEP_INTERVAL_MINUTES`` (the service family: 60). When a tenant
starts using such a family and did not set an interval of its own (it still has the bridge's
default, and the same change gives none), its interval becomes the family's (the longest, when
it chooses several such families at once). An interval the tenant set is never changed, and
choosing other families later changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from fortnox_bridge.store.models import Tenant

#: The interval a tenant has until it sets one (the store's default).
BRIDGE_DEFAULT_MINUTES = 30


def family_interval(family: str) -> int | None:
    """The sweep interval ``family`` declares, if it declares one."""
    try:
        package = importlib.import_module(f"fortnox_bridge.flows.{family}")
    except ModuleNotFoundError:
        return None
    minutes = getattr(package, "SWEEP_INTERVAL_MINUTES", None)
    return int(minutes) if minutes is not None else None


def interval_after(
    current: int, before: Sequence[str], after: Sequence[str], given: int | None
) -> int:
    """The tenant's interval once its families go from ``before`` to ``after`` in a change that
    gives the interval ``given`` (``None``: none)."""
    if given is not None:
        return given
    if current != BRIDGE_DEFAULT_MINUTES:
        return current  # the tenant's own
    added = [family for family in after if family not in before]
    defaults = [m for m in map(family_interval, added) if m is not None]
    return max(defaults) if defaults else current


def apply_family_interval(tenant: Tenant, before: Sequence[str], given: int | None) -> None:
    """Set the interval of ``tenant`` (whose families are already changed from ``before``)."""
    tenant.sweep_interval_minutes = interval_after(
        tenant.sweep_interval_minutes or BRIDGE_DEFAULT_MINUTES, before, tenant.families, given
    )
