"""``/topics-v1`` over a real socket: the standalone sandbox app under uvicorn on a free
loopback port, spoken to with the ``websockets`` client, as the bridge's listener does.

Commands and their answers, events as they happen, replay from an offset (and an offset older
than the 14 days kept), tenants that were not added hear nothing, and the two stream faults.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection, connect

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl

WAIT = 10.0  # seconds a test waits for a frame before it fails (never a sleep)
BALANCED = [{"Account": 1930, "Debit": 500}, {"Account": 3001, "Credit": 500}]


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@dataclass
class Live:
    url: str
    state: SandboxState

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/topics-v1"


@pytest.fixture
def live(clock: ManualClock) -> Iterator[Live]:
    """The sandbox app on a real port, on the test clock (a thread of this process)."""
    state = SandboxState(clock=clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    ready = threading.Event()
    config = uvicorn.Config(create_app(state, standalone=True), host="127.0.0.1", port=port,
                            log_level="warning")  # fmt: skip
    server = _Server(config, ready)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert ready.wait(15), "the sandbox did not start"
    yield Live(f"http://127.0.0.1:{port}", state)
    server.should_exit = True
    thread.join(15)


@pytest.fixture
async def control(live: Live) -> AsyncIterator[SandboxControl]:
    async with SandboxControl(live.url) as client:
        yield client


@dataclass
class Company:
    tenant_id: int
    token: str
    secret: str
    api: httpx.AsyncClient


@pytest.fixture
async def companies(live: Live, control: SandboxControl) -> AsyncIterator[list[Company]]:
    """Two demo companies with tokens of the sandbox's app."""
    made: list[Company] = []
    for name in ("Första AB", "Andra AB"):
        tenant = int((await control.create_company(name, seed="demo"))["tenant_id"])
        tokens = await control.issue_tokens(tenant, ["costcenter", "bookkeeping", "invoice"])
        api = httpx.AsyncClient(
            base_url=live.url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        made.append(Company(tenant, tokens["access_token"], tokens["client_secret"], api))
    yield made
    for company in made:
        await company.api.aclose()


async def _ask(ws: ClientConnection, command: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(command))
    return await _next(ws)


async def _next(ws: ClientConnection) -> dict[str, Any]:
    frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    assert isinstance(frame, dict)
    return frame


async def _cost_center(company: Company, code: str) -> None:
    body = {"CostCenter": {"Code": code, "Description": code}}
    response = await company.api.post("/3/costcenters", json=body)
    assert response.status_code == 201, response.text


async def _listen(live: Live, company: Company, topics: list[dict[str, Any]]) -> ClientConnection:
    ws = await connect(live.ws_url)
    added = await _ask(ws, {"command": "add-tenants-v1", "clientSecret": company.secret,
                            "accessTokens": [company.token]})  # fmt: skip
    assert added["tenantIds"] == {company.token: company.tenant_id}
    assert (await _ask(ws, {"command": "add-topics-v1", "topics": topics}))["result"] == "ok"
    assert await _ask(ws, {"command": "subscribe-v1"}) == {
        "response": "subscribe-v1", "result": "ok"}  # fmt: skip
    return ws


async def test_commands_and_their_answers(live: Live, companies: list[Company]) -> None:
    first, second = companies
    async with connect(live.ws_url) as ws:
        added = await _ask(ws, {
            "command": "add-tenants-v1", "clientSecret": first.secret,
            "accessTokens": [first.token, f"Bearer {second.token}", "not-a-token"],
        })  # fmt: skip
        assert added == {
            "response": "add-tenants-v1",
            "result": "ok",
            "tenantIds": {first.token: first.tenant_id, f"Bearer {second.token}": second.tenant_id},
            "invalidTokens": ["not-a-token"],
        }
        listed = await _ask(ws, {"command": "list-tenants-v1"})
        assert listed == {"response": "list-tenants-v1", "result": "ok",
                          "tenants": [first.tenant_id, second.tenant_id]}  # fmt: skip
        removed = await _ask(ws, {"command": "remove-tenants-v1", "tenants": [first.tenant_id]})
        assert removed == {"response": "remove-tenants-v1", "result": "ok"}
        listed = await _ask(ws, {"command": "list-tenants-v1"})
        assert listed["tenants"] == [second.tenant_id]
        topics = await _ask(ws, {"command": "add-topics-v1", "topics": [
            {"topic": "vouchers"}, {"topic": "employees"}, {"topic": "invoices", "offset": "?!"},
        ]})  # fmt: skip
        assert topics == {"response": "add-topics-v1", "result": "ok",
                          "invalidTopics": ["employees", "invoices"]}  # fmt: skip
        subscribed = await _ask(ws, {"command": "subscribe-v1"})
        assert subscribed == {"response": "subscribe-v1", "result": "ok"}


async def test_bad_secret_and_bad_frames_are_refused(live: Live, companies: list[Company]) -> None:
    first = companies[0]
    async with connect(live.ws_url) as ws:
        refused = await _ask(ws, {"command": "add-tenants-v1", "clientSecret": "wrong",
                                  "accessTokens": [first.token]})  # fmt: skip
        assert refused["result"] == "error"
        assert refused["invalidTokens"] == [first.token]
        assert refused["tenantIds"] == {}
        unknown = await _ask(ws, {"command": "dance-v1"})
        assert (unknown["response"], unknown["result"]) == ("dance-v1", "error")
        await ws.send("{not json")
        assert (await _next(ws))["result"] == "error"
        await ws.send(json.dumps({"command": "list-tenants-v1"}).encode())  # a binary frame
        assert (await _next(ws))["response"] == "list-tenants-v1"
        wrong = await _ask(ws, {"command": "remove-tenants-v1", "tenants": "1"})
        assert wrong["result"] == "error"
        listed = await _ask(ws, {"command": "list-tenants-v1"})  # still open, nothing added
        assert listed["tenants"] == []


async def test_events_stream_as_they_happen_and_other_tenants_are_not_heard(
    live: Live, companies: list[Company]
) -> None:
    mine, theirs = companies
    ws = await _listen(live, mine, [{"topic": "cost-centers"}, {"topic": "vouchers"}])
    async with ws:
        await _cost_center(theirs, "T1")  # not added: passed over
        await _cost_center(mine, "M1")
        event = await _next(ws)
        assert {k: event[k] for k in ("topic", "type", "tenantId", "entityId")} == {
            "topic": "cost-centers", "type": "cost-center-created-v1",
            "tenantId": mine.tenant_id, "entityId": "M1",
        }  # fmt: skip
        assert isinstance(event["offset"], str)
        voucher = {"Description": "Kontant", "TransactionDate": "2026-02-10",
                   "VoucherSeries": "A", "VoucherRows": BALANCED}  # fmt: skip
        created = await mine.api.post("/3/vouchers", json={"Voucher": voucher})
        assert created.status_code == 201
        event = await _next(ws)
        assert (event["type"], event["series"], event["id"]) == (
            "voucher-created-v1", "A", created.json()["Voucher"]["VoucherNumber"])  # fmt: skip
        # an invoice is no topic this connection added
        await mine.api.post("/3/invoices", json={"Invoice": {"CustomerNumber": "1"}})
        await _cost_center(mine, "M2")
        assert (await _next(ws))["entityId"] == "M2"


async def test_replay_from_an_offset_resumes_in_order(
    live: Live, control: SandboxControl, companies: list[Company]
) -> None:
    mine = companies[0]
    for code in ("R1", "R2", "R3", "R4"):
        await _cost_center(mine, code)
    kept = await control.topic_events("cost-centers")
    offsets = [event["offset"] for event in kept]
    assert offsets == sorted(offsets)
    ws = await _listen(live, mine, [{"topic": "cost-centers", "offset": offsets[1]}])
    async with ws:
        got = [await _next(ws) for _ in range(2)]
        assert [event["entityId"] for event in got] == ["R3", "R4"]
        assert [event["offset"] for event in got] == offsets[2:]
        await _cost_center(mine, "R5")  # then live
        assert (await _next(ws))["entityId"] == "R5"
    # without an offset: only what happens from now on
    ws = await _listen(live, mine, [{"topic": "cost-centers"}])
    async with ws:
        await _cost_center(mine, "R6")
        assert (await _next(ws))["entityId"] == "R6"


async def test_events_are_kept_fourteen_days_and_an_older_offset_starts_at_the_oldest(
    live: Live, control: SandboxControl, companies: list[Company], clock: ManualClock
) -> None:
    mine = companies[0]
    tenant = mine.tenant_id
    expired = (await control.publish_event(tenant, "cost-centers", "cost-center-created-v1",
                                           "OLD"))["offset"]  # fmt: skip
    clock.advance(2 * 86400)
    await control.publish_event(tenant, "cost-centers", "cost-center-updated-v1", "D12")
    await control.publish_event(tenant, "cost-centers", "cost-center-deleted-v1", "D12")
    clock.advance(12 * 86400 + 60)  # OLD is now past 14 days, the others 12 days old
    kept = await control.topic_events("cost-centers")
    assert [event["type"] for event in kept] == ["cost-center-updated-v1", "cost-center-deleted-v1"]
    tokens = await control.issue_tokens(tenant, ["costcenter"])  # the first ones expired
    fresh = Company(tenant, tokens["access_token"], mine.secret, mine.api)
    ws = await _listen(live, fresh, [{"topic": "cost-centers", "offset": expired}])
    async with ws:
        got = [await _next(ws) for _ in range(2)]
        assert [event["offset"] for event in got] == [event["offset"] for event in kept]


async def test_duplicate_fault_sends_an_event_twice(
    live: Live, control: SandboxControl, companies: list[Company]
) -> None:
    mine = companies[0]
    ws = await _listen(live, mine, [{"topic": "cost-centers"}])
    async with ws:
        await control.duplicate_events(1)
        await _cost_center(mine, "D1")
        await _cost_center(mine, "D2")
        got = [await _next(ws) for _ in range(3)]
        assert [event["entityId"] for event in got] == ["D1", "D1", "D2"]
        assert got[0] == got[1]
        assert (await control.topic_faults())["duplicate"] == 0


async def test_drop_fault_after_n_events_then_resume_from_the_last_offset(
    live: Live, control: SandboxControl, companies: list[Company]
) -> None:
    mine = companies[0]
    ws = await _listen(live, mine, [{"topic": "cost-centers"}])
    await control.drop_connections(after=2)
    for code in ("X1", "X2", "X3"):
        await _cost_center(mine, code)
    got = [await _next(ws), await _next(ws)]
    with pytest.raises(websockets.ConnectionClosedError) as closed:
        await asyncio.wait_for(ws.recv(), WAIT)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1011
    last = got[-1]["offset"]
    ws = await _listen(live, mine, [{"topic": "cost-centers", "offset": last}])
    async with ws:
        assert (await _next(ws))["entityId"] == "X3"


async def test_drop_fault_now_closes_every_connection(
    live: Live, control: SandboxControl, companies: list[Company]
) -> None:
    mine = companies[0]
    first = await _listen(live, mine, [{"topic": "cost-centers"}])
    second = await connect(live.ws_url)
    await _ask(second, {"command": "list-tenants-v1"})
    assert (await control.topic_faults())["connections"] == 2
    answer = await control.drop_connections()
    assert answer["dropped"] == 2
    for ws in (first, second):
        with pytest.raises(websockets.ConnectionClosedError):
            await asyncio.wait_for(ws.recv(), WAIT)
    await control.clear_topic_faults()
    assert (await control.topic_faults())["connections"] == 0
