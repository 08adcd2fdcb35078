"""A record whose write Fortnox refused and that was not sent again: the run page says why and
when it is sent again, in English and Swedish."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of

HELD = (
    "not sent again: Fortnox refused it on 2026-01-01 09:30 (2000588): Ogiltigt konto; it is "
    "sent again when the record changes, when the problem is resolved, or after 24 hours"
)


def test_the_run_page_says_why_a_refused_record_was_not_sent_again(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Held AB", now=clock.now()).id
        runs = RunRepository(session)
        run = runs.start(tenant, "sweep", now=clock.now())
        runs.finish(run.id, "ok", now=clock.now(), counts={"skipped": 1}, requests=0)
        item = ItemRecord("projects.supplier_invoice.push", "si12", "skip", "skipped", HELD)
        runs.add_items(run.id, [item])
        run_id = run.id
    english = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}")
    assert english.status_code == 200
    assert HELD in english.text
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(english.text)})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/runs/{run_id}")
    assert (
        "skickas inte igen: Fortnox nekade den 2026-01-01 09:30 (2000588): Ogiltigt konto; den "
        "skickas igen när posten ändras, när problemet markeras som åtgärdat eller efter 24 "
        "timmar"
    ) in swedish.text
