"""A small Fortnox topics endpoint for the listener's tests: commands answered as Fortnox does,
events replayed from a given offset (inclusive, the worst case: the last one read comes again),
and faults (an event sent twice, the connection dropped after some events)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.server import ServerConnection, serve


class FakeTopics:
    """Served on a loopback port by :func:`fake_topics`; ``url`` is its address."""

    def __init__(self, client_secret: str) -> None:
        self.client_secret = client_secret
        self.url = ""
        #: Per topic, every event in offset order.
        self.log: dict[str, list[dict[str, Any]]] = {}
        #: Access tokens Fortnox knows → their company.
        self.tokens: dict[str, int] = {}
        #: Every command received, in order.
        self.commands: list[dict[str, Any]] = []
        self.connections = 0
        self.open = 0
        #: Close the connection after sending this many events (once).
        self.drop_after: int | None = None
        #: Offsets to send twice.
        self.twice: set[str] = set()
        self._wakers: set[asyncio.Event] = set()

    def publish(
        self, topic: str, company: int, entity_id: str, kind: str = "updated", **extra: Any
    ) -> str:
        """A change in Fortnox: its event (with the extras of its type); returns its offset."""
        events = self.log.setdefault(topic, [])
        offset = f"{len(events) + 1:08d}"
        singular = topic.rstrip("s")
        events.append(
            {
                "topic": topic,
                "offset": offset,
                "type": f"{singular}-{kind}-v1",
                "tenantId": company,
                "entityId": entity_id,
                "timestamp": "2026-01-01T00:00:00+01:00",
                **extra,
            }
        )
        for waker in self._wakers:
            waker.set()
        return offset

    def sent(self, command: str) -> list[dict[str, Any]]:
        """The commands of one kind received so far."""
        return [c for c in self.commands if c["command"] == command]

    async def handle(self, socket: ServerConnection) -> None:
        self.connections += 1
        self.open += 1
        companies: set[int] = set()
        cursors: dict[str, int] = {}
        streaming: asyncio.Task[None] | None = None
        try:
            async for frame in socket:
                command = json.loads(frame)
                self.commands.append(command)
                answer = self._answer(command, companies, cursors)
                await socket.send(json.dumps(answer))
                if command["command"] == "subscribe-v1":
                    streaming = asyncio.create_task(self._stream(socket, companies, cursors))
        finally:
            self.open -= 1
            if streaming is not None:
                streaming.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await streaming

    def _answer(
        self, command: dict[str, Any], companies: set[int], cursors: dict[str, int]
    ) -> dict[str, Any]:
        name = command["command"]
        answer: dict[str, Any] = {"response": name, "result": "ok"}
        if name == "add-tenants-v1":
            if command["clientSecret"] != self.client_secret:
                return {**answer, "result": "error"}
            given = command["accessTokens"]
            known = {t: self.tokens[t.removeprefix("Bearer ")] for t in given if t in self.tokens}
            companies.update(known.values())
            invalid = [t for t in given if t not in known]
            return {**answer, "tenantIds": known, "invalidTokens": invalid}
        if name == "remove-tenants-v1":
            companies.difference_update(command["tenants"])
        elif name == "add-topics-v1":
            for wanted in command["topics"]:
                events = self.log.get(wanted["topic"], [])
                offsets = [e["offset"] for e in events]
                offset = wanted.get("offset")
                cursors[wanted["topic"]] = offsets.index(offset) if offset else len(events)
            answer["invalidTopics"] = []
        return answer

    async def _stream(
        self, socket: ServerConnection, companies: set[int], cursors: dict[str, int]
    ) -> None:
        waker = asyncio.Event()
        self._wakers.add(waker)
        sent = 0
        try:
            while True:
                waker.clear()
                for topic in list(cursors):
                    events = self.log.get(topic, [])
                    while cursors[topic] < len(events):
                        event = events[cursors[topic]]
                        cursors[topic] += 1
                        if event["tenantId"] not in companies:
                            continue
                        copies = 2 if event["offset"] in self.twice else 1
                        self.twice.discard(event["offset"])
                        for _ in range(copies):
                            await socket.send(json.dumps(event))
                        sent += 1
                        if self.drop_after is not None and sent >= self.drop_after:
                            self.drop_after = None
                            await socket.close()
                            return
                await waker.wait()
        finally:
            self._wakers.discard(waker)


@contextlib.asynccontextmanager
async def fake_topics(client_secret: str) -> AsyncIterator[FakeTopics]:
    """The endpoint on a free loopback port."""
    topics = FakeTopics(client_secret)
    async with serve(topics.handle, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        topics.url = f"ws://127.0.0.1:{port}/topics-v1"
        yield topics
