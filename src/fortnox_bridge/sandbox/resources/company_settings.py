"""``GET /3/settings/company`` (scope settings)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.profile import ProfileRules, company_settings

RESOURCE = ResourceSpec(
    module="company_settings",
    scope="settings",
    not_found=(2990109, "Kan inte hitta företagsinställningarna."),
    rules=ProfileRules(company_settings),
)
