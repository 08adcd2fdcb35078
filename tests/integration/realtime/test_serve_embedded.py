"""The embedded mode as ``serve`` runs it, against a sandbox served on a socket with its
``/topics-v1``, nothing faked (SQLite and PostgreSQL): a cost centre created or renamed in
Fortnox reaches the host's event feed and the mirror through the real targeted read of that one
cost centre, an event the sandbox sends twice is read once, and a connection the sandbox drops
resumes with nothing missed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import text

from fortnox_bridge.config import Settings
from fortnox_bridge.runtime.jobs import EmbeddedJobs, open_jobs
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.families import use_family

from ..conftest import LiveSandbox

CHANGES = 8


async def _until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not true in time")


async def test_changes_in_fortnox_reach_the_bridge_once_through_serve_s_jobs(
    tmp_path: Path, live_sandbox: LiveSandbox, db_url: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        sandbox_url=live_sandbox.url,
        realtime_topics=["cost-centers"],
        realtime_renew_seconds=0.2,
    )
    assert settings.effective_realtime_url == f"ws{live_sandbox.url[4:]}/topics-v1"
    async with open_stack(settings) as stack, SandboxControl(live_sandbox.url) as control:
        with stack.sessions.begin() as session:
            tenant = TenantRepository(session).create("Realtid AB", now=stack.clock.now()).id
            use_family(session, tenant)  # its cost-centre import listens to the topic
        await stack.connect_sandbox(tenant)
        company = await stack.sandbox_company(tenant)
        jobs = open_jobs(stack)
        realtime = jobs.listening.realtime
        assert realtime is not None
        await jobs.start()
        try:
            await _until(lambda: "connected" in realtime.status().values())
            (listener,) = [led.listener for led in realtime.led.values()]

            def count(query: str) -> int:
                with stack.sessions.begin() as session:
                    return int(session.execute(text(query)).scalar() or 0)

            issued = await control.issue_tokens(company, ["costcenter"])
            headers = {"Authorization": f"Bearer {issued['access_token']}"}
            read = "SELECT count(*) FROM realtime_events WHERE handled_at IS NOT NULL"
            async with httpx.AsyncClient(base_url=live_sandbox.url, headers=headers) as api:
                await control.duplicate_events(2)
                await control.drop_connections(after=CHANGES // 2)
                for number in range(1, CHANGES + 1):
                    made = await api.post(
                        "/3/costcenters/",
                        json={"CostCenter": {"Code": f"R{number}", "Description": "Realtid"}},
                    )
                    assert made.status_code == 201, made.text
                await _until(lambda: count(read) >= CHANGES)
                renamed = await api.put(
                    "/3/costcenters/R1", json={"CostCenter": {"Description": "Omdöpt"}}
                )
                assert renamed.status_code == 200, renamed.text
            await _until(lambda: count(read) >= CHANGES + 1)
            assert isinstance(jobs, EmbeddedJobs)
            await jobs.in_process.join()
            assert listener.connections == 2  # the sandbox dropped the first one
            scraped = stack.metrics.render().decode()
            assert 'fortnox_bridge_realtime_connected{app="' in scraped
            assert f'fortnox_bridge_realtime_events_total{{result="accepted"}} {CHANGES + 1}.0' in (
                scraped
            )
            assert 'fortnox_bridge_realtime_lag_seconds{topic="cost-centers"} 0.0' in scraped
        finally:
            await jobs.stop()
        with stack.sessions.begin() as session:
            rows = session.execute(
                text("SELECT tenant_id, entity_id, count(*) FROM realtime_events GROUP BY 1, 2")
            ).all()
            stored = session.execute(text('SELECT "offset" FROM realtime_offsets')).scalar()
            lease = session.execute(
                text("SELECT count(*) FROM leases WHERE name LIKE 'realtime:%'")
            )
            assert lease.scalar() == 0  # given back on stop
            feed = [
                (e.type, e.external_id)
                for e in EventRepository(session).after(tenant, 0, limit=1000)
                if e.entity_type == "cost_center"
            ]
            mirror = {
                r.external_id: r.payload["name"]
                for r in MirrorRepository(session).live(tenant, "cost_center")
            }
        assert {(t, e): c for t, e, c in rows} == {
            **{(tenant, f"R{n}"): 1 for n in range(1, CHANGES + 1)},
            (tenant, "R1"): 2,  # created, then renamed: two events, each read once
        }
        # The host's feed: each cost centre created once, R1's new name as a change.
        created = sorted(e for t, e in feed if t == "record.created")
        assert created == sorted(f"R{n}" for n in range(1, CHANGES + 1))
        assert ("record.changed", "R1") in feed
        assert mirror == {"R1": "Omdöpt", **{f"R{n}": "Realtid" for n in range(2, CHANGES + 1)}}
        events = await control.topic_events("cost-centers")
        assert stored == events[-1]["offset"]
        assert realtime.intake.accepted == CHANGES + 1
        assert realtime.intake.duplicates >= 2  # sent twice by the sandbox
        log = await control.requests(company, limit=200)
        reads = sorted(
            r["path"].rsplit("/", 1)[1]
            for r in log
            if r["method"] == "GET" and r["path"].startswith("/3/costcenters/")
        )
        # one read of the one cost centre per event; the duplicates cost nothing
        assert reads == sorted(["R1", *(f"R{n}" for n in range(1, CHANGES + 1))])
