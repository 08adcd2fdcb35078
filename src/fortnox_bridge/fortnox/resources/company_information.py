"""``/3/companyinformation``: the company's name, organisation number, address, database number."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.company_information import CompanyInfo
from fortnox_bridge.fortnox.resources.base import Singleton, describe


class CompanyInformationResource(Singleton[CompanyInfo]):
    """Read the company information."""

    description = describe("company_information")
    model = CompanyInfo
