"""What the sandbox's topics share: the event log, the open connections and the stream faults.

Faults (set through the control API): ``duplicate`` sends each of the next ``count`` events
twice (Fortnox delivers at least once); ``drop`` closes the connection that sends the
``after``-th next event, or every open connection at once.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from fortnox_bridge.sandbox.clock import SandboxClock
from fortnox_bridge.sandbox.company import ChangeHook
from fortnox_bridge.sandbox.topics.catalogue import change_of
from fortnox_bridge.sandbox.topics.log import TopicLog

Record = dict[str, Any]


@dataclass
class StreamFaults:
    """Faults waiting for the next events sent on any connection."""

    duplicate: int = 0
    drop_after: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"duplicate": self.duplicate, "drop_after": self.drop_after}


class TopicsHub:
    """The topics side of one sandbox."""

    def __init__(self, clock: SandboxClock) -> None:
        self.log = TopicLog(clock)
        self.faults = StreamFaults()
        self._lock = threading.Lock()
        self._drops: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def watcher(self, tenant_id: int) -> ChangeHook:
        """The change hook of company ``tenant_id``: publishes what its registers change."""

        def changed(register: str, record_id: str, old: Record | None, new: Record | None) -> None:
            change = change_of(register, record_id, old, new)
            if change is not None:
                self.log.publish(tenant_id, change.topic, change.type, change.entity_id,
                                 change.extra)  # fmt: skip

        return changed

    def connected(self) -> asyncio.Event:
        """A new connection's drop signal (set when it must close); :meth:`disconnected` ends it."""
        signal = asyncio.Event()
        with self._lock:
            self._drops.add((asyncio.get_running_loop(), signal))
        return signal

    def disconnected(self, signal: asyncio.Event) -> None:
        """Forget a closed connection."""
        with self._lock:
            self._drops = {pair for pair in self._drops if pair[1] is not signal}

    @property
    def connections(self) -> int:
        """How many connections are open."""
        with self._lock:
            return len(self._drops)

    def set_faults(self, *, duplicate: int | None = None, drop_after: int | None = None) -> None:
        """Arm the faults given (``None`` leaves one as it is)."""
        with self._lock:
            if duplicate is not None:
                self.faults.duplicate = duplicate
            if drop_after is not None:
                self.faults.drop_after = drop_after

    def clear_faults(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self.faults = StreamFaults()

    def drop_now(self) -> int:
        """Close every open connection; how many there were."""
        with self._lock:
            drops = list(self._drops)
        for loop, signal in drops:
            try:
                loop.call_soon_threadsafe(signal.set)
            except RuntimeError:
                self.disconnected(signal)
        return len(drops)

    def sending(self) -> tuple[int, bool]:
        """One event is about to be sent: how many times, and whether the connection drops
        after it."""
        with self._lock:
            times = 1
            if self.faults.duplicate > 0:
                self.faults.duplicate -= 1
                times = 2
            drop = False
            if self.faults.drop_after is not None:
                self.faults.drop_after -= 1
                if self.faults.drop_after <= 0:
                    self.faults.drop_after, drop = None, True
        return times, drop

    def reset(self) -> None:
        """Forget the events and faults (open connections stay)."""
        self.log.clear()
        self.clear_faults()
