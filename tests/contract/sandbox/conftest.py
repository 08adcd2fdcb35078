"""Fixtures of the sandbox contract tests: the app behind a fault-aware transport, raw HTTP
clients with tokens, and helpers to make companies.

When ``../shared/reference`` is present, every ``/3/...`` answer any test here produces is checked
against the official OpenAPI document (minus ``tests/fixtures/openapi-allowlist.toml``); a test
whose answers differ fails at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest

from conftest import REFERENCE_DIR
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport

from .openapi_check import checked

BASE_URL = "http://sandbox.test"

ApiFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def sandbox_state(clock: object) -> SandboxState:
    """A fresh sandbox on the test clock, with reproducible fault randomness."""
    return SandboxState(clock=clock, fault_seed=7)  # type: ignore[arg-type]


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """The in-process transport that turns dropped and timed-out answers into httpx errors,
    checking every API answer against the OpenAPI document."""
    transport = SandboxTransport(create_app(sandbox_state))
    yield from checked(transport, REFERENCE_DIR / "fortnox-openapi.json")


@pytest.fixture
async def http(sandbox_transport: httpx.AsyncBaseTransport) -> AsyncIterator[httpx.AsyncClient]:
    """A plain client of the sandbox (no credentials)."""
    async with httpx.AsyncClient(base_url=BASE_URL, transport=sandbox_transport) as client:
        yield client


@pytest.fixture
async def api(
    control: SandboxControl, sandbox_transport: httpx.AsyncBaseTransport
) -> AsyncIterator[ApiFactory]:
    """``await api(tenant_id, scopes=[...])`` → an httpx client with a bearer token."""
    clients: list[httpx.AsyncClient] = []

    async def factory(tenant_id: int, scopes: list[str] | None = None) -> httpx.AsyncClient:
        tokens = await control.issue_tokens(tenant_id, scopes or sorted(ALL_SCOPES))
        client = httpx.AsyncClient(
            base_url=BASE_URL,
            transport=sandbox_transport,
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
async def tenant(control: SandboxControl) -> int:
    """An empty company's tenant id."""
    return int((await control.create_company("Testbolaget AB"))["tenant_id"])


@pytest.fixture
async def demo_tenant(control: SandboxControl) -> int:
    """A company with the demo seed; its tenant id."""
    return int((await control.create_company("Demo AB", seed="demo"))["tenant_id"])


ALL_SCOPES = frozenset(
    {"article", "bookkeeping", "companyinformation", "costcenter", "customer", "invoice",
     "order", "profile", "project", "salary", "settings"}
)  # fmt: skip
