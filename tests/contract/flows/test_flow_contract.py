"""Every registered flow through the same scenarios, against the sandbox, on SQLite and
PostgreSQL: first run, idle re-run, change, delete, conflict, 429 storm, crash and resume, bad
record. A new flow is covered by adding its kit (``kits.py``). The push scenarios are here; the
harness serves the other kinds' modules too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary
from fortnox_bridge.engine.sync.deriving import DerivedFlow
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.seed import EPOCH_STAMP
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.problems import ProblemRepository
from integration.families import use_family

from .conftest import SCOPES, URL, Host
from .kits import KITS, Kit

FLOWS = discover_flows()
# Derived flows (one host record → many Fortnox records) have their own scenarios:
# test_flow_contract_derived.py; so does a push whose kit names its own (``own_scenarios``).
PUSH = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.direction == "push"
    and not issubclass(f, DerivedFlow)
    and KITS.get(f.name, Kit(flows=[])).own_scenarios is None
]
# Two-way pulls: test_flow_contract_pull.py; imports (a register Fortnox owns, no push
# counterpart): test_flow_contract_import.py.
LEASE = timedelta(seconds=120)


class Crash(BaseException):
    """The worker dies here."""


class CrashAfterWrites(httpx.AsyncBaseTransport):
    """Lets ``ok`` writes to ``path`` through, then applies one more and dies."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, ok: int) -> None:
        self.inner, self.path, self.ok = inner, path, ok

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.startswith(self.path):
            if self.ok == 0:
                raise Crash
            self.ok -= 1
        return response


class CrashOnRead(httpx.AsyncBaseTransport):
    """Dies at the first read (GET); lets anything else through to ``inner``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            raise Crash
        return await self.inner.handle_async_request(request)


async def crashing_reader(
    control: SandboxControl, company: int, inner: httpx.AsyncBaseTransport, scopes: list[str]
) -> FortnoxClient:
    """A client of ``company`` whose process dies at its first read."""
    issued = await control.issue_tokens(company, scopes)
    return FortnoxClient(
        access_token=issued["access_token"], api_url=URL, transport=CrashOnRead(inner)
    )


class Harness:
    """Runs one flow (and the flows it depends on) for the contract scenarios."""

    def __init__(
        self,
        flow: type[Flow],
        sessions: sessionmaker[Session],
        clock: ManualClock,
        tenant: int,
        fortnox: FortnoxClient,
        host: Host,
    ) -> None:
        self.flow, self.kit = flow, KITS[flow.name]
        self.sessions, self.clock, self.tenant = sessions, clock, tenant
        self.fortnox, self.host = fortnox, host
        with sessions.begin() as session:
            use_family(session, tenant, family_of(flow))
            for each in self.kit.flows:
                FlowConfigRepository(session).put(
                    tenant, each.name, enabled=True, settings={}, now=clock.now()
                )
            for name, settings in self.kit.settings.items():  # a family's shared settings too
                FlowConfigRepository(session).put(
                    tenant, name, enabled=True, settings=settings, now=clock.now()
                )
        self.runner = Runner(sessions, clock=clock, flows=self.kit.flows, lease=LEASE)

    @property
    def path(self) -> str:
        return str(getattr(self.fortnox, self.flow.resource).description.path)

    async def run(self, client: FortnoxClient | None = None) -> tuple[FlowResult, RunSummary]:
        summary = await self.runner.run_cycle(self.tenant, client or self.fortnox)
        (result,) = [r for r in summary.flows if r.flow == self.flow.name]
        return result, summary

    @property
    def host_entity(self) -> str:
        """The entity the host sends the kit's records as (the flow's, unless it is built)."""
        return self.kit.source or self.flow.entity

    def built_id(self, external_id: str) -> str:
        """The id of the record the flow reads for a kit record (a salary day for a time
        entry); the kit record's own id for flows of host records."""
        return self.kit.built.get(external_id, external_id)

    async def first_run(self) -> FlowResult:
        for entity, records in self.kit.prerequisites.items():
            self.host.put(entity, dict(records))
        self.host.put(self.host_entity, dict(self.kit.records))
        result, _ = await self.run()
        return result

    async def remote(self) -> list[dict[str, Any]]:
        resource = getattr(self.fortnox, self.flow.resource)
        return [row.model_dump(mode="json") async for row in resource.iterate()]

    def fortnox_id(self, external_id: str) -> str:
        with self.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.flow.entity, external_id)
            assert link is not None
            return link.fortnox_id

    def keys(self, rows: list[dict[str, Any]]) -> list[str | None]:
        return sorted((self.flow().key_of(row) or "") for row in rows)


