"""``/3/settings/company``: company settings."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.company_settings import CompanySettings
from fortnox_bridge.fortnox.resources.base import Singleton, describe


class CompanySettingsResource(Singleton[CompanySettings]):
    """Read the company settings."""

    description = describe("company_settings")
    model = CompanySettings
