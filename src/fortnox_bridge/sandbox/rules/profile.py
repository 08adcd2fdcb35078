"""Read-only company records: ``/3/companyinformation``, ``/3/settings/company`` and ``/3/me``,
made from the company's profile; ``DatabaseNumber`` is the tenant id."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.company import Company
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import answer
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.state import SandboxState

Builder = Callable[[Company], Record]


class ProfileRules(Rules):
    """One GET route answering the record ``build`` makes of the company."""

    def __init__(self, build: Builder) -> None:
        self.build = build

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """``GET <path>``."""

        async def read(ctx: Ctx, request: Request) -> Response:
            return answer(ctx, self.build(ctx.company))

        return [Route(resource.desc.path, bind(state, resource, read), methods=["GET"])]


def company_information(company: Company) -> Record:
    """``CompanyInformation``: ``DatabaseNumber`` is an integer here (SPEC)."""
    profile = company.profile
    return {
        "CompanyName": profile.get("Name", company.name),
        "DatabaseNumber": company.tenant_id,
        "OrganizationNumber": profile.get("OrganizationNumber", ""),
        "Address": profile.get("Address", ""),
        "City": profile.get("City", ""),
        "ZipCode": profile.get("ZipCode", ""),
        "CountryCode": profile.get("CountryCode", "SE"),
        "VisitAddress": profile.get("Address", ""),
        "VisitCity": profile.get("City", ""),
        "VisitZipCode": profile.get("ZipCode", ""),
        "VisitCountryCode": profile.get("CountryCode", "SE"),
    }


def company_settings(company: Company) -> Record:
    """``CompanySettings``: ``DatabaseNumber`` is a string here (SPEC)."""
    profile = company.profile
    record: Record = {key: value for key, value in profile.items() if not key.startswith("User")}
    record.update(
        Name=profile.get("Name", company.name),
        DatabaseNumber=str(company.tenant_id),
        VisitAddress=profile.get("Address", ""),
        VisitCity=profile.get("City", ""),
        VisitZipCode=profile.get("ZipCode", ""),
        VisitCountry=profile.get("Country", ""),
        VisitCountryCode=profile.get("CountryCode", ""),
        VisitName=profile.get("Name", company.name),
        TaxEnabled=True,
    )
    return record


def me(company: Company) -> Record:
    """``MeInformation``: the user who approved the integration."""
    profile = company.profile
    return {
        "Id": "1",
        "Name": profile.get("UserName", "Sandbox Användare"),
        "Email": profile.get("UserEmail", "user@sandbox.test"),
        "Locale": "sv_SE",
        "SysAdmin": True,
    }
