"""Helpers of the operations browser tests: the host API and the in-process sandbox's control API
of the running bridge (``serve --sandbox-control`` opens it at ``/sandbox/_sandbox``)."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import Bridge, NewTenant


def host_api(bridge: Bridge, tenant: NewTenant) -> httpx.Client:
    """The bridge's host API with the tenant's key."""
    return httpx.Client(
        base_url=f"{bridge.base}/api/v1",
        headers={"Authorization": f"Bearer {tenant.api_key}"},
        timeout=120,
    )


def put(bridge: Bridge, tenant: NewTenant, collection: str, external_id: str, body: Any) -> None:
    """Store one host record through the host API."""
    with host_api(bridge, tenant) as api:
        answer = api.put(f"/{collection}/{external_id}", json=body)
        assert answer.status_code in (200, 201), answer.text


def sync(bridge: Bridge, tenant: NewTenant) -> dict[str, Any]:
    """'Sync now' and wait until the sweep finished."""
    with host_api(bridge, tenant) as api:
        answer = api.post("/sync", json={"wait": True})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def company_of(bridge: Bridge, tenant: NewTenant) -> int:
    """The tenant's sandbox company (its Fortnox tenant id)."""
    with host_api(bridge, tenant) as api:
        answer = api.get("/connection")
        assert answer.status_code == 200, answer.text
        return int(answer.json()["fortnox_tenant_id"])


def sandbox_control(bridge: Bridge) -> httpx.Client:
    """The control API of the bridge's in-process sandbox."""
    return httpx.Client(base_url=f"{bridge.base}/sandbox/_sandbox", timeout=60)


def fortnox(bridge: Bridge, company: int) -> httpx.Client:
    """Fortnox's API of the sandbox company, with a token of its own (what Fortnox holds)."""
    with sandbox_control(bridge) as control:
        issued = control.post(f"/companies/{company}/tokens", json={"scopes": ["salary"]})
        assert issued.status_code in (200, 201), issued.text
        token = issued.json()["access_token"]
    return httpx.Client(
        base_url=f"{bridge.base}/sandbox/3",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def lock_salary_periods(bridge: Bridge, company: int, until: str | None) -> None:
    """Lock the company's salary periods in Fortnox up to ``until`` (``None``: unlock)."""
    with sandbox_control(bridge) as control:
        answer = control.put(f"/companies/{company}/settings", json={"locked_period_end": until})
        assert answer.status_code == 200, answer.text


def employee(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host employee."""
    return {
        "email": f"person{number}@example.se",
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
        "phone": f"070-000 00 {number:02d}",
        **extra,
    }
