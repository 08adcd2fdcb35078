"""``/topics-v1`` in-process (no port): Starlette's test client, the sandbox's own async
in-process client with the faults and a resume, and the admin server's browser-pages wrapper
keeping the endpoint closed."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosedError

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.app import BrowserPages
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.topics.inprocess import connect

with warnings.catch_warnings():  # it prefers httpx2, which says nothing about the sandbox
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient


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


async def test_async_in_process_connection_streams_and_drops(clock: ManualClock) -> None:
    """``topics.inprocess.connect``: the websockets-like client over ASGI, in the test's loop."""
    app = create_app(SandboxState(clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with SandboxControl("http://sandbox.test", transport=transport) as control:
        tenant = int((await control.create_company("A", seed="demo"))["tenant_id"])
        tokens = await control.issue_tokens(tenant, ["costcenter"])
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        api = httpx.AsyncClient(base_url="http://sandbox.test", transport=transport, headers=auth)
        async with api, connect(app) as ws:
            for command in (
                {"command": "add-tenants-v1", "clientSecret": tokens["client_secret"],
                 "accessTokens": [f"Bearer {tokens['access_token']}"]},
                {"command": "add-topics-v1", "topics": [{"topic": "cost-centers"}]},
                {"command": "subscribe-v1"},
            ):  # fmt: skip
                await ws.send(json.dumps(command))
                assert json.loads(await ws.recv())["result"] == "ok"
            await control.duplicate_events(1)
            await control.drop_connections(after=1)  # a duplicate is still one event
            for code in ("A1", "A2"):
                body = {"CostCenter": {"Code": code, "Description": code}}
                assert (await api.post("/3/costcenters", json=body)).status_code == 201
            got = [json.loads(await ws.recv()) for _ in range(2)]
            assert [event["entityId"] for event in got] == ["A1", "A1"]  # sent twice
            with pytest.raises(ConnectionClosedError) as closed:
                await ws.recv()
            assert ws.close_code == 1011
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1011
        # A2 waits for the next connection, after the offset of the last event received
        async with connect(app) as ws:
            for command in (
                {"command": "add-tenants-v1", "clientSecret": tokens["client_secret"],
                 "accessTokens": [tokens["access_token"]]},
                {"command": "add-topics-v1",
                 "topics": [{"topic": "cost-centers", "offset": got[-1]["offset"]}]},
                {"command": "subscribe-v1"},
            ):  # fmt: skip
                await ws.send(json.dumps(command))
                await ws.recv()
            assert json.loads(await ws.recv())["entityId"] == "A2"
        assert ws.close_code == 1000


async def test_tenants_and_topics_change_while_streaming(clock: ManualClock) -> None:
    app = create_app(SandboxState(clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with SandboxControl("http://sandbox.test", transport=transport) as control:
        apis, tokens = [], []
        for name in ("A", "B"):
            tenant = int((await control.create_company(name, seed="demo"))["tenant_id"])
            issued = await control.issue_tokens(tenant, ["costcenter", "bookkeeping"])
            tokens.append(issued)
            auth = {"Authorization": f"Bearer {issued['access_token']}"}
            apis.append(httpx.AsyncClient(base_url="http://sandbox.test", transport=transport,
                                          headers=auth))  # fmt: skip
        first, second = apis

        async def cost_center(api: httpx.AsyncClient, code: str) -> None:
            body = {"CostCenter": {"Code": code, "Description": code}}
            assert (await api.post("/3/costcenters", json=body)).status_code == 201

        async with first, second, connect(app) as ws:

            async def ask(command: dict[str, object]) -> dict[str, object]:
                await ws.send(json.dumps(command))
                reply: dict[str, object] = json.loads(await ws.recv())
                assert reply["response"] == command["command"]
                return reply

            await ask({"command": "add-tenants-v1", "clientSecret": tokens[0]["client_secret"],
                       "accessTokens": [t["access_token"] for t in tokens]})  # fmt: skip
            await ask({"command": "add-topics-v1", "topics": ["cost-centers"]})
            await ask({"command": "subscribe-v1"})
            await cost_center(second, "B1")
            assert json.loads(await ws.recv())["entityId"] == "B1"
            listed = await ask({"command": "list-tenants-v1"})
            assert listed["tenants"] == [1, 2]
            await ask({"command": "remove-tenants-v1", "tenants": [2]})
            await cost_center(second, "B2")  # removed: not heard
            await cost_center(first, "A1")
            assert json.loads(await ws.recv())["entityId"] == "A1"
            await ask({"command": "add-topics-v1", "topics": [{"topic": "vouchers"}]})
            voucher = {"Description": "K", "TransactionDate": "2026-02-10", "VoucherSeries": "A",
                       "VoucherRows": [{"Account": 1930, "Debit": 5}, {"Account": 3001,
                                                                        "Credit": 5}]}  # fmt: skip
            assert (await first.post("/3/vouchers", json={"Voucher": voucher})).status_code == 201
            event = json.loads(await ws.recv())
            assert (event["topic"], event["type"]) == ("vouchers", "voucher-created-v1")
