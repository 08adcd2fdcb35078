"""Fixtures of the engine tests: a sandbox with faults, a client that never waits for real,
tenants with host records in the store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

SANDBOX_URL = "http://sandbox.test"
#: Everything the engine's flows and pre-flight read or write.
ENGINE_SCOPES = ["salary", "bookkeeping", "settings", "companyinformation"]


class ClockSleep:
    """The injected sleep of the retry policy: moves the manual clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waited = 0.0

    async def __call__(self, seconds: float) -> None:
        self.waited += seconds
        self.clock.advance(seconds)


@pytest.fixture
def sandbox_state(clock: ManualClock) -> SandboxState:
    """A sandbox whose probabilistic faults are reproducible."""
    return SandboxState(clock=clock, fault_seed=7)


@pytest.fixture
def faulty_transport(sandbox_state: SandboxState) -> SandboxTransport:
    """In-process transport that turns dropped and timed-out answers into network errors."""
    return SandboxTransport(create_app(sandbox_state))


@pytest.fixture
def sleep(clock: ManualClock) -> ClockSleep:
    """Waits of the retry policy, on the manual clock."""
    return ClockSleep(clock)


@pytest.fixture
async def engine_client(
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    sleep: ClockSleep,
) -> AsyncIterator[FortnoxClient]:
    """A client for :func:`company` with the engine's scopes, faults and clock-driven retries."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep, max_total_wait=600),
    )
    yield client
    await client.aclose()


def employee(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host employee payload."""
    return {
        "email": f"person{number}@example.se",
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
        "phone": f"070-000 00 {number:02d}",
        **extra,
    }


Put = Callable[..., None]


@pytest.fixture
def tenant(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    """A tenant with no records; its id."""
    with sessions.begin() as session:
        return TenantRepository(session).create("Engine AB", now=clock.now()).id


@pytest.fixture
def put(sessions: sessionmaker[Session], clock: ManualClock, tenant: int) -> Put:
    """``put("employee", "e1", payload)`` stores a host record; ``put(..., None)`` deletes it."""

    def store(entity: str, external_id: str, payload: dict[str, Any] | None) -> None:
        with sessions.begin() as session:
            mirror = MirrorRepository(session)
            if payload is None:
                mirror.delete(tenant, entity, external_id, now=clock.now())
            else:
                mirror.upsert(tenant, entity, external_id, payload, now=clock.now())

    return store


@pytest.fixture
def employees(put: Put) -> Callable[[int], None]:
    """``employees(n)`` stores host employees e001..e00n."""

    def store(count: int) -> None:
        for number in range(1, count + 1):
            put("employee", f"e{number:03d}", employee(number))

    return store
