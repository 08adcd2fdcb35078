"""The client's hard cases against the stateful sandbox: rotation, faults, licences, quirks."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox.errors import (
    LockedPeriodError,
    MissingFinancialYearError,
    MissingLicenceError,
    OutcomeUnknown,
    RateLimitedError,
    ReauthenticationRequired,
)
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import URL, Connect

EMPLOYEE = {"first_name": "Karin", "last_name": "Ek", "email": "karin@example.se"}


async def fault(sandbox: httpx.AsyncClient, **rule: object) -> None:
    response = await sandbox.post("/_sandbox/faults", json=rule)
    assert response.status_code == 201, response.text


async def test_fifty_concurrent_calls_with_an_expired_token_make_one_refresh(
    connect: Connect, control: SandboxControl, company: int
) -> None:
    client, manager, _ = await connect(company, expired=True)
    before = (await control.stats())["token_requests"]
    pages = await asyncio.gather(*(client.employees.list_page() for _ in range(50)))
    assert len(pages) == 50
    assert (await control.stats())["token_requests"] - before == 1
    assert manager.refreshes == 1
    assert (await control.stats(company))["responses_by_status"] == {"200": 50}


async def test_a_used_refresh_token_is_refused_after_rotation(
    connect: Connect, company: int, sandbox_transport: httpx.AsyncBaseTransport, clock: ManualClock
) -> None:
    _, _, issued = await connect(company)
    app = OAuthApp(
        issued["client_id"], issued["client_secret"], auth_url=URL, transport=sandbox_transport,
        clock=clock,
    )  # fmt: skip
    rotated = await app.refresh(issued["refresh_token"])
    assert rotated.refresh_token not in (None, issued["refresh_token"])
    with pytest.raises(ReauthenticationRequired) as caught:
        await app.refresh(issued["refresh_token"])
    assert caught.value.error == "invalid_grant"


async def test_token_expiring_on_the_sandbox_clock_is_refreshed_first(
    connect: Connect, control: SandboxControl, company: int, clock: ManualClock
) -> None:
    client, manager, _ = await connect(company)
    await client.employees.list_page()
    clock.advance(3600)
    await client.employees.list_page()
    assert manager.refreshes == 1
    assert "401" not in (await control.stats(company))["responses_by_status"]


async def test_a_burst_of_429s_is_retried_within_bounded_time(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl, company: int,
    sleeper: ManualClock,
) -> None:  # fmt: skip
    client, _, _ = await connect(company)
    await fault(sandbox, kind="429", count=4, retry_after=2, tenant_id=company)
    created = await client.employees.create(EMPLOYEE)
    assert created.first_name == "Karin"
    assert sleeper.slept == [2.0, 2.0, 2.0, 2.0]
    stats = await control.stats(company)
    assert stats["responses_by_status"] == {"429": 4, "201": 1}


async def test_a_429_storm_gives_up_after_the_total_wait_budget(
    connect: Connect, sandbox: httpx.AsyncClient, company: int, sleeper: ManualClock
) -> None:
    client, _, _ = await connect(company)
    await fault(sandbox, kind="429", probability=1.0, tenant_id=company)
    with pytest.raises(RateLimitedError):
        await client.employees.list_page()
    assert sum(sleeper.slept) <= 60


async def test_a_post_whose_answer_is_dropped_is_applied_once_and_not_resent(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl, company: int
) -> None:
    client, _, _ = await connect(company)
    await fault(sandbox, kind="drop_response", count=1, method="POST", tenant_id=company)
    with pytest.raises(OutcomeUnknown):
        await client.employees.create(EMPLOYEE)
    assert (await control.stats(company))["requests_by_method"].get("POST") == 1
    everyone = [e async for e in client.employees.iterate()]
    assert [e.email for e in everyone] == ["karin@example.se"]  # applied exactly once


async def test_a_get_that_times_out_is_retried(
    connect: Connect, sandbox: httpx.AsyncClient, company: int
) -> None:
    client, _, _ = await connect(company)
    await client.employees.create(EMPLOYEE)
    await fault(sandbox, kind="timeout", count=1, method="GET", tenant_id=company)
    employee = await client.employees.get("1")
    assert employee.email == "karin@example.se"


async def test_fields_without_rights_come_back_as_none(
    connect: Connect, sandbox: httpx.AsyncClient, company: int
) -> None:
    client, _, _ = await connect(company)
    await client.employees.create({**EMPLOYEE, "personal_identity_number": "19800101-0000"})
    settings = {"noright_fields": {"Employee": ["PersonalIdentityNumber"]}}
    assert (await sandbox.put(f"/_sandbox/companies/{company}/settings", json=settings)).is_success
    employee = await client.employees.get("1")
    assert employee.personal_identity_number is None
    assert employee.first_name == "Karin"


async def test_a_missing_module_licence_is_its_own_error(
    connect: Connect, control: SandboxControl
) -> None:
    tenant = (await control.create_company("Utan lön AB", licences=["customer"]))["tenant_id"]
    client, _, _ = await connect(tenant)
    with pytest.raises(MissingLicenceError) as caught:
        await client.employees.list_page()
    assert caught.value.code == 2001101
    assert "licence" in caught.value.fix


async def test_the_client_limiter_keeps_under_the_sandbox_limit(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl, company: int,
    clock: ManualClock, sleeper: ManualClock,
) -> None:  # fmt: skip
    limit = await sandbox.put("/_sandbox/rate-limit", json={"requests": 25, "seconds": 5})
    assert limit.is_success
    limiter = SlidingWindowLimiter(RateLimit(25, 5.0, 0.1), clock=clock, sleep=sleeper.sleep)
    client, _, _ = await connect(company, limiter=limiter)
    started: datetime = clock.now()
    for _ in range(3):
        await asyncio.gather(*(client.employees.list_page() for _ in range(25)))
    stats = await control.stats(company)
    assert stats["responses_by_status"] == {"200": 75}
    assert clock.now() - started >= timedelta(seconds=10.2)


async def test_a_short_job_uses_the_whole_window_at_once(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl, company: int,
    clock: ManualClock, sleeper: ManualClock,
) -> None:  # fmt: skip
    await sandbox.put("/_sandbox/rate-limit", json={"requests": 25, "seconds": 5})
    limiter = SlidingWindowLimiter(RateLimit.parse("25/5"), clock=clock, sleep=sleeper.sleep)
    client, _, _ = await connect(company, limiter=limiter)
    started = clock.now()
    await asyncio.gather(
        *(client.employees.create({"first_name": f"N{n}", "last_name": "P"}) for n in range(25))
    )
    assert clock.now() == started  # 25 writes: no wait at all (paced, they took 4 s)
    await asyncio.gather(
        *(client.employees.create({"first_name": f"M{n}", "last_name": "P"}) for n in range(5))
    )
    # 30 writes: the least Fortnox allows — the 26th as soon as the first leaves the window.
    assert (clock.now() - started).total_seconds() == pytest.approx(5.1)
    stats = await control.stats(company)
    assert stats["responses_by_status"] == {"201": 30}


async def test_without_the_limiter_the_sandbox_answers_429_and_retries_absorb_it(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl, company: int
) -> None:
    await sandbox.put("/_sandbox/rate-limit", json={"requests": 25, "seconds": 5})
    client, _, _ = await connect(company)
    await asyncio.gather(*(client.employees.list_page() for _ in range(30)))
    stats = await control.stats(company)
    assert stats["responses_by_status"]["200"] == 30
    # At least the 26th got a 429; how many more depends on when the retries' waits move the
    # shared clock, which frees the window for the requests still in flight.
    assert stats["responses_by_status"]["429"] >= 1


async def test_dated_writes_outside_a_year_or_in_a_locked_period_get_their_own_errors(
    connect: Connect, sandbox: httpx.AsyncClient, control: SandboxControl
) -> None:
    tenant = (await control.create_company("Låst AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant)
    with pytest.raises(MissingFinancialYearError) as no_year:
        await client.invoices.create({"customer_number": "1", "invoice_date": "2030-03-01"})
    assert "räkenskapsår" in no_year.value.message
    settings = {"locked_period_end": "2025-06-30"}
    assert (await sandbox.put(f"/_sandbox/companies/{tenant}/settings", json=settings)).is_success
    with pytest.raises(LockedPeriodError) as in_lock:
        await client.invoices.create({"customer_number": "1", "invoice_date": "2025-06-30"})
    assert "låst" in in_lock.value.message
    opened = await client.invoices.create({"customer_number": "1", "invoice_date": "2025-07-01"})
    assert opened.invoice_date is not None
    assert opened.invoice_date.isoformat() == "2025-07-01"
