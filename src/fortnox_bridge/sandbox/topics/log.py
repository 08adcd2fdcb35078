"""The event log of a sandbox: per topic, events with ordered opaque offsets, kept 14 days of
the sandbox's clock.

Offsets are unique and ordered per topic, as Fortnox promises; their form is the sandbox's
own (Fortnox's are opaque short strings): the event's number in its topic written in base 62
with a fixed width, so the strings sort as the numbers do. Numbers start from the wall clock's
microseconds when the log is made, so a restarted standalone sandbox (which forgets its log)
never hands out an offset below one a client already holds.

Writes come from request handlers, the control API and tests, perhaps on other threads than the
connections' event loop: the log is guarded by a lock, and waiting connections are woken with
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fortnox_bridge.sandbox.clock import SandboxClock

#: How far back a client may ask for events again (Fortnox: two weeks).
RETENTION = timedelta(days=14)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
OFFSET_WIDTH = 11


def encode_offset(number: int) -> str:
    """``number`` as an offset string (fixed width, so text order is number order)."""
    digits = []
    for _ in range(OFFSET_WIDTH):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def decode_offset(text: object) -> int | None:
    """The number of an offset string, or ``None`` when ``text`` is not one."""
    if not isinstance(text, str) or len(text) != OFFSET_WIDTH:
        return None
    number = 0
    for char in text:
        digit = ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * len(ALPHABET) + digit
    return number


@dataclass(frozen=True)
class Event:
    """One published change."""

    topic: str
    number: int
    #: Order of publication across topics (the stream sends events in this order).
    serial: int
    tenant_id: int
    type: str
    entity_id: str
    at: datetime
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def offset(self) -> str:
        """The event's offset in its topic."""
        return encode_offset(self.number)

    def message(self) -> dict[str, Any]:
        """The event as the stream sends it."""
        message = {
            "topic": self.topic,
            "offset": self.offset,
            "type": self.type,
            "tenantId": self.tenant_id,
            "entityId": self.entity_id,
            "timestamp": self.at.isoformat(timespec="milliseconds"),
        }
        return {**message, **{k: v for k, v in self.extra.items() if k not in message}}


class TopicLog:
    """The sandbox's published events (in memory)."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        #: Per topic, the kept events in number order (the oldest first).
        self._events: dict[str, list[Event]] = {}
        self._base = time.time_ns() // 1000
        self._last: dict[str, int] = {}
        self._serial = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def publish(
        self,
        tenant_id: int,
        topic: str,
        type_: str,
        entity_id: str,
        extra: Mapping[str, Any] | None = None,
    ) -> Event:
        """Append an event now (sandbox time) and wake the waiting connections."""
        now = self.clock.now()
        with self._lock:
            self._prune(now)
            number = self._last.get(topic, self._base) + 1
            self._last[topic] = number
            self._serial += 1
            event = Event(topic, number, self._serial, tenant_id, type_, entity_id, now,
                          dict(extra or {}))  # fmt: skip
            self._events.setdefault(topic, []).append(event)
            waiters = list(self._waiters)
        for loop, waiter in waiters:
            try:
                loop.call_soon_threadsafe(waiter.set)
            except RuntimeError:  # that loop has closed: its connection is gone
                with self._lock:
                    self._waiters.discard((loop, waiter))
        return event

    def last_number(self, topic: str) -> int:
        """The number of the newest event of ``topic`` ever published (the base if none)."""
        with self._lock:
            return self._last.get(topic, self._base)

    def after(self, cursors: Mapping[str, int]) -> list[Event]:
        """The kept events after each topic's cursor, in publication order."""
        with self._lock:
            self._prune(self.clock.now())
            found: list[Event] = []
            for topic, cursor in cursors.items():
                kept = self._events.get(topic, [])
                found += kept[bisect.bisect_right(kept, cursor, key=lambda e: e.number) :]
        return sorted(found, key=lambda event: event.serial)

    def events(self, topic: str | None = None, tenant_id: int | None = None) -> list[Event]:
        """The kept events, oldest first, of one topic and tenant if given."""
        with self._lock:
            self._prune(self.clock.now())
            found = [
                event
                for name, kept in self._events.items()
                if topic is None or name == topic
                for event in kept
                if tenant_id is None or event.tenant_id == tenant_id
            ]
        return sorted(found, key=lambda event: event.serial)

    def clear(self) -> None:
        """Forget every event; numbering goes on, so offsets stay unique."""
        with self._lock:
            self._events.clear()

    def listen(self) -> asyncio.Event:
        """An event set whenever something is published (call :meth:`unlisten` when done)."""
        waiter = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), waiter))
        return waiter

    def unlisten(self, waiter: asyncio.Event) -> None:
        """Stop waking ``waiter``."""
        with self._lock:
            self._waiters = {pair for pair in self._waiters if pair[1] is not waiter}

    def _prune(self, now: datetime) -> None:
        oldest = now - RETENTION
        for kept in self._events.values():
            expired = 0
            while expired < len(kept) and kept[expired].at < oldest:
                expired += 1
            if expired:
                del kept[:expired]
