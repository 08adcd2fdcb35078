"""The Fortnox client against the in-process sandbox, with faults, on the manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.openapi_check import checked

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.auth import TokenManager
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.ratelimit import Limiter
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.fortnox.tokens import InMemoryTokenStore, TokenSet
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport

URL = "http://sandbox.test"
REFERENCE_DIR = Path(__file__).resolve().parents[4] / "shared" / "reference"


@pytest.fixture
def sandbox_state(clock: ManualClock) -> SandboxState:
    return SandboxState(clock=clock, fault_seed=11)


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """The fault-aware in-process transport; every API answer is checked against the OpenAPI
    document (with the allow-list) when the reference folder is present."""
    transport = SandboxTransport(create_app(sandbox_state))
    yield from checked(transport, REFERENCE_DIR / "fortnox-openapi.json")


@pytest.fixture
def sleeper(clock: ManualClock) -> ManualClock:
    """The manual clock, whose ``sleep`` the clients use and whose ``slept`` lists waits."""
    return clock


@pytest.fixture
async def sandbox(sandbox_transport: SandboxTransport) -> AsyncIterator[httpx.AsyncClient]:
    """Raw access to the sandbox's control API."""
    async with httpx.AsyncClient(base_url=URL, transport=sandbox_transport) as http:
        yield http


Connect = Callable[..., Awaitable[tuple[FortnoxClient, TokenManager, dict[str, Any]]]]


@pytest.fixture
async def connect(
    control: SandboxControl,
    sandbox_transport: SandboxTransport,
    clock: ManualClock,
    sleeper: ManualClock,
) -> AsyncIterator[Connect]:
    """``await connect(tenant_id, scopes=..., expired=..., limiter=...)``: a refreshing client."""
    opened: list[FortnoxClient] = []

    async def factory(
        tenant_id: int,
        scopes: list[str] | None = None,
        *,
        expired: bool = False,
        limiter: Limiter | None = None,
    ) -> tuple[FortnoxClient, TokenManager, dict[str, Any]]:
        issued = await control.issue_tokens(tenant_id, scopes or ["salary", "customer", "invoice"])
        lifetime = timedelta(seconds=-1 if expired else issued["expires_in"])
        tokens = TokenSet(issued["access_token"], clock.now() + lifetime, issued["refresh_token"])
        oauth = OAuthApp(
            issued["client_id"], issued["client_secret"], auth_url=URL,
            transport=sandbox_transport, clock=clock,
        )  # fmt: skip
        key = f"{issued['client_id']}:{tenant_id}"
        manager = TokenManager(
            key, store=InMemoryTokenStore({key: tokens}), oauth=oauth, clock=clock
        )
        client = FortnoxClient(
            tokens=manager, api_url=URL, transport=sandbox_transport, limiter=limiter,
            retry=RetryPolicy(sleep=sleeper.sleep, max_total_wait=60),
        )  # fmt: skip
        opened.append(client)
        return client, manager, issued

    yield factory
    for client in opened:
        await client.aclose()
