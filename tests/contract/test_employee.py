"""The client's employee resource against the in-process sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox.openapi_check import checked

from conftest import REFERENCE_DIR, SANDBOX_URL, ClientFactory
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import (
    AuthenticationError,
    FortnoxClient,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """Every API answer of this module is checked against the OpenAPI document."""
    app = create_app(sandbox_state)
    yield from checked(httpx.ASGITransport(app=app), REFERENCE_DIR / "fortnox-openapi.json")


NEW = {"first_name": "Karin", "last_name": "Ek", "email": "karin.ek@example.se", "city": "Lund"}


async def test_create_assigns_an_id_and_get_returns_the_full_record(
    client: FortnoxClient,
) -> None:
    created = await client.employees.create(NEW)
    assert created.employee_id == "1"
    assert created.full_name == "Karin Ek"
    assert created.monthly_salary == "0"  # amounts come back as strings, as in real Fortnox
    assert created.inactive is False
    fetched = await client.employees.get("1")
    assert fetched.email == "karin.ek@example.se"
    assert fetched.url == "https://api.fortnox.se/3/employees/1"
    second = await client.employees.create({**NEW, "email": "b@example.se"})
    assert second.employee_id == "2"


async def test_create_answers_201_with_the_bare_location_word(client: FortnoxClient) -> None:
    response = await client._http.post(
        "/3/employees", json={"Employee": {"FirstName": "A", "LastName": "B"}}
    )
    assert response.status_code == 201
    assert response.headers["location"] == "employees"


async def test_given_employee_id_is_kept_and_duplicates_are_rejected(
    client: FortnoxClient,
) -> None:
    created = await client.employees.create({**NEW, "employee_id": "E-17"})
    assert created.employee_id == "E-17"
    with pytest.raises(ValidationError) as caught:
        await client.employees.create({**NEW, "employee_id": "E-17"})
    assert caught.value.code == 2000729
    with pytest.raises(ValidationError, match="1–15"):
        await client.employees.create({**NEW, "employee_id": "X" * 16})


async def test_update_is_partial_and_api_blank_clears(client: FortnoxClient) -> None:
    await client.employees.create({**NEW, "phone1": "070-1"})
    updated = await client.employees.update("1", {"city": "Malmö", "phone1": None})
    assert updated.city == "Malmö"
    assert updated.phone1 == ""  # blanked by API_BLANK
    assert updated.first_name == "Karin"  # untouched fields stay


async def test_empty_string_does_not_clear_a_field(client: FortnoxClient) -> None:
    await client.employees.create(NEW)
    response = await client._http.put("/3/employees/1", json={"Employee": {"City": ""}})
    assert response.status_code == 200
    assert response.json()["Employee"]["City"] == "Lund"


async def test_employee_id_cannot_change(client: FortnoxClient) -> None:
    await client.employees.create(NEW)
    response = await client._http.put("/3/employees/1", json={"Employee": {"EmployeeId": "9"}})
    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == 2000729


async def test_list_pages_with_meta_information(client: FortnoxClient) -> None:
    for number in range(5):
        await client.employees.create({**NEW, "email": f"e{number}@example.se"})
    result = await client.employees.list_page(page=2, limit=2)
    items, meta = result.items, result.meta
    assert [e.employee_id for e in items] == ["3", "4"]
    assert (meta.total_resources, meta.total_pages, meta.current_page) == (5, 3, 2)
    everyone = [e.employee_id async for e in client.employees.iterate(limit=2)]
    assert everyone == ["1", "2", "3", "4", "5"]
    assert client.requests_made == 5 + 1 + 3


async def test_empty_list_has_zero_pages(client: FortnoxClient) -> None:
    result = await client.employees.list_page()
    items, meta = result.items, result.meta
    assert items == []
    assert (meta.total_resources, meta.total_pages, meta.current_page) == (0, 0, 1)


async def test_filter_active_and_inactive_and_invalid(client: FortnoxClient) -> None:
    await client.employees.create(NEW)
    await client._http.post(
        "/3/employees", json={"Employee": {"FirstName": "Old", "LastName": "T", "Inactive": True}}
    )
    active = (await client.employees.list_page(filter="active")).items
    inactive = (await client.employees.list_page(filter="inactive")).items
    assert [e.first_name for e in active] == ["Karin"]
    assert [e.first_name for e in inactive] == ["Old"]
    with pytest.raises(ValidationError) as caught:
        await client.employees.list_page(filter="gone")
    assert caught.value.code == 2000587
    assert caught.value.message == "Ett ogiltigt filter har använts."


async def test_page_size_over_500_is_refused_before_sending(client: FortnoxClient) -> None:
    with pytest.raises(ValueError, match="between 1 and 500"):
        await client.employees.list_page(limit=501)
    assert client.requests_made == 0


async def test_not_found_uses_the_pascal_case_envelope(client: FortnoxClient) -> None:
    response = await client._http.get("/3/employees/404")
    assert response.status_code == 404
    assert set(response.json()["ErrorInformation"]) == {"Error", "Message", "Code"}
    with pytest.raises(NotFoundError) as caught:
        await client.employees.get("404")
    assert caught.value.code == 2000436


async def test_unknown_field_names_are_rejected(client: FortnoxClient) -> None:
    response = await client._http.post(
        "/3/employees", json={"Employee": {"FirstName": "A", "Shoesize": 44}}
    )
    assert response.status_code == 400
    assert response.json()["ErrorInformation"] == {
        "error": 1,
        "message": "Ogiltigt fältnamn: Shoesize.",
        "code": 2001399,
    }


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"{not json", 2002115), (b'{"Customer": {}}', 2001392), (b"", 2001392)],
)
async def test_bad_bodies_get_fortnox_codes(
    client: FortnoxClient, content: bytes, code: int
) -> None:
    response = await client._http.post("/3/employees", content=content)
    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == code


async def test_unknown_token_is_unauthorized(sandbox_transport: httpx.ASGITransport) -> None:
    async with httpx.AsyncClient(base_url=SANDBOX_URL, transport=sandbox_transport) as http:
        response = await http.get("/3/employees", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"message": "unauthorized"}


async def test_token_expires_after_one_hour_on_the_sandbox_clock(
    client: FortnoxClient, clock: ManualClock
) -> None:
    await client.employees.list_page()
    clock.advance(3600)
    with pytest.raises(AuthenticationError) as caught:
        await client.employees.list_page()
    assert caught.value.status == 401
    assert caught.value.message == "unauthorized"


async def test_missing_salary_scope_is_refused(make_client: ClientFactory, company: int) -> None:
    client = await make_client(company, scopes=["customer"])
    with pytest.raises(PermissionDeniedError) as caught:
        await client.employees.list_page()
    assert caught.value.code == 2000663


async def test_companies_do_not_see_each_other(
    make_client: ClientFactory, control: SandboxControl
) -> None:
    first = await make_client((await control.create_company("Ett AB"))["tenant_id"])
    second = await make_client((await control.create_company("Två AB"))["tenant_id"])
    await first.employees.create(NEW)
    meta = (await second.employees.list_page()).meta
    assert meta.total_resources == 0


async def test_demo_seed_has_employees(make_client: ClientFactory, control: SandboxControl) -> None:
    tenant = (await control.create_company("Demo", seed="demo"))["tenant_id"]
    client = await make_client(tenant)
    names = [e.full_name async for e in client.employees.iterate()]
    assert names == ["Astrid Lindqvist", "Nils Bergström"]
    created = await client.employees.create(NEW)
    assert created.employee_id == "3"
