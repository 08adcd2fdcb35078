from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from fortnox_bridge.engine.tenancy.workers import abandoned, new_worker_id

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)


def test_worker_ids_are_unique_per_start_and_name_the_host() -> None:
    first, second = new_worker_id(), new_worker_id()
    assert first != second
    assert first.startswith(socket.gethostname() + ":")


def test_a_leased_write_of_a_live_worker_is_not_taken_over() -> None:
    me = new_worker_id()
    alive = new_worker_id()  # this very process: alive
    assert not abandoned(alive, LATER, me=me, now=NOW)
    assert abandoned(alive, NOW, me=me, now=NOW)  # lease ran out
    assert not abandoned(me, NOW, me=me, now=LATER)  # never our own


def test_a_dead_process_on_this_host_is_taken_over_before_its_lease_ends() -> None:
    dead = f"{socket.gethostname()}:{2**22 + 4321}:deadbeef"
    assert abandoned(dead, LATER, me="x", now=NOW)
    elsewhere = f"other-host-{socket.gethostname()}:1:abc"
    assert not abandoned(elsewhere, LATER, me="x", now=NOW)
