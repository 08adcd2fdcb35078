"""``/topics-v1`` in-process (Starlette's test client, no port): the same commands and events
as over a socket, and the admin server's browser-pages wrapper keeping the endpoint closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.app import BrowserPages

# Starlette's test client warns that it prefers httpx2; the warning says nothing about the sandbox.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture
def client(clock: ManualClock) -> Iterator[TestClient]:
    with TestClient(create_app(SandboxState(clock=clock))) as client:
        yield client


def test_cost_centre_events_in_process(client: TestClient) -> None:
    tenant = client.post("/_sandbox/companies", json={"name": "A", "seed": "demo"}).json()
    tokens = client.post(
        f"/_sandbox/companies/{tenant['tenant_id']}/tokens", json={"scopes": ["costcenter"]}
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with client.websocket_connect("/topics-v1") as ws:
        ws.send_json({"command": "add-tenants-v1", "clientSecret": tokens["client_secret"],
                      "accessTokens": [tokens["access_token"]]})  # fmt: skip
        assert ws.receive_json()["tenantIds"] == {tokens["access_token"]: tenant["tenant_id"]}
        ws.send_json({"command": "add-topics-v1", "topics": [{"topic": "cost-centers"}]})
        assert ws.receive_json()["invalidTopics"] == []
        ws.send_json({"command": "subscribe-v1"})
        assert ws.receive_json()["result"] == "ok"
        body = {"CostCenter": {"Code": "IN1", "Description": "In"}}
        assert client.post("/3/costcenters", json=body, headers=headers).status_code == 201
        event = ws.receive_json()
        assert (event["type"], event["entityId"]) == ("cost-center-created-v1", "IN1")
        assert event["tenantId"] == tenant["tenant_id"]


def test_browser_pages_keep_the_topics_closed(clock: ManualClock) -> None:
    app = BrowserPages(create_app(SandboxState(clock=clock)))
    with TestClient(app) as client, pytest.raises(WebSocketDisconnect):  # noqa: SIM117
        with client.websocket_connect("/topics-v1") as ws:
            ws.receive_json()
