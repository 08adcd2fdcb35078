"""Records the bridge builds by grouping member records under a key (salary days: the time entries
of one employee on one day), refreshed from what changed since the last build.

A :class:`Grouping` says which host entity is grouped (the members), which registers the built
payload also reads (a change of one rebuilds everything), which built entity each kind of member
goes to, and the pure functions that key, sort and build. :func:`refresh_grouped` recomputes the
keys touched by members and registers changed since the last refresh (by version: each source
record's version built in is kept under the grouping's name, so a change committed while a
refresh runs is seen by the next) and stores a built record only when it really changed, so its
version — and so "needs a look" of the flows that read it — moves only for real changes. A key
left without members is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.built import BuiltSourceRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import MirrorRecord

#: Members of one key: ``(host id, payload)``.
Members = list[tuple[str, dict[str, Any]]]
#: The registers' live payloads by entity, then host id.
RegisterPayloads = Mapping[str, Mapping[str, Mapping[str, Any] | None]]


@dataclass(frozen=True)
class Grouping:
    """How a builder groups member records into built records (see the module's docstring)."""

    #: Under this name the versions built in are kept (``built_sources.builder``).
    name: str
    #: The host entity grouped (``time_entry``).
    member: str
    #: Host entities the built payload also reads (projects, absence types).
    registers: tuple[str, ...]
    #: The built entity of each kind of member.
    entities: Mapping[str, str]
    #: The key (built record's host id) of a member's payload, ``None``: on no key.
    key: Callable[[Mapping[str, Any]], str | None]
    #: The kind of a member's payload (a key of :attr:`entities`).
    kind_of: Callable[[Mapping[str, Any]], str]
    #: The built payload of a key from its members of one kind and the registers. Pure.
    build: Callable[[str, Members, RegisterPayloads], dict[str, Any]]
    #: Who wrote a built record in the mirror.
    origin: str = "derived"


@dataclass
class RefreshResult:
    """What a refresh did."""

    #: Keys looked at.
    looked_at: int = 0
    #: ``<entity>:<host id>`` of the records stored anew, changed or deleted.
    changed: list[str] = field(default_factory=list)


def refresh_grouped(
    sessions: sessionmaker[Session], tenant_id: int, clock: Clock, grouping: Grouping
) -> RefreshResult:
    """Recompute the built records touched by changes since the last refresh (see the module's
    docstring)."""
    started = clock.now()
    result = RefreshResult()
    with sessions.begin() as session:
        built = BuiltSourceRepository(session)
        first = not built.any(tenant_id, grouping.name)
        mirror = MirrorRepository(session)
        sources = (grouping.member, *grouping.registers)
        changed = built.unbuilt(tenant_id, grouping.name, sources)
        full = first or any(r.entity_type != grouping.member for r in changed)
        loaded = _Loaded(session, mirror, tenant_id, grouping)
        if full:
            members = loaded.by_key(mirror.live(tenant_id, grouping.member))
            touched = set(members) | loaded.ids()
        else:
            members, touched = loaded.members_of_touched(changed)
        registers = {
            entity: {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, entity)}
            for entity in grouping.registers
        }
        for key in sorted(touched):
            result.looked_at += 1
            found = members.get(key, [])
            result.changed += _store(mirror, tenant_id, grouping, key, found, registers, started)
        built.mark(tenant_id, grouping.name, changed)
    return result


def _store(
    mirror: MirrorRepository,
    tenant_id: int,
    grouping: Grouping,
    key: str,
    members: Members,
    registers: RegisterPayloads,
    now: datetime,
) -> list[str]:
    """Build (or delete) the records of ``key``, one per kind; those that changed."""
    changed: list[str] = []
    for kind, entity in grouping.entities.items():
        mine = [(i, e) for i, e in members if grouping.kind_of(e) == kind]
        if mine:
            payload = grouping.build(key, mine, registers)
            outcome = mirror.upsert(
                tenant_id, entity, key, payload, now=now, origin=grouping.origin
            ).outcome
        else:
            gone = mirror.delete(tenant_id, entity, key, now=now)
            outcome = gone.outcome if gone is not None else "unchanged"
        if outcome != "unchanged":
            changed.append(f"{entity}:{key}")
    return changed


@dataclass(frozen=True)
class _Row:
    external_id: str
    payload: dict[str, Any]
    deleted: bool


def _listed(row: Any) -> list[str]:
    if row is None or row.deleted:
        return []
    return list(row.payload.get("entries", []))


class _Loaded:
    """The stored built records and members of a tenant, read as needed."""

    def __init__(
        self, session: Session, mirror: MirrorRepository, tenant_id: int, grouping: Grouping
    ) -> None:
        self.session, self.mirror, self.tenant_id = session, mirror, tenant_id
        self.grouping = grouping

    def by_key(self, records: Iterable[Any]) -> dict[str, Members]:
        """Live members (mirror records or rows) by their key."""
        found: dict[str, Members] = {}
        for record in records:
            key = self.grouping.key(record.payload)
            if key is not None and not record.deleted:
                found.setdefault(key, []).append((record.external_id, dict(record.payload)))
        return found

    def ids(self) -> set[str]:
        """The keys of the live built records."""
        return set(
            self.session.scalars(
                select(MirrorRecord.external_id).where(
                    MirrorRecord.tenant_id == self.tenant_id,
                    MirrorRecord.entity_type.in_(tuple(self.grouping.entities.values())),
                    MirrorRecord.deleted.is_(False),
                )
            )
        )

    def rows(self, ids: set[str]) -> list[Any]:
        """The stored built records among ``ids``, of every kind."""
        return [
            row
            for entity in self.grouping.entities.values()
            for row in self.mirror.rows(self.tenant_id, entity, ids).values()
        ]

    def members_of_touched(
        self, changed: list[MirrorRecord]
    ) -> tuple[dict[str, Members], set[str]]:
        """The keys changed members were and are on, with the members they hold now.

        A built record's ``entries`` list the members it held at the last refresh; a changed
        member was on the key it still names when deleted, on its current key when that record
        lists it, and otherwise (moved to another key) on whichever record lists it.
        """
        key = self.grouping.key
        touched = {k for k in (key(r.payload) for r in changed) if k is not None}
        stored = self.rows(touched)
        listed: dict[str, set[str]] = {}
        for row in stored:
            listed.setdefault(row.external_id, set()).update(_listed(row))
        moved = {
            r.external_id
            for r in changed
            if not r.deleted
            and r.version > 1
            and r.external_id not in listed.get(key(r.payload) or "", set())
        }
        if moved:
            for entity in self.grouping.entities.values():
                for record in self.mirror.live(self.tenant_id, entity):
                    if moved & set(record.payload.get("entries", [])):
                        touched.add(record.external_id)
            stored = self.rows(touched)
        ids: set[str] = {r.external_id for r in changed}
        for row in stored:
            ids.update(_listed(row))
        current = self.mirror.rows(self.tenant_id, self.grouping.member, ids)
        members = self.by_key(
            _Row(row.external_id, row.payload, row.deleted) for row in current.values()
        )
        return {k: v for k, v in members.items() if k in touched}, touched
