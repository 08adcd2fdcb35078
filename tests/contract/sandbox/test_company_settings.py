"""Company settings through the control API: API_NORIGHT fields, licences, the API licence and
the locked period."""

from __future__ import annotations

import httpx
import pytest

from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import ApiFactory

EMPLOYEE = {"Employee": {"FirstName": "Karin", "LastName": "Ek", "PersonalIdentityNumber": "x"}}


async def test_noright_fields_answer_api_noright_in_records_and_lists(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    client = await api(tenant, ["salary"])
    await client.post("/3/employees", json=EMPLOYEE)
    settings = await control.company_settings(
        tenant, noright_fields={"Employee": ["PersonalIdentityNumber", "MonthlySalary"]}
    )
    assert settings["noright_fields"] == {"Employee": ["PersonalIdentityNumber", "MonthlySalary"]}
    single = (await client.get("/3/employees/1")).json()["Employee"]
    assert single["PersonalIdentityNumber"] == "API_NORIGHT"
    assert single["MonthlySalary"] == "API_NORIGHT"
    assert single["FirstName"] == "Karin"
    listed = (await client.get("/3/employees")).json()["Employees"][0]
    assert listed["PersonalIdentityNumber"] == "API_NORIGHT"
    await control.company_settings(tenant, noright_fields={})
    assert (await client.get("/3/employees/1")).json()["Employee"]["MonthlySalary"] == "0"


async def test_missing_licence_answers_2001101_and_missing_api_licence_2001103(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    client = await api(tenant, ["salary", "customer"])
    await control.company_settings(tenant, licences=["customer"])
    response = await client.get("/3/employees")
    assert response.status_code == 403
    assert response.json()["ErrorInformation"]["code"] == 2001101
    await control.company_settings(tenant, licences=["customer", "salary"])
    assert (await client.get("/3/employees")).status_code == 200
    await control.company_settings(tenant, api_licence=False)
    blocked = await client.get("/3/employees")
    assert blocked.status_code == 403
    assert blocked.json()["ErrorInformation"]["code"] == 2001103


async def test_token_without_the_scope_answers_2000663(api: ApiFactory, tenant: int) -> None:
    client = await api(tenant, ["customer"])
    response = await client.get("/3/employees")
    assert response.status_code == 403
    assert response.json()["ErrorInformation"]["code"] == 2000663


async def test_settings_round_trip_and_show_in_the_company(
    control: SandboxControl, http: httpx.AsyncClient, tenant: int
) -> None:
    body = await control.company_settings(tenant, locked_period_end="2025-12-31")
    assert body == {
        "tenant_id": tenant,
        "licences": body["licences"],
        "locked_period_end": "2025-12-31",
        "noright_fields": {},
        "api_licence": True,
        "invoice_vouchers": True,
    }
    assert (await control.company_settings(tenant))["locked_period_end"] == "2025-12-31"
    company = (await http.get(f"/_sandbox/companies/{tenant}")).json()
    assert company["settings"]["locked_period_end"] == "2025-12-31"
    cleared = await control.company_settings(tenant, locked_period_end=None)
    assert cleared["locked_period_end"] is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"locked_period_end": "31/12"}, "YYYY-MM-DD"),
        ({"noright_fields": {"Gadget": ["X"]}}, "unknown record key"),
        ({"noright_fields": {"Employee": ["Shoesize"]}}, "no fields ['Shoesize']"),
        ({"licences": ["salery"]}, "unknown values"),
        ({"api_licence": "no"}, "true or false"),
        ({"colour": "red"}, "unknown settings"),
    ],
)
async def test_bad_settings_are_refused(
    http: httpx.AsyncClient, tenant: int, body: dict[str, object], fragment: str
) -> None:
    response = await http.put(f"/_sandbox/companies/{tenant}/settings", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


async def test_settings_of_an_unknown_company_is_404(http: httpx.AsyncClient) -> None:
    response = await http.put("/_sandbox/companies/77/settings", json={})
    assert response.status_code == 404
