"""The flow contract for two-way pulls (a Fortnox register compared three ways with its push
counterpart), against the sandbox, on SQLite and PostgreSQL: first run, idle re-run, change and
delete in Fortnox, conflict, 429 storm, crash while reading, bad Fortnox record. A pull flow is
covered by adding its kit (``kits.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import Host
from .kits import KITS
from .test_flow_contract import FLOWS, Crash, Harness, crashing_reader

# A pull whose kit names scenarios of its own is tested there.
PULL = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.flow_kind() == "pull" and KITS[f.name].own_scenarios is None
]


@pytest.fixture
def harness(
    request: pytest.FixtureRequest,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    fortnox: FortnoxClient,
    host: Host,
) -> Harness:
    return Harness(request.param, sessions, clock, tenant, fortnox, host)


async def _pull_first(harness: Harness) -> FlowResult:
    resource = getattr(harness.fortnox, harness.flow.resource)
    for fields in harness.kit.remote:
        await resource.create(fields)
    harness.host.put(harness.flow.entity, dict(harness.kit.records))
    result, _ = await harness.run()
    return result


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_first_run_matches_and_reports(harness: Harness) -> None:
    result = await _pull_first(harness)
    matched = len(harness.kit.records)
    assert (result.adopted, result.skipped, result.failed) == (
        matched,
        len(harness.kit.remote) - matched,
        0,
    )
    # The list, and each matched record in full when the list leaves compared fields out.
    assert result.requests == 1 + (matched if harness.kit.partial_list else 0)


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_idle_rerun_costs_at_most_one_request(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await _pull_first(harness)
    before = await control.stats(company)
    result, summary = await harness.run()
    assert result.requests <= 1
    assert summary.requests <= 1
    after = await control.stats(company)
    assert after["write_requests"] == before["write_requests"]


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_change_in_fortnox_reaches_the_host(harness: Harness) -> None:
    await _pull_first(harness)
    assert harness.kit.remote_change is not None
    field, value, host_field = harness.kit.remote_change
    external_id = sorted(harness.kit.records)[0]
    await getattr(harness.fortnox, harness.flow.resource).update(
        harness.fortnox_id(external_id), {field: value}
    )
    result, summary = await harness.run()
    assert result.updated == 1
    # Read once (and the changed record in full when the list leaves compared fields out);
    # nothing written back.
    assert summary.requests == 1 + harness.kit.partial_list
    assert sum(r.write_requests for r in summary.flows) == 0
    assert harness.host.payload(harness.flow.entity, external_id)[host_field] == value


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_delete_in_fortnox_is_reported_and_not_written_again(
    harness: Harness, sandbox_state: SandboxState, company: int
) -> None:
    await _pull_first(harness)
    external_id = sorted(harness.kit.records)[0]
    fortnox_id = harness.fortnox_id(external_id)
    if harness.kit.remote_delete is not None:
        await harness.kit.remote_delete(harness.fortnox, fortnox_id)
    else:  # the API cannot delete these (employees): gone by other means, e.g. Fortnox support
        sandbox_state.companies[company].register(harness.flow.resource).remove(fortnox_id)
    result, _ = await harness.run()
    (missing,) = [i for i in result.items if i.action == "missing"]
    assert (missing.external_id, missing.problem) == (external_id, True)
    payload = harness.host.payload(harness.flow.entity, external_id)
    harness.host.put(harness.flow.entity, {external_id: {**payload, "city": "Visby"}})
    _, summary = await harness.run()
    assert summary.total("created") == 0  # not recreated behind the host's back
    held = [i.reason for r in summary.flows for i in r.items if i.external_id == external_id]
    assert "the Fortnox record was deleted in Fortnox" in held
    with harness.sessions.begin() as session:
        problems = ProblemRepository(session).open(harness.tenant)
        assert {problem.external_id for problem in problems} == {external_id}


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_conflict_stays_open_under_ask(harness: Harness) -> None:
    await _pull_first(harness)
    external_id = sorted(harness.kit.records)[0]
    payload = harness.host.payload(harness.flow.entity, external_id)
    harness.host.put(harness.flow.entity, {external_id: {**payload, "family_name": "Värd"}})
    await getattr(harness.fortnox, harness.flow.resource).update(
        harness.fortnox_id(external_id), {"last_name": "Fortnox"}
    )
    result, _ = await harness.run()
    assert result.conflicts == 1
    with harness.sessions.begin() as session:
        (conflict,) = ConflictRepository(session).open(harness.tenant)
        assert conflict.fields["last_name"]["fortnox"] == "Fortnox"
    stored = await getattr(harness.fortnox, harness.flow.resource).get(
        harness.fortnox_id(external_id)
    )
    assert stored.last_name == "Fortnox"
    assert harness.host.payload(harness.flow.entity, external_id)["family_name"] == "Värd"


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_429_storm_is_ridden_out(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await control.add_fault("429", count=3, method="GET")
    result = await _pull_first(harness)
    assert (result.adopted, result.failed) == (len(harness.kit.records), 0)
    assert (await control.stats(company))["responses_by_status"]["429"] == 3


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_crash_while_reading_changes_nothing_and_resumes(
    harness: Harness, control: SandboxControl, company: int, faulty: Any
) -> None:
    resource = getattr(harness.fortnox, harness.flow.resource)
    for fields in harness.kit.remote:
        await resource.create(fields)
    harness.host.put(harness.flow.entity, dict(harness.kit.records))
    crashing = await crashing_reader(control, company, faulty, ["salary"])
    with pytest.raises(Crash):
        await harness.run(crashing)
    await crashing.aclose()
    with harness.sessions.begin() as session:
        assert LinkRepository(session).by_external_id(harness.tenant, harness.flow.entity) == {}
    result, _ = await harness.run()
    assert (result.adopted, result.failed) == (len(harness.kit.records), 0)
    remote_count = len(await harness.remote())
    assert remote_count == len(harness.kit.remote)  # nothing created twice
    _idle, summary = await harness.run()
    assert summary.requests <= 1


@pytest.mark.parametrize("harness", PULL, indirect=True)
async def test_pull_bad_fortnox_record_fails_alone(harness: Harness) -> None:
    await _pull_first(harness)
    assert harness.kit.remote_bad is not None
    external_id = sorted(harness.kit.records)[0]
    before = harness.host.payload(harness.flow.entity, external_id)
    await getattr(harness.fortnox, harness.flow.resource).update(
        harness.fortnox_id(external_id), harness.kit.remote_bad
    )
    result, _ = await harness.run()
    assert result.failed == 1
    (failure,) = result.failures
    assert failure.external_id == external_id
    assert "do not fit the host record" in failure.message
    assert harness.host.payload(harness.flow.entity, external_id) == before
