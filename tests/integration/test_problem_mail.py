"""Failures e-mailed per run, received by a real local SMTP server: each failing record named
by its reference in words, a reminder after every sweep while it stands (``remind``) or once
and then the digest (``digest``, the default), nothing when nothing failed."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.notifications import NotificationRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.families import use_family

from .conftest import RECIPIENTS, Bridge, Inbox, Put, employee

EXPORT = "projects.construction_project.push"
PROJECT = "construction project p9 (10000.1 Tillbyggnad Ekbacken)"
EMPLOYEE = "employee e007 (utan.efternamn@engine.se)"


def _setup(bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, mode: str) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(bridge.tenant)
        assert tenant is not None
        tenant.problem_mail = mode
        use_family(session, bridge.tenant)
        FlowConfigRepository(session).put(
            bridge.tenant, EXPORT, enabled=True, settings={}, now=clock.now()
        )


def _two_failures(put: Put) -> None:
    """A project whose number Fortnox cannot take and an employee Fortnox refuses."""
    put(
        "construction_project",
        "p9",
        {"number": "10000.1", "name": "Tillbyggnad Ekbacken", "status_code": 50},
    )
    put("employee", "e007", {"email": "utan.efternamn@engine.se", "given_name": "Utan"})


async def _sweep(bridge: Bridge, clock: ManualClock) -> list[EmailMessage]:
    """One sweep, half an hour later; the e-mails it sent."""
    clock.advance(1800)
    before = len(bridge.inbox.messages)
    await bridge.service.sweep(bridge.tenant)
    return [message for _, message in bridge.inbox.messages[before:]]


async def test_remind_mails_every_failure_of_each_sweep_while_it_stands(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    _setup(bridge, sessions, clock, "remind")
    _two_failures(put)
    (first,) = await _sweep(bridge, clock)
    assert str(first["Subject"]) == "[fortnox-bridge] Engine AB: 2 records were not synchronised"
    assert first["To"] == ", ".join(RECIPIENTS)
    text = Inbox.text(first)
    assert f"Reference: {PROJECT}" in text
    assert f"Reference: {EMPLOYEE}" in text
    assert "(HTTP 400)" in text  # Fortnox's answer to the employee
    assert "Not sent: the record cannot be mapped: project number" in text
    assert "no dot" in text  # why the project number cannot go
    assert "How to fix it:" in text
    assert "e-mails you again after each sweep" in text
    assert PROJECT in Inbox.html(first)
    assert EMPLOYEE in Inbox.html(first)

    (again,) = await _sweep(bridge, clock)  # nothing corrected: the same two again
    assert str(again["Subject"]) == str(first["Subject"])
    assert "Seen 2 times" in Inbox.text(again)

    put("construction_project", "p9", {"number": "10001", "name": "Tillbyggnad", "status_code": 50})
    (left,) = await _sweep(bridge, clock)
    assert str(left["Subject"]) == f"[fortnox-bridge] Engine AB: {EMPLOYEE} was not synchronised"
    assert PROJECT not in Inbox.text(left)

    put("employee", "e007", employee(7))
    assert await _sweep(bridge, clock) == []  # nothing failed: no e-mail
    with sessions.begin() as session:
        log = NotificationRepository(session).for_tenant(bridge.tenant)
        assert [n.kind for n in log] == ["connection", "reminder", "reminder", "reminder"]
        assert {n.status for n in log} == {"sent"}


async def test_digest_mails_new_failures_once_and_not_at_the_next_sweep(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    _setup(bridge, sessions, clock, "digest")
    _two_failures(put)
    first = await _sweep(bridge, clock)
    assert [str(m["Subject"]).split(": ", 1)[1] for m in first] == [
        "2 new problems",
        "2 open problems",
    ]
    text = Inbox.text(first[0])
    assert f"Reference: {PROJECT}" in text
    assert f"Reference: {EMPLOYEE}" in text
    assert "no further e-mail" in text
    assert await _sweep(bridge, clock) == []  # the failures stand, but were told already


async def test_no_failure_no_email_in_either_mode(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    put("construction_project", "p1", {"number": "10001", "name": "Skolan", "status_code": 50})
    put("employee", "e001", employee(1))
    for mode in ("remind", "digest"):
        _setup(bridge, sessions, clock, mode)
        assert await _sweep(bridge, clock) == []
    assert bridge.inbox.subjects() == ["[fortnox-bridge] Engine AB: Fortnox connection active"]


async def test_remind_tells_an_event_driven_push_s_new_failure_and_reminds_at_the_sweep(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    _setup(bridge, sessions, clock, "remind")
    await bridge.service.sweep(bridge.tenant)  # nothing to send yet
    put("employee", "e007", {"email": "utan.efternamn@engine.se", "given_name": "Utan"})
    before = len(bridge.inbox.messages)
    await bridge.service.push(bridge.tenant, {"employee": ["e007"]})
    await bridge.service.push(bridge.tenant, {"employee": ["e007"]})  # told already
    assert bridge.inbox.subjects()[before:] == [
        f"[fortnox-bridge] Engine AB: {EMPLOYEE} was not synchronised"
    ]
    (reminder,) = await _sweep(bridge, clock)
    assert (
        str(reminder["Subject"]) == f"[fortnox-bridge] Engine AB: {EMPLOYEE} was not synchronised"
    )
    assert "e-mails you again after each sweep" in Inbox.text(reminder)
