"""Clock control, the sliding-window rate limit, scripted faults and the request log."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl, SandboxControlError
from fortnox_bridge.sandbox.transport import SandboxTransport

from .conftest import BASE_URL, ApiFactory

EMPLOYEE = {"Employee": {"FirstName": "Karin", "LastName": "Ek"}}


async def test_clock_reads_sets_and_advances(
    control: SandboxControl, clock: ManualClock, http: httpx.AsyncClient
) -> None:
    assert await control.clock() == {"now": "2026-01-01T00:00:00+00:00"}
    moved = await control.set_clock(advance_seconds=90)
    assert moved == {"now": "2026-01-01T00:01:30+00:00"}
    assert clock.now() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)  # the injected clock moved
    jumped = await control.set_clock(now="2026-03-01T12:00:00Z")
    assert jumped == {"now": "2026-03-01T12:00:00+00:00"}
    for body in ({}, {"now": "yesterday"}, {"now": "2026-01-01", "advance_seconds": 1}):
        response = await http.post("/_sandbox/clock", json=body)
        assert response.status_code == 400


async def test_sliding_window_lets_25_through_then_429_until_the_window_moves(
    control: SandboxControl, api: ApiFactory, tenant: int, clock: ManualClock
) -> None:
    assert (await control.set_rate_limit(25, 5)) == {"enabled": True, "requests": 25, "seconds": 5}
    client = await api(tenant, ["salary"])
    for _ in range(25):
        assert (await client.get("/3/employees")).status_code == 200
        clock.advance(0.1)  # 25 requests in 2.5 s
    limited = await client.get("/3/employees")
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Requests"}
    assert "retry-after" not in limited.headers  # Fortnox sends no rate-limit headers
    clock.advance(2.5)  # t = 5.0 s: the first request (t = 0) has left the window
    assert (await client.get("/3/employees")).status_code == 200
    assert (await client.get("/3/employees")).status_code == 429  # the window is full again
    clock.advance(0.1)  # t = 5.1 s: the second request (t = 0.1) leaves
    assert (await client.get("/3/employees")).status_code == 200
    stats = await control.stats(tenant)
    assert stats["responses_by_status"] == {"200": 27, "429": 2}


async def test_rate_limit_is_per_app_and_company_and_can_be_switched_off(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    await control.set_rate_limit(2, 5)
    other_tenant = (await control.create_company("Annat AB"))["tenant_id"]
    one, two = await api(tenant, ["salary"]), await api(other_tenant, ["salary"])
    statuses = [(await one.get("/3/employees")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (await two.get("/3/employees")).status_code == 200
    assert await control.set_rate_limit(enabled=False) == {
        "enabled": False,
        "requests": 2,
        "seconds": 5,
    }
    assert [(await one.get("/3/employees")).status_code for _ in range(5)] == [200] * 5


async def test_rate_limit_is_off_by_default_in_process(api: ApiFactory, tenant: int) -> None:
    client = await api(tenant, ["salary"])
    statuses = {(await client.get("/3/employees")).status_code for _ in range(40)}
    assert statuses == {200}


async def test_fault_429_answers_the_next_n_requests_with_retry_after(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    created = await control.add_fault("429", count=2, retry_after=3)
    assert created["id"] == 1
    assert created["remaining"] == 2
    client = await api(tenant, ["salary"])
    first, second, third = [await client.get("/3/employees") for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["retry-after"] == "3"
    (rule,) = await control.faults()
    assert (rule["fired"], rule["remaining"]) == (2, 0)
    stats = await control.stats()
    assert stats["faults_injected"] == {"429": 2}


async def test_fault_5xx_defaults_to_503_html_and_500_is_a_fortnox_envelope(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    client = await api(tenant, ["salary"])
    await control.add_fault("5xx", count=1)
    unavailable = await client.get("/3/employees")
    assert unavailable.status_code == 503
    assert unavailable.headers["content-type"].startswith("text/html")
    await control.add_fault("5xx", count=1, status=500)
    failed = await client.get("/3/employees")
    assert failed.status_code == 500
    assert failed.json()["ErrorInformation"]["code"] == 1000003


async def test_latency_is_logged_but_never_slept_in_process(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    await control.add_fault("latency", seconds=30, count=1)
    client = await api(tenant, ["salary"])
    started = time.monotonic()
    response = await client.get("/3/employees")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    (entry,) = await control.requests(tenant)
    assert (entry["fault"], entry["latency_seconds"], entry["status"]) == ("latency", 30, 200)


async def test_timeout_raises_read_timeout_and_does_not_apply_the_write(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    await control.add_fault("timeout", seconds=10, method="POST", count=1)
    client = await api(tenant, ["salary"])
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/3/employees", json=EMPLOYEE)
    listed = (await client.get("/3/employees")).json()
    assert listed["MetaInformation"]["@TotalResources"] == 0
    log = await control.requests(tenant)
    assert [(e["method"], e["status"], e["fault"]) for e in log] == [
        ("POST", None, "timeout"),
        ("GET", 200, None),
    ]


async def test_drop_response_applies_the_write_and_breaks_the_connection(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    await control.add_fault("drop_response", path_prefix="/3/employees", method="POST", count=1)
    client = await api(tenant, ["salary"])
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/3/employees", json=EMPLOYEE)
    listed = (await client.get("/3/employees")).json()
    assert [e["FirstName"] for e in listed["Employees"]] == ["Karin"]
    stats = await control.stats(tenant)
    assert stats["write_requests"] == 1
    assert stats["faults_injected"] == {"drop_response": 1}


async def test_plain_asgi_transport_sees_the_fault_mark(
    sandbox_state: SandboxState, control: SandboxControl, tenant: int
) -> None:
    await control.add_fault("timeout", count=1)
    token = (await control.issue_tokens(tenant, ["salary"]))["access_token"]
    plain = httpx.ASGITransport(app=create_app(sandbox_state))
    async with httpx.AsyncClient(base_url=BASE_URL, transport=plain) as client:
        response = await client.get("/3/employees", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 504
    assert response.headers["x-sandbox-fault"] == "timeout"


async def test_faults_match_tenant_method_and_path(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    other = (await control.create_company("Annat AB"))["tenant_id"]
    await control.add_fault("5xx", tenant_id=other)
    await control.add_fault("5xx", status=502, method="POST", path_prefix="/3/customers")
    mine, theirs = await api(tenant), await api(other)
    assert (await mine.get("/3/employees")).status_code == 200
    assert (await theirs.get("/3/employees")).status_code == 503
    assert (await mine.post("/3/employees", json=EMPLOYEE)).status_code == 201
    assert (await mine.post("/3/customers", json={"Customer": {"Name": "A"}})).status_code == 502
    assert (await control.clear_faults()) == {"cleared": 2}
    assert await control.faults() == []
    assert (await theirs.get("/3/employees")).status_code == 200


async def test_probability_uses_the_seeded_random_so_runs_repeat(clock: ManualClock) -> None:
    async def run() -> list[int]:
        state = SandboxState(clock=clock, fault_seed=42)
        transport = SandboxTransport(create_app(state))
        async with SandboxControl(BASE_URL, transport=transport) as control:
            tenant = (await control.create_company("A"))["tenant_id"]
            token = (await control.issue_tokens(tenant, ["salary"]))["access_token"]
            await control.add_fault("5xx", probability=0.5)
            async with httpx.AsyncClient(
                base_url=BASE_URL, transport=transport, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                return [(await client.get("/3/employees")).status_code for _ in range(40)]

    first, second = await run(), await run()
    assert first == second
    assert 5 < first.count(503) < 35


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "boom"},
        {"kind": "5xx", "status": 404},
        {"kind": "5xx", "probability": 2},
        {"kind": "429", "count": 0},
        {"kind": "latency", "method": "FETCH"},
    ],
)
async def test_bad_fault_definitions_are_refused(http: httpx.AsyncClient, body: object) -> None:
    response = await http.post("/_sandbox/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_field"


async def test_request_log_records_api_and_oauth_calls(
    control: SandboxControl, api: ApiFactory, tenant: int, http: httpx.AsyncClient
) -> None:
    client = await api(tenant, ["salary"])
    await client.get("/3/employees", params={"limit": 5})
    await client.get("/3/employees/9")
    await http.get("/3/employees")
    await http.post("/oauth-v1/token", data={"grant_type": "x"})
    log = await control.requests()
    assert [(e["method"], e["path"], e["status"], e["tenant_id"]) for e in log] == [
        ("GET", "/3/employees", 200, tenant),
        ("GET", "/3/employees/9", 404, tenant),
        ("GET", "/3/employees", 401, None),
        ("POST", "/oauth-v1/token", 401, None),
    ]
    assert log[0]["query"] == "limit=5"
    assert log[0]["at"] == "2026-01-01T00:00:00+00:00"
    assert set(log[0]) >= {"at", "method", "path", "query", "status", "tenant_id", "fault"}
    assert len(await control.requests(tenant)) == 2
    assert len(await control.requests(limit=1)) == 1
    with pytest.raises(SandboxControlError, match="400"):
        await control.requests(limit=-1)


async def test_request_log_names_the_fields_a_write_set(
    control: SandboxControl, api: ApiFactory, tenant: int
) -> None:
    client = await api(tenant, ["salary"])
    created = await client.post("/3/employees", json=EMPLOYEE)
    employee_id = created.json()["Employee"]["EmployeeId"]
    await client.put(f"/3/employees/{employee_id}", json={"Employee": {"City": "Lund"}})
    await client.get(f"/3/employees/{employee_id}")
    log = await control.requests(tenant)
    assert [(e["method"], e.get("fields")) for e in log] == [
        ("POST", ["FirstName", "LastName"]),
        ("PUT", ["City"]),
        ("GET", None),
    ]
    assert "fields" not in log[2]
