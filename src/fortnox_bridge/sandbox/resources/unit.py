"""``/3/units``: code ≤ 20, description ≤ 100, ``CodeEnglish`` shown as ``""`` (recorded)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec

RESOURCE = ResourceSpec(
    module="unit",
    scope="settings",
    not_found=(2000432, "Kan inte hitta enheten."),
    location="units",
    id=IdRule("Code", kind="given", max_length=20),
    sort={"code": "Code"},
)
