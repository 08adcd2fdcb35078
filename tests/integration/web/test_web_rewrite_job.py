"""The Mappings page's re-write under a changed cause mapping, as a background job: the button
answers at once, the card follows the job to its outcome (also in Swedish), a re-write refused
because another job writes to the tenant says so, and the absences end under the new code."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.web.context import WebContext
from integration.conftest import Bridge, Put, employee
from integration.web.support import another_writer, csrf_of
from integration.web.test_web_preview import client, context  # noqa: F401  (fixtures)

MONDAY = date(2026, 1, 5)


def _absence(days: int) -> dict[str, object]:
    return {
        "employee": "e001",
        "absence_type": "sick",
        "start": MONDAY.isoformat(),
        "end": (MONDAY + timedelta(days=days - 1)).isoformat(),
        "status": "approved",
    }


async def test_the_rewrite_runs_in_the_background_and_its_card_says_how_it_went(
    client: httpx.AsyncClient,  # noqa: F811
    bridge: Bridge,
    put: Put,
    context: WebContext,  # noqa: F811
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await bridge.connect()
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        settings = {"default_schedule": "HEL"}  # employees need a schedule in Fortnox
        configs.put(
            bridge.tenant, "hr.employee.push", enabled=True, settings=settings, now=clock.now()
        )
        configs.put(bridge.tenant, "hr.absence.push", enabled=True, settings={}, now=clock.now())
    put("employee", "e001", employee(1))
    put("absence_type", "sick", {"code": "sick", "name": "Sick leave"})
    put("absence", "a1", _absence(2))
    first = await bridge.service.sweep(bridge.tenant)
    assert (first.status, first.total("created")) == ("succeeded", 3), first  # e001, a1 (2 days)
    page = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings")).text
    token = {"csrf_token": csrf_of(page)}
    mapped = await client.post(
        f"/ui/tenants/{bridge.tenant}/mappings/causes", data={"cause-sick": "OS1", **token}
    )
    assert mapped.status_code == 303
    put("absence", "a1", _absence(3))  # changed after the mapping: its written days stay SJK
    await bridge.service.sweep(bridge.tenant)
    page = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings")).text
    assert "1 absence(s) do not follow the current mapping." in page
    assert 'id="rewrite-job"' not in page  # no re-write since the bridge started

    # Another job writes to the tenant: the re-write is refused, and the card says why.
    async with another_writer(bridge.service, bridge.tenant):
        refused = await client.post(f"/ui/tenants/{bridge.tenant}/mappings/rewrite", data=token)
        assert refused.status_code == 303
        assert refused.headers["location"] == f"/ui/tenants/{bridge.tenant}/mappings#rewrite"
        await context.jobs.join()
    card = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings/rewrite/job")).text
    assert 'data-state="done"' in card
    assert "The re-write did not run:" in card

    started = await client.post(f"/ui/tenants/{bridge.tenant}/mappings/rewrite", data=token)
    assert started.status_code == 303
    await context.jobs.join()
    card = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings/rewrite/job")).text
    assert "data-done" in card
    found = re.search(r"Re-wrote 1 absence\(s\) under the new mapping \(run (\d+)\)\.", card)
    assert found, card
    assert f"/runs/{found[1]}" in card
    page = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings")).text
    assert "0 absence(s) do not follow the current mapping." in page
    assert 'id="rewrite-job"' in page  # the card stays after a reload
    await client.post("/ui/language", data={"language": "sv", **token})
    swedish = (await client.get(f"/ui/tenants/{bridge.tenant}/mappings/rewrite/job")).text
    assert "Senaste omskrivningen" in swedish
    assert "Re-wrote" not in swedish
