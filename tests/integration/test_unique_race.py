"""Two API clients racing for one e-mail address (SQLite and PostgreSQL): the database decides.

The API is served by uvicorn on a loopback port; two threads, each with its own HTTP client, are
released together by a barrier and set the same new e-mail address on two different employees.
Exactly one of them may win each round; the other gets the 422 of a taken unique value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.unique import UniqueValueRepository, ValueTaken
from integration.bridge_api import api_app

from .conftest import free_port

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ROUNDS = 100


class _Server(uvicorn.Server):
    """A uvicorn server that says when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@dataclass(frozen=True)
class Served:
    """The API on a loopback port, and the tenant one API key writes to."""

    url: str
    tenant_id: int
    key: str


@pytest.fixture
def served(sessions: sessionmaker[Session]) -> Iterator[Served]:
    """The API on a real loopback port."""
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Kapplöpning AB", now=NOW)
        key = tenants.issue_api_key(tenant, label="race", now=NOW)
        tenant_id = tenant.id
    app = api_app(sessions, clock=ManualClock(NOW), settings=Settings(api_rate_limit="100000/60"))
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.ready.wait(15), "the API did not start"
    yield Served(f"http://127.0.0.1:{port}", tenant_id, key)
    server.should_exit = True
    thread.join(15)


def holders(sessions: sessionmaker[Session], tenant_id: int, email: str) -> list[str]:
    """The live employees whose e-mail address is ``email`` (in any case)."""
    with sessions.begin() as session:
        return [
            record.external_id
            for record in MirrorRepository(session).live(tenant_id, "employee")
            if str(record.payload.get("email", "")).casefold() == email.casefold()
        ]


def test_two_writers_of_one_email_at_once_leave_exactly_one_holder(
    served: Served, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    decided: list[str] = []  # the rounds the database decided, not the look before the write
    real_move = UniqueValueRepository.move

    def move(self: UniqueValueRepository, *args: Any, **kwargs: Any) -> None:
        try:
            real_move(self, *args, **kwargs)
        except ValueTaken as exc:
            decided.append(exc.taken[0].value)
            raise

    monkeypatch.setattr(UniqueValueRepository, "move", move)
    headers = {"Authorization": f"Bearer {served.key}"}
    clients = [httpx.Client(base_url=served.url, headers=headers, timeout=30) for _ in range(2)]
    for side, client in zip(("left", "right"), clients, strict=True):
        first = client.put(f"/api/v1/employees/{side}", json=_employee(f"{side}@example.se", side))
        assert first.status_code == 201, first.text

    def write(side: int, external_id: str, email: str, gate: threading.Barrier) -> httpx.Response:
        body = _employee(email, external_id)
        gate.wait(timeout=15)
        return clients[side].put(f"/api/v1/employees/{external_id}", json=body)

    wins = {"created": 0, "updated": 0}
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for number in range(ROUNDS):
                email = f"round-{number}@example.se"
                # even rounds create two new employees, odd ones change the two existing ones
                ids = (
                    [f"new-{number}-a", f"new-{number}-b"] if number % 2 == 0 else ["left", "right"]
                )
                # the second writer spells the address differently: the same address all the same
                spellings = [email, f"  {email.upper()}"]
                gate = threading.Barrier(2)
                answers = list(pool.map(write, (0, 1), ids, spellings, (gate, gate), timeout=60))
                codes = sorted(answer.status_code for answer in answers)
                assert codes in ([201, 422], [200, 422]), (number, [a.text for a in answers])
                winner = next(a for a in answers if a.status_code != 422)
                loser = next(a for a in answers if a.status_code == 422)
                won_by = winner.json()["external_id"]
                wins[winner.json()["status"]] += 1
                (error,) = loser.json()["errors"]
                assert (error["path"], error["type"]) == ("$.email", "unique"), error
                assert f"already used by employee {won_by!r}" in error["message"], error
                assert holders(sessions, served.tenant_id, email) == [won_by], number
    finally:
        for client in clients:
            client.close()
    assert wins == {"created": ROUNDS // 2, "updated": ROUNDS // 2}
    bind = sessions.kw["bind"]
    if bind.dialect.name == "postgresql":
        # The requests really overlapped: in some rounds (most, in practice) both found the
        # address free before writing, and the unique index alone turned the second one away.
        assert decided
    else:
        # SQLite has one writer at a time, and a write request takes the write lock before it
        # reads: the second request of a round reads the first one's address and is refused
        # before it writes.
        assert decided == []


def _employee(email: str, name: str) -> dict[str, Any]:
    return {"email": email, "given_name": name, "family_name": "Lopp"}


def test_two_clients_patching_one_record_at_once_lose_neither_change(
    served: Served, sessions: sessionmaker[Session]
) -> None:
    # Each round two clients change different fields of one employee at the same moment with a
    # merge patch: both changes must be kept, and each write must get a version of its own.
    headers = {"Authorization": f"Bearer {served.key}"}
    clients = [httpx.Client(base_url=served.url, headers=headers, timeout=30) for _ in range(2)]
    first = clients[0].put("/api/v1/employees/both", json=_employee("both@example.se", "Båda"))
    assert first.status_code == 201, first.text
    patch_headers = {"Content-Type": "application/merge-patch+json"}

    def patch(side: int, change: dict[str, Any], gate: threading.Barrier) -> httpx.Response:
        gate.wait(timeout=15)
        return clients[side].patch("/api/v1/employees/both", json=change, headers=patch_headers)

    rounds = ROUNDS // 4
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for number in range(rounds):
                changes = [{"city": f"Stad {number}"}, {"address_line1": f"Gatan {number}"}]
                gate = threading.Barrier(2)
                answers = list(pool.map(patch, (0, 1), changes, (gate, gate), timeout=60))
                assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
                versions = sorted(a.json()["version"] for a in answers)
                assert versions == [2 + 2 * number, 3 + 2 * number], (number, versions)
                stored = clients[0].get("/api/v1/employees/both").json()["data"]
                assert (stored["city"], stored["address_line1"]) == (
                    f"Stad {number}",
                    f"Gatan {number}",
                ), number
    finally:
        for client in clients:
            client.close()
