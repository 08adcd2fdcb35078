"""The flow contract for imports (a register Fortnox owns, read into the bridge), against the
sandbox, on SQLite and PostgreSQL: first run, idle re-run, new and changed records in Fortnox,
delete in Fortnox, 429 storm, crash while reading, bad Fortnox record. An import flow is covered
by adding its kit (``kits.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository

from .conftest import SCOPES, Host
from .kits import KITS
from .test_flow_contract import FLOWS, Crash, Harness, crashing_reader

IMPORT = [pytest.param(f, id=f.name) for f in FLOWS if f.flow_kind() == "import"]
#: The imports of registers Fortnox can delete from (suppliers it cannot): the delete scenario.
DELETABLE = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.flow_kind() == "import" and KITS[f.name].remote_delete is not None
]

#: The imports that update a record Fortnox changed (an account keeps its first name): the
#: change scenario and the bad-record scenario (a bad change must fail alone).
UPDATING = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.flow_kind() == "import" and f.import_updates and KITS[f.name].remote_change is not None
]
REFUSABLE = [
    pytest.param(f, id=f.name)
    for f in FLOWS
    if f.flow_kind() == "import" and f.import_updates and KITS[f.name].remote_bad is not None
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
    harness = Harness(request.param, sessions, clock, tenant, fortnox, host)
    with sessions.begin() as session:  # the kit's settings (an account import's range)
        for name, settings in harness.kit.settings.items():
            FlowConfigRepository(session).put(
                tenant, name, enabled=True, settings=settings, now=clock.now()
            )
    return harness


async def _import_first(harness: Harness) -> Any:
    resource = getattr(harness.fortnox, harness.flow.resource)
    for fields in harness.kit.remote:
        await resource.create(fields)
    result, _ = await harness.run()
    return result


def _stored(harness: Harness) -> dict[str, dict[str, Any]]:
    """The live imported records, by external id."""
    with harness.sessions.begin() as session:
        rows = MirrorRepository(session).live(harness.tenant, harness.flow.entity)
        return {row.external_id: dict(row.payload) for row in rows}


def _remote_ids(harness: Harness) -> list[str]:
    return sorted(str(fields[harness.flow.fortnox_id_field]) for fields in harness.kit.remote)


@pytest.mark.parametrize("harness", IMPORT, indirect=True)
async def test_import_first_run_brings_every_record(harness: Harness) -> None:
    result = await _import_first(harness)
    assert (result.imported, result.failed) == (len(harness.kit.remote), 0)
    assert (result.requests, result.write_requests) == (1, 0)
    assert sorted(_stored(harness)) == _remote_ids(harness)


@pytest.mark.parametrize("harness", IMPORT, indirect=True)
async def test_import_idle_rerun_reads_once_and_writes_nothing(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await _import_first(harness)
    before = await control.stats(company)
    result, summary = await harness.run()
    assert (result.unchanged, result.imported, result.updated) == (len(harness.kit.remote), 0, 0)
    assert summary.requests <= 1
    assert (await control.stats(company))["write_requests"] == before["write_requests"]


@pytest.mark.parametrize("harness", UPDATING, indirect=True)
async def test_import_change_and_new_record_in_fortnox_reach_the_bridge(
    harness: Harness,
) -> None:
    await _import_first(harness)
    assert harness.kit.remote_change is not None
    field, value, host_field = harness.kit.remote_change
    external_id = _remote_ids(harness)[0]
    resource = getattr(harness.fortnox, harness.flow.resource)
    await resource.update(external_id, {field: value})
    result, summary = await harness.run()
    assert (result.updated, result.imported) == (1, 0)
    assert sum(r.write_requests for r in summary.flows) == 0
    assert _stored(harness)[external_id][host_field] == value
    await resource.create({**harness.kit.remote[0], harness.flow.fortnox_id_field: "NY1"})
    again, _ = await harness.run()
    assert (again.imported, again.updated) == (1, 0)
    assert "NY1" in _stored(harness)


@pytest.mark.parametrize("harness", DELETABLE, indirect=True)
async def test_import_delete_in_fortnox_deletes_in_the_bridge(harness: Harness) -> None:
    remote_delete = harness.kit.remote_delete
    assert remote_delete is not None
    await _import_first(harness)
    external_id = _remote_ids(harness)[0]
    await remote_delete(harness.fortnox, external_id)
    result, _ = await harness.run()
    assert result.deleted == 1
    assert external_id not in _stored(harness)
    with harness.sessions.begin() as session:
        assert LinkRepository(session).get(harness.tenant, harness.flow.entity, external_id) is None
    again, _ = await harness.run()
    assert again.deleted == 0


@pytest.mark.parametrize("harness", IMPORT, indirect=True)
async def test_import_429_storm_is_ridden_out(
    harness: Harness, control: SandboxControl, company: int
) -> None:
    await control.add_fault("429", count=3, method="GET")
    result = await _import_first(harness)
    assert (result.imported, result.failed) == (len(harness.kit.remote), 0)
    assert (await control.stats(company))["responses_by_status"]["429"] == 3


@pytest.mark.parametrize("harness", IMPORT, indirect=True)
async def test_import_crash_while_reading_changes_nothing_and_resumes(
    harness: Harness, control: SandboxControl, company: int, faulty: Any
) -> None:
    resource = getattr(harness.fortnox, harness.flow.resource)
    for fields in harness.kit.remote:
        await resource.create(fields)
    crashing = await crashing_reader(control, company, faulty, SCOPES)
    with pytest.raises(Crash):
        await harness.run(crashing)
    await crashing.aclose()
    assert _stored(harness) == {}
    result, _ = await harness.run()
    assert (result.imported, result.failed) == (len(harness.kit.remote), 0)
    _idle, summary = await harness.run()
    assert summary.requests <= 1


@pytest.mark.parametrize("harness", REFUSABLE, indirect=True)
async def test_import_bad_fortnox_record_fails_alone(harness: Harness) -> None:
    await _import_first(harness)
    assert harness.kit.remote_bad is not None
    external_id = _remote_ids(harness)[0]
    before = _stored(harness)
    await getattr(harness.fortnox, harness.flow.resource).update(
        external_id, harness.kit.remote_bad
    )
    result, _ = await harness.run()
    assert (result.failed, result.unchanged) == (1, len(harness.kit.remote) - 1)
    (failure,) = result.failures
    assert failure.external_id == external_id
    assert "does not fit the host record" in failure.message
    assert _stored(harness) == before