@pytest.fixture
def harness(
    request: pytest.FixtureRequest,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    fortnox: FortnoxClient,
    host: Host,
    sandbox_state: SandboxState,
    company: int,
) -> Harness:
    harness = Harness(request.param, sessions, clock, tenant, fortnox, host)
    for name, records in harness.kit.registers.items():  # in Fortnox before the first run
        register = sandbox_state.companies[company].register(name)
        for code, record in records.items():
            register.put(code, dict(record), EPOCH_STAMP)
    return harness


def test_every_flow_has_a_kit() -> None:
    missing = sorted(f.name for f in FLOWS if f.name not in KITS)
    assert missing == [], f"add a Kit for {missing} in tests/contract/flows/kits.py"


# -- push flows --------------------------------------------------------------------------------


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_first_run_creates_every_record(harness: Harness) -> None:
    result = await harness.first_run()
    assert (result.created, result.failed) == (len(harness.kit.records), 0)
    assert len(await harness.remote()) == len(harness.kit.records)


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_idle_rerun_costs_no_request(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await harness.first_run()
    before = await control.stats(company)
    result, summary = await harness.run()
    assert (result.requests, result.unchanged) == (0, len(harness.kit.records))
    assert summary.requests == 0
    assert (await control.stats(company))["requests_total"] == before["requests_total"]


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_change_sends_only_that_record(harness: Harness) -> None:
    await harness.first_run()
    assert harness.kit.change is not None
    external_id, payload, field, value = harness.kit.change
    harness.host.put(harness.flow.entity, {external_id: payload})
    result, _ = await harness.run()
    assert (result.updated, result.requests, result.write_requests) == (1, 1, 1)
    stored = await getattr(harness.fortnox, harness.flow.resource).get(
        harness.fortnox_id(external_id)
    )
    assert getattr(stored, field) == value


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_delete_reaches_fortnox(harness: Harness) -> None:
    await harness.first_run()
    external_id = sorted(harness.kit.records)[0]
    fortnox_id = harness.fortnox_id(external_id)
    harness.host.put(harness.flow.entity, {external_id: None})
    result, _ = await harness.run()
    assert (result.deleted, result.requests) == (1, 1)
    rows = await harness.remote()
    ids = {str(row.get(harness.flow.fortnox_id_field)) for row in rows}
    if harness.kit.deletes:
        assert fortnox_id not in ids
    else:
        stored = await getattr(harness.fortnox, harness.flow.resource).get(fortnox_id)
        field, value = harness.kit.deleted_as
        assert getattr(stored, field) == value
    again, _ = await harness.run()
    assert again.requests == 0


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_conflict_keeps_fortnox_edits_the_host_did_not_touch(
    harness: Harness,
) -> None:
    """A push flow's conflict: Fortnox edited one field, the host another; both survive."""
    await harness.first_run()
    assert harness.kit.change is not None
    assert harness.kit.fortnox_edit is not None
    external_id, payload, field, value = harness.kit.change
    edited, edit = harness.kit.fortnox_edit
    resource = getattr(harness.fortnox, harness.flow.resource)
    fortnox_id = harness.fortnox_id(external_id)
    await resource.update(fortnox_id, {edited: edit})
    harness.host.put(harness.flow.entity, {external_id: payload})
    await harness.run()
    stored = await resource.get(fortnox_id)
    assert (getattr(stored, field), getattr(stored, edited)) == (value, edit)


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_429_storm_is_ridden_out(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await control.add_fault("429", count=4, retry_after=1)
    result = await harness.first_run()
    assert (result.created, result.failed) == (len(harness.kit.records), 0)
    assert (await control.stats(company))["responses_by_status"]["429"] == 4


async def crash_during_first_writes(
    harness: Any, control: SandboxControl, company: int, faulty: Any, clock: ManualClock
) -> None:
    """Prerequisites written, then the kit's records: one answer lost, the process dead after
    two writes, and the dead worker's lease run out."""
    for entity, records in harness.kit.prerequisites.items():
        harness.host.put(entity, dict(records))
    await harness.run()  # the prerequisites are in Fortnox first
    harness.host.put(harness.host_entity, dict(harness.kit.records))
    await control.add_fault("drop_response", method="POST", path_prefix=harness.path, count=1)
    issued = await control.issue_tokens(company, SCOPES)
    crashing = FortnoxClient(
        access_token=issued["access_token"],
        api_url=URL,
        transport=CrashAfterWrites(faulty, harness.path, ok=2),
    )
    with pytest.raises(Crash):
        await harness.run(crashing)
    await crashing.aclose()
    clock.advance(LEASE.total_seconds() + 1)


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_crash_and_lost_answer_never_duplicate(
    harness: Harness, control: SandboxControl, company: int, faulty: Any, clock: ManualClock
) -> None:
    await crash_during_first_writes(harness, control, company, faulty, clock)
    result, _ = await harness.run()
    assert result.failed == 0
    rows = await harness.remote()
    assert len(rows) == len(harness.kit.records)
    flow = harness.flow()
    expected = [flow.key_of(flow.map(p)) for p in _mapped_payloads(harness)]
    assert harness.keys(rows) == sorted(expected)  # every record once, none twice
    idle, _ = await harness.run()
    assert idle.requests == 0


def _mapped_payloads(harness: Harness) -> list[dict[str, Any]]:
    ids = {}
    with harness.sessions.begin() as session:
        for entity in harness.flow.references.values():
            ids[entity] = {
                k: v.fortnox_id
                for k, v in LinkRepository(session).by_external_id(harness.tenant, entity).items()
            }
    payloads = []
    for payload in harness.kit.records.values():
        resolved = dict(payload)
        for host_field, entity in harness.flow.references.items():
            resolved[host_field] = ids[entity][payload[host_field]]
        payloads.append(resolved)
    return payloads


@pytest.mark.parametrize("harness", PUSH, indirect=True)
async def test_push_bad_record_fails_alone_and_is_one_problem(harness: Harness) -> None:
    assert harness.kit.bad is not None
    external_id, payload = harness.kit.bad
    harness.host.put(harness.flow.entity, {external_id: payload})
    first = await harness.first_run()
    assert (first.created, first.failed) == (len(harness.kit.records), 1)
    (failure,) = first.failures
    assert (failure.external_id, failure.status) == (external_id, 400)
    assert failure.message
    assert failure.reference
    held, _ = await harness.run()  # nothing changed: Fortnox is not asked again
    assert (held.failed, held.skipped, held.requests) == (0, 1, 0)
    with harness.sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(harness.tenant)
        assert (problem.external_id, problem.count) == (external_id, 1)
        ProblemRepository(session).resolve(problem, now=harness.clock.now())
    again, _ = await harness.run()
    # Resolved: the create again; a flow that matches existing Fortnox records reads their list
    # first.
    reads = (1 if harness.flow.match_existing else 0) + harness.kit.create_reads
    assert (again.failed, again.requests) == (1, 1 + reads)
    with harness.sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(harness.tenant)
        assert (problem.external_id, problem.count) == (external_id, 1)
