"""``/3/settings/lockedperiod``: the date up to which the books are locked (set through
``PUT /_sandbox/companies/{id}/settings``). The SPEC names no scope; ``settings`` is assumed."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.fiscal import LockedPeriodRules

RESOURCE = ResourceSpec(
    module="locked_period",
    scope="settings",
    not_found=(2990107, "Kan inte hitta låst period."),
    rules=LockedPeriodRules(),
)
