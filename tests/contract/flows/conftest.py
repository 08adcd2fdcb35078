"""Fixtures of the flow contract suite: sandbox with faults, a client that never waits for real,
a tenant in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.openapi_check import checked
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.test"
REFERENCE_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
SCOPES = ["salary", "bookkeeping", "settings", "companyinformation", "project", "costcenter"]
SCOPES += ["customer", "supplier"]  # the projects family's customers and suppliers


@pytest.fixture
def sandbox_state(clock: ManualClock) -> SandboxState:
    return SandboxState(clock=clock, fault_seed=3)


@pytest.fixture
def faulty(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """The fault-aware transport; every API answer is checked against the OpenAPI document."""
    transport = SandboxTransport(create_app(sandbox_state))
    yield from checked(transport, REFERENCE_DIR / "fortnox-openapi.json")


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty: httpx.AsyncBaseTransport, clock: ManualClock
) -> AsyncIterator[FortnoxClient]:
    issued = await control.issue_tokens(company, SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=URL,
        transport=faulty,
        retry=RetryPolicy(sleep=clock.sleep, max_total_wait=600),
    )
    yield client
    await client.aclose()


@pytest.fixture
def tenant(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create("Kontrakt AB", now=clock.now()).id


class Host:
    """The host application's side: records it puts into (and deletes from) the mirror."""

    def __init__(self, sessions: sessionmaker[Session], clock: ManualClock, tenant: int) -> None:
        self.sessions, self.clock, self.tenant = sessions, clock, tenant

    def put(self, entity: str, records: dict[str, dict[str, Any] | None]) -> None:
        with self.sessions.begin() as session:
            mirror = MirrorRepository(session)
            for external_id, payload in records.items():
                if payload is None:
                    mirror.delete(self.tenant, entity, external_id, now=self.clock.now())
                else:
                    mirror.upsert(self.tenant, entity, external_id, payload, now=self.clock.now())

    def payload(self, entity: str, external_id: str) -> dict[str, Any]:
        with self.sessions.begin() as session:
            record = MirrorRepository(session).get(self.tenant, entity, external_id)
            assert record is not None
            return dict(record.payload)


@pytest.fixture
def host(sessions: sessionmaker[Session], clock: ManualClock, tenant: int) -> Host:
    return Host(sessions, clock, tenant)
