"""Who is writing: a worker id per process, and whether another worker's write is abandoned.

An in-flight write is marked with its worker's id and a lease. Another worker may take the write
over (look the record up, adopt or create it) when the lease has expired, or at once when the
owner was a process on this machine that no longer exists (a crash, ``kill -9``): waiting for the
lease would only delay recovery.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime

from fortnox_bridge.store.operations import PushOperationRepository


def new_worker_id() -> str:
    """``host:pid:random`` — unique per process start."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def abandoned(owner: str, lease_until: datetime | None, *, me: str, now: datetime) -> bool:
    """Whether a write marked by ``owner`` may be taken over by worker ``me``."""
    if owner == me:
        return False
    if lease_until is None or lease_until <= now:
        return True
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not _process_exists(int(pid))


def triage_active(
    operations: PushOperationRepository,
    tenant_id: int,
    entity: str,
    *,
    me: str,
    now: datetime,
    claim: bool,
) -> tuple[set[str], set[str]]:
    """Sort the entity's active writes: records whose create may have reached Fortnox (to look up
    before creating again) and records another worker is writing right now (to leave alone).

    With ``claim`` the stale ones become ``me``'s: a create is taken over, an update or delete is
    closed as failed (it is safe to plan afresh and send again).
    """
    recover: set[str] = set()
    in_flight: set[str] = set()
    for op in operations.active(tenant_id, entity):
        stale = op.status == "pending" or abandoned(op.owner, op.lease_until, me=me, now=now)
        if not stale:
            in_flight.add(op.external_id)
        elif op.kind == "create":
            recover.add(op.external_id)
            if claim:
                operations.take_over(op, me, now=now)
        elif claim:
            operations.finish(op, "failed", now=now, error="abandoned by its worker")
    return recover, in_flight
