"""The tenant list's stream section before any listener reported, and with one that did, in
English and Swedish (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.realtime.health import mark_stream
from fortnox_bridge.store.realtime import RealtimeRepository, StreamEvent
from integration.web.support import csrf_of


def test_the_tenant_list_tells_whether_changes_stream(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    page = signed_in.get("/ui/tenants").text
    assert "Changes from Fortnox as they happen" in page
    assert "No stream has reported yet: changes come with the sweeps." in page
    assert "Sweeps run on their interval: no stream is connected." in page

    mark_stream(sessions, "app-1", True, clock.now())
    event = StreamEvent("cost-centers", "o1", "cost-center-created-v1", 7, "K1")
    with sessions.begin() as session:
        RealtimeRepository(session).accept("app-1", event, 1, now=clock.now())
    clock.advance(12)
    page = signed_in.get("/ui/tenants").text
    assert 'data-app="app-1"' in page
    assert "since " in page
    assert "cost-centers: 12 s" in page  # K1 waits to be read
    assert "<td>1</td>" in page  # one event in the last minute
    assert "Sweeps run stretched: the stream brings the changes." in page

    signed_in.post("/ui/language", data={"csrf_token": csrf_of(page), "language": "sv"})
    swedish = signed_in.get("/ui/tenants").text
    assert "Ändringar från Fortnox när de sker" in swedish
    assert "Ansluten" in swedish
    assert "sedan " in swedish
    assert "Svepen körs glesare: strömmen för med sig ändringarna." in swedish
    assert "Changes from Fortnox" not in swedish
