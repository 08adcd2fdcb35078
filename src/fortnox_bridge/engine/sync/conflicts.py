"""Deciding an open conflict (policy ``ask``): the bridge's value or Fortnox's value wins.

``fortnox``: the host record takes Fortnox's values (the host sees them in the mirror).
``bridge``: the agreed snapshot takes Fortnox's values, so the next push sends the bridge's.
Either way the link is marked stale, so the next run looks at the record again. A decision per
field does both at once: the fields Fortnox wins go into the host record, the others are sent by
the next push (the conflict's resolution is then ``mixed``). The host changes the conflict held
back (change operations in status ``conflict``) are ``pending`` again, until that run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConflictError
from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import note_pushes
from fortnox_bridge.engine.sync.change_status import release_held
from fortnox_bridge.engine.sync.pulling import with_fortnox_values
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Conflict
from fortnox_bridge.store.unique import ValueTaken

Winner = Literal["bridge", "fortnox"]


def resolve_conflict(
    sessions: sessionmaker[Session],
    clock: Clock,
    tenant_id: int,
    conflict_id: int,
    winner: Winner,
    *,
    flows: Sequence[type[Flow]] | None = None,
    fields: Mapping[str, Winner] | None = None,
) -> dict[str, Any]:
    """Close conflict ``conflict_id`` with ``winner`` (``fields``: the winner of single fields,
    the others take ``winner``); returns the fields and values that won."""
    now = clock.now()
    with sessions.begin() as session:
        conflicts = ConflictRepository(session)
        conflict = conflicts.get(conflict_id)
        if conflict is None or conflict.tenant_id != tenant_id or conflict.status != "open":
            raise ConflictError(f"no open conflict {conflict_id} for this tenant")
        fortnox = {name: sides.get("fortnox") for name, sides in conflict.fields.items()}
        unknown = sorted(set(fields or {}) - set(conflict.fields))
        if unknown:
            raise ConflictError(
                f"conflict {conflict_id} has no field {', '.join(unknown)}; its fields: "
                + ", ".join(sorted(conflict.fields))
            )
        winners = {name: (fields or {}).get(name, winner) for name in conflict.fields}
        link = LinkRepository(session).get(tenant_id, conflict.entity_type, conflict.external_id)
        if link is not None:
            snapshot = dict(link.snapshot)
            for name, value in fortnox.items():
                if value is None:
                    snapshot.pop(name, None)
                else:
                    snapshot[name] = value
            link.snapshot, link.snapshot_hash = snapshot, fingerprint(snapshot)
            link.state, link.updated_at = "stale", now
        taken = {name: value for name, value in fortnox.items() if winners[name] == "fortnox"}
        if taken:
            _take_fortnox(session, tenant_id, conflict, taken, flows, now)
        if "bridge" in winners.values():  # the next push sends the bridge's values
            note_pushes(session, tenant_id, conflict.entity_type, [conflict.external_id])
        sides = set(winners.values())
        conflicts.resolve(conflict, sides.pop() if len(sides) == 1 else "mixed", now=now)
        release_held(session, conflict, now=now)
        won = {
            name: (
                sides_of.get("fortnox") if winners[name] == "fortnox" else sides_of.get("bridge")
            )
            for name, sides_of in conflict.fields.items()
        }
    return won


def _take_fortnox(
    session: Session,
    tenant_id: int,
    conflict: Conflict,
    fortnox: dict[str, Any],
    flows: Sequence[type[Flow]] | None,
    now: datetime,
) -> None:
    flow_cls = next((f for f in flows or discover_flows() if f.name == conflict.flow), None)
    if flow_cls is None:
        raise ConflictError(f"the flow {conflict.flow!r} of this conflict no longer exists")
    flow = flow_cls()
    mirror = MirrorRepository(session)
    record = mirror.get(tenant_id, flow.entity, conflict.external_id)
    if record is None:
        return
    try:
        checked = with_fortnox_values(flow, record.payload, fortnox)
    except ValidationError as exc:
        raise ConflictError(
            f"Fortnox's values do not fit the host record ({exc.errors()[0]['msg']}); "
            "let the bridge's values win or correct the record in Fortnox"
        ) from exc
    try:
        mirror.upsert(
            tenant_id, flow.entity, conflict.external_id, checked, now=now, origin="fortnox"
        )
    except ValueTaken as exc:
        raise ConflictError(
            f"Fortnox's values cannot be stored: {exc}; let the bridge's values win or correct "
            "the record in Fortnox"
        ) from None
