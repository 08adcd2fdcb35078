"""An import flow with a cursor (Fortnox's ``lastmodified``) reads only what changed since the
last read minus the overlap window — on SQLite and PostgreSQL.

The flow is declared here (outside ``fortnox_bridge.flows``, so discovery never picks it up): the
projects family will bring the real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.cursors import CursorRepository
from fortnox_bridge.store.mirror import MirrorRepository
from integration.families import use_family

from .conftest import SANDBOX_URL


class HostProject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str
    description: str
    status: str | None = None


class ProjectImport(Flow):
    name: ClassVar[str] = "projects.project.pull"
    entity: ClassVar[str] = "project"
    resource: ClassVar[str] = "projects"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "project_number"
    record_model: ClassVar[type[BaseModel]] = HostProject
    pull_fields: ClassVar[frozenset[str]] = frozenset({"project_number", "description", "status"})
    cursor_param: ClassVar[str | None] = "lastmodified"
    cursor_overlap: ClassVar[timedelta] = timedelta(minutes=5)

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "number": fields.get("project_number"),
            "description": fields.get("description"),
            "status": fields.get("status"),
        }


async def test_reads_restart_at_the_cursor_minus_the_overlap(
    sessions: sessionmaker[Session],
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    faulty_transport: Any,
) -> None:
    issued = await control.issue_tokens(company, ["project"])
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=faulty_transport
    )
    for number in ("P1", "P2"):
        await client.projects.create({"project_number": number, "description": f"Bygge {number}"})
    with sessions.begin() as session:
        use_family(session, tenant)
    runner = Runner(sessions, clock=clock, flows=[ProjectImport])
    first = await runner.run_cycle(tenant, client)
    assert (first.total("imported"), first.requests) == (2, 1)
    with sessions.begin() as session:
        cursor = CursorRepository(session).get(tenant, "projects.project.pull")
        assert cursor == clock.now()
        record = MirrorRepository(session).get(tenant, "project", "P1")
        assert record is not None
        assert (record.payload["description"], record.origin) == ("Bygge P1", "fortnox")

    clock.advance(1200)  # within the access token's hour
    idle = await runner.run_cycle(tenant, client)
    assert idle.status == "succeeded", idle.error
    # both projects changed within the overlap window before the cursor: read again, unchanged
    assert (idle.requests, idle.total("imported"), idle.total("unchanged")) == (1, 0, 2)
    log = await control.requests(tenant_id=company)
    since = (cursor - timedelta(minutes=5)).strftime("%Y-%m-%d+%H%%3A%M")
    assert f"lastmodified={since}" in log[-1]["query"]

    clock.advance(60)
    await client.projects.update("P2", {"description": "Bygge P2, etapp 2"})
    changed = await runner.run_cycle(tenant, client)
    assert changed.status == "succeeded", changed.error
    # P1 is older than the window now: only P2 comes back
    assert (changed.total("updated"), changed.total("imported"), changed.total("unchanged")) == (
        1,
        0,
        0,
    )
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant, "project", "P2")
        assert record is not None
        assert record.payload["description"] == "Bygge P2, etapp 2"
    await client.aclose()
