"""``GET /3/companyinformation`` (scope companyinformation)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.profile import ProfileRules, company_information

RESOURCE = ResourceSpec(
    module="company_information",
    scope="companyinformation",
    not_found=(2990108, "Kan inte hitta företagsinformationen."),
    rules=ProfileRules(company_information),
)
