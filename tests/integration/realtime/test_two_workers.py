"""Two ``fortnox-bridge worker`` processes on PostgreSQL and a standalone sandbox, with short
lease settings: one holds the stream; killed (``kill -9``) mid-stream, the other takes over from
the stored offset, and every change made in Fortnox reaches the bridge exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from fortnox_bridge.store.db import open_engine, session_factory

from ..conftest import LiveSandbox
from ..test_cli_service import TENANT, _company
from ..test_cli_worker import _invoke

pytestmark = pytest.mark.postgres
CHANGES = 24


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """PostgreSQL only: the distributed mode keeps its jobs there."""
    return postgres_url


class Worker:
    """A worker process whose output goes to a file (read, never piped full)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "fortnox_bridge", "worker", "--concurrency", "2"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        found = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def text(self) -> str:
        return self.log.read_text()


def _wait(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.popen.poll() is None:
            worker.popen.send_signal(signal.SIGINT)
            try:
                worker.popen.wait(30)
            except subprocess.TimeoutExpired:
                worker.popen.kill()
                worker.popen.wait(30)


def test_the_leader_killed_mid_stream_is_replaced_and_no_change_is_lost_or_doubled(
    tmp_path: Path, db_url: str, live_sandbox: LiveSandbox, workers: list[Worker]
) -> None:
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def cli(*args: str) -> Any:
        return _invoke(*args, *common, FORTNOX_BRIDGE_DATABASE_URL=db_url)

    # A projects tenant: its cost-centre import reads what the events name.
    added = cli("tenants", "add", TENANT, "--email", "ekonomi@cli.se")
    assert added.exit_code == 0, added.output
    chosen = cli("tenants", "set", TENANT, "--family", "projects")
    assert chosen.exit_code == 0, chosen.output
    connected = cli("connect", "--tenant", TENANT)
    assert connected.exit_code == 0, connected.output
    company = _company(db_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env.update(
        FORTNOX_BRIDGE_QUEUE="procrastinate",
        FORTNOX_BRIDGE_DATABASE_URL=db_url,
        FORTNOX_BRIDGE_SANDBOX_URL=live_sandbox.url,
        FORTNOX_BRIDGE_DATA_DIR=str(tmp_path / "var"),
        FORTNOX_BRIDGE_REALTIME_TOPICS='["cost-centers"]',
        FORTNOX_BRIDGE_REALTIME_LEASE_SECONDS="3",
        FORTNOX_BRIDGE_REALTIME_RENEW_SECONDS="0.5",
        FORTNOX_BRIDGE_QUEUE_STALLED_SECONDS="2",
        FORTNOX_BRIDGE_QUEUE_POLL_SECONDS="0.2",
        FORTNOX_BRIDGE_LOG_LEVEL="INFO",
        FORTNOX_BRIDGE_LOG_FORMAT="json",
    )
    for name in ("one", "two"):
        workers.append(Worker(env, tmp_path / f"{name}.log"))
    engine = open_engine(db_url)
    sessions = session_factory(engine)

    def scalar(query: str) -> Any:
        with sessions.begin() as session:
            return session.execute(text(query)).scalar()

    def holder() -> str | None:
        found = scalar("SELECT holder FROM leases WHERE name LIKE 'realtime:%'")
        return str(found) if found else None

    _wait(lambda: holder() is not None, "a leader")
    _wait(
        lambda: any(w.text().count("realtime stream open") for w in workers), "the stream to open"
    )
    leader_pid = int(str(holder()).split(":")[1])
    (leader,) = [w for w in workers if w.popen.pid == leader_pid]
    (other,) = [w for w in workers if w is not leader]

    issued = httpx.post(
        f"{live_sandbox.url}/_sandbox/companies/{company}/tokens", json={"scopes": ["costcenter"]}
    ).json()
    api = httpx.Client(
        base_url=live_sandbox.url, headers={"Authorization": f"Bearer {issued['access_token']}"}
    )

    def change(number: int) -> None:
        made = api.post(
            "/3/costcenters/",
            json={"CostCenter": {"Code": f"CC{number}", "Description": f"Centre {number}"}},
        )
        assert made.status_code == 201, made.text

    def changes() -> None:  # a steady stream of changes in Fortnox
        for number in range(1, CHANGES + 1):
            change(number)
            time.sleep(0.1)

    writer = threading.Thread(target=changes)
    writer.start()
    _wait(lambda: scalar("SELECT count(*) FROM realtime_events") >= 4, "the first events")
    leader.popen.send_signal(signal.SIGKILL)  # mid-stream
    leader.popen.wait(10)
    accepted_by_the_leader = scalar("SELECT count(*) FROM realtime_events")
    writer.join()

    _wait(
        lambda: (
            scalar("SELECT count(*) FROM realtime_events WHERE handled_at IS NOT NULL") >= CHANGES
        ),
        "every change read",
        seconds=90,
    )
    assert 4 <= accepted_by_the_leader < CHANGES
    assert holder() is not None
    assert int(str(holder()).split(":")[1]) == other.popen.pid
    assert other.text().count("realtime stream open") == 1
    # Every change accepted once: one event row each, every one read.
    with sessions.begin() as session:
        rows = session.execute(
            text("SELECT entity_id, count(*) FROM realtime_events GROUP BY entity_id")
        ).all()
    assert {str(e): int(c) for e, c in rows} == {f"CC{n}": 1 for n in range(1, CHANGES + 1)}
    # The fetch jobs run by both processes: each change once (a job the killed worker was
    # running when it died is run again by the other; allowed for, and counted apart).
    asked: Counter[str] = Counter()
    for worker in workers:
        for line in worker.lines():
            if line.get("message") == "fetch finished":
                asked.update(line["fetched"].get("cost-centers", []))
    # The host's feed: each cost centre created once, even where its read ran twice.
    with sessions.begin() as session:
        fed = session.execute(
            text(
                "SELECT external_id, count(*) FROM events WHERE type = 'record.created' "
                "AND entity_type = 'cost_center' GROUP BY external_id"
            )
        ).all()
    assert {str(e): int(c) for e, c in fed} == {f"CC{n}": 1 for n in range(1, CHANGES + 1)}
    rerun = [e for e, n in asked.items() if n > 1]
    assert set(asked) == {f"CC{n}" for n in range(1, CHANGES + 1)}
    recovered = sum(w.text().count("job of a dead worker") for w in workers)
    assert not rerun or recovered, (rerun, asked)
    # The offset stored is the last change's.
    last = scalar("SELECT \"offset\" FROM realtime_offsets WHERE topic = 'cost-centers'")
    events = httpx.get(
        f"{live_sandbox.url}/_sandbox/topics/events", params={"topic": "cost-centers"}
    ).json()
    assert last == events[-1]["offset"]
    api.close()
    engine.dispose()
