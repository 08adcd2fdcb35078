"""What Fortnox assigns on a create goes back to the host record (an employee's ``EmployeeId``).

After a push flow created (or adopted) a record, :meth:`Flow.after_create` says which host fields
take a value Fortnox chose — for employees the ``employment_id``, when the host sent none or
Fortnox kept another. The record is stored with them (origin ``fortnox``) and a
``record.changed`` event tells the host, exactly as a first synchronization does. The link moves
to the new version when no host change came in meanwhile, so the write-back sends nothing more to
Fortnox; a change that did come in is still pushed.

A value another record of the tenant already holds (a unique field) is not written back; the
reason is returned for the run log.

It runs in the transaction that saves the new link: one commit per created record instead of
two. (Should that transaction fail, the write's marker stays open and the next run finds the
record in Fortnox by its natural key instead of creating it again.)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.outbox.events import changed_values, record_event
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link
from fortnox_bridge.store.unique import ValueTaken


def write_back(
    session: Session,
    clock: Clock,
    flow: Flow,
    link: Link,
    *,
    version: int,
) -> str | None:
    """Give the host record of ``link`` (just written at ``version``) what Fortnox assigned,
    in ``session``; returns why it could not be done, or ``None``."""
    tenant_id, external_id, fortnox_id = link.tenant_id, link.external_id, link.fortnox_id
    mirror = MirrorRepository(session)
    record = mirror.get(tenant_id, flow.entity, external_id)
    if record is None or record.deleted or fortnox_id is None:
        return None
    before = dict(record.payload)
    changes = flow.after_create(before, fortnox_id)
    if not changes:
        return None
    try:
        final = flow.record_model.model_validate({**before, **changes}).model_dump(
            mode="json", exclude_none=True
        )
    except ValueError as exc:
        return f"Fortnox's {', '.join(sorted(changes))} does not fit the host record: {exc}"
    untouched = record.version == version
    now = clock.now()
    try:
        with session.begin_nested():
            stored = mirror.upsert(
                tenant_id, flow.entity, external_id, final, now=now, origin="fortnox"
            )
    except ValueTaken as exc:
        return f"{', '.join(sorted(changes))} not written back to the host record: {exc}"
    new_version = stored.record.version
    record_event(
        session,
        tenant_id,
        "record.changed",
        entity=flow.entity,
        external_id=external_id,
        version=new_version,
        fortnox_id=fortnox_id,
        changed=changed_values(before, final),
        flow=flow.name,
        now=now,
    )
    if untouched and link.synced_version == version:
        # The snapshot stays what was sent: the written-back field is Fortnox's already.
        link.synced_version = new_version
    return None
