"""The flow contract for derived flows (one host record → several Fortnox records), against the
sandbox, on SQLite and PostgreSQL: first run, idle re-run, change, delete, 429 storm, crash and
resume, bad record. A derived flow is covered by adding its kit (``kits.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.deriving import DerivedFlow, split_part_id
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.seed import EPOCH_STAMP
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import Host
from .test_flow_contract import FLOWS, Harness, crash_during_first_writes

DERIVED = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.direction == "push" and issubclass(f, DerivedFlow)
]


class DerivedHarness(Harness):
    """The contract harness with the kit's flow settings and the derived flow's part links."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        with self.sessions.begin() as session:
            for each in self.kit.flows:
                FlowConfigRepository(session).put(
                    self.tenant,
                    each.name,
                    enabled=True,
                    settings=self.kit.settings.get(each.name, {}),
                    now=self.clock.now(),
                )

    @property
    def part_entity(self) -> str:
        assert issubclass(self.flow, DerivedFlow)
        return self.flow.part.entity

    def part_ids(self, external_id: str) -> list[str]:
        """Fortnox ids of one host record's parts."""
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.tenant, self.part_entity)
            return [
                link.fortnox_id
                for key, link in links.items()
                if split_part_id(key)[0] == external_id
            ]

    def natural_keys(self, rows: list[dict[str, Any]]) -> list[str]:
        assert issubclass(self.flow, DerivedFlow)
        part = self.flow.part()
        return sorted(part.key_of(row) or "" for row in rows)


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
) -> DerivedHarness:
    harness = DerivedHarness(request.param, sessions, clock, tenant, fortnox, host)
    for name, records in harness.kit.registers.items():  # in Fortnox before the first run
        register = sandbox_state.companies[company].register(name)
        for code, record in records.items():
            register.put(code, dict(record), EPOCH_STAMP)
    return harness


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_first_run_creates_every_part(harness: DerivedHarness) -> None:
    result = await harness.first_run()
    assert (result.created, result.failed) == (len(harness.kit.records), 0)
    assert len(await harness.remote()) == len(harness.kit.records)
    for external_id in harness.kit.records:
        assert len(harness.part_ids(harness.built_id(external_id))) == 1


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_idle_rerun_costs_no_request(
    harness: DerivedHarness, control: SandboxControl, company: int
) -> None:
    await harness.first_run()
    before = await control.stats(company)
    result, summary = await harness.run()
    assert (result.requests, result.unchanged, summary.requests) == (0, len(harness.kit.records), 0)
    assert (await control.stats(company))["requests_total"] == before["requests_total"]


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_change_writes_only_that_records_parts(harness: DerivedHarness) -> None:
    await harness.first_run()
    assert harness.kit.change is not None
    external_id, payload, field, value = harness.kit.change
    harness.host.put(harness.host_entity, {external_id: payload})
    result, _ = await harness.run()
    assert (result.updated, result.write_requests) == (1, 1)
    (fortnox_id,) = harness.part_ids(harness.built_id(external_id))
    stored = await getattr(harness.fortnox, harness.flow.resource).get(fortnox_id)
    assert str(getattr(stored, field)) == value


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_delete_reaches_fortnox(harness: DerivedHarness) -> None:
    await harness.first_run()
    external_id = sorted(harness.kit.records)[0]
    (fortnox_id,) = harness.part_ids(harness.built_id(external_id))
    harness.host.put(harness.host_entity, {external_id: None})
    result, _ = await harness.run()
    assert (result.deleted, result.requests) == (1, 1)
    ids = {str(row.get(harness.flow.part.fortnox_id_field)) for row in await harness.remote()}
    assert fortnox_id not in ids
    assert len(ids) == len(harness.kit.records) - 1
    again, _ = await harness.run()
    assert again.requests == 0


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_429_storm_is_ridden_out(
    harness: DerivedHarness, control: SandboxControl, company: int
) -> None:
    await control.add_fault("429", count=4, retry_after=1)
    result = await harness.first_run()
    assert (result.created, result.failed) == (len(harness.kit.records), 0)
    assert (await control.stats(company))["responses_by_status"]["429"] == 4


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_crash_and_lost_answer_never_duplicate(
    harness: DerivedHarness, control: SandboxControl, company: int, faulty: Any, clock: ManualClock
) -> None:
    await crash_during_first_writes(harness, control, company, faulty, clock)
    harness.runner.owner = new_worker_id()  # the worker that died is replaced by a new one
    result, _ = await harness.run()
    assert result.failed == 0
    rows = await harness.remote()
    assert len(rows) == len(harness.kit.records)  # every part once, none twice
    assert len(set(harness.natural_keys(rows))) == len(rows)
    for external_id in harness.kit.records:
        assert len(harness.part_ids(harness.built_id(external_id))) == 1
    idle, _ = await harness.run()
    assert idle.requests == 0


@pytest.mark.parametrize("harness", DERIVED, indirect=True)
async def test_derived_bad_record_fails_alone_and_is_one_problem(harness: DerivedHarness) -> None:
    assert harness.kit.bad is not None
    external_id, payload = harness.kit.bad
    harness.host.put(harness.host_entity, {external_id: payload})
    first: FlowResult = await harness.first_run()
    assert (first.created, first.failed) == (len(harness.kit.records), 1)
    (failure,) = first.failures
    assert (failure.external_id, failure.status) == (harness.built_id(external_id), 400)
    assert failure.message
    assert failure.reference
    held, _ = await harness.run()  # nothing changed: Fortnox is not asked again
    assert (held.failed, held.skipped, held.requests) == (0, 1, 0)
    with harness.sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(harness.tenant)
        assert (problem.external_id, problem.count) == (harness.built_id(external_id), 1)
        ProblemRepository(session).resolve(problem, now=harness.clock.now())
    again, _ = await harness.run()  # resolved: tried again, refused again
    assert again.failed == 1
    with harness.sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(harness.tenant)
        assert (problem.external_id, problem.count) == (harness.built_id(external_id), 1)
