"""``GET /3/me`` (scope profile)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.profile import ProfileRules, me

RESOURCE = ResourceSpec(
    module="me",
    scope="profile",
    not_found=(2990110, "Kan inte hitta användaren."),
    rules=ProfileRules(me),
)
