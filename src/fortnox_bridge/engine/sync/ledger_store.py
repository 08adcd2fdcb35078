"""What a ledger import reads and writes in the store (the layout is in ``store/ledger.py``):
positions per series, pending and imported records, and the ``record.*`` events of what it
stores. Each write is a short transaction of its own, or of a batch (:meth:`LedgerStore.batch`:
the new records of one chunk read), so a sweep stopped half-way keeps what it did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import fingerprint
from fortnox_bridge.engine.flow.ledger import LedgerFlow
from fortnox_bridge.engine.outbox.events import changed_values, record_event
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store import ledger
from fortnox_bridge.store.documents import DocumentInfo, DocumentRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository

#: The kind of document a ledger record's image is (``documents.kind``).
IMAGE = "image"


@dataclass(frozen=True)
class Known:
    """An imported or pending record read again this sweep."""

    external_id: str
    fortnox_id: str
    snapshot: dict[str, Any]


class LedgerStore:
    """One ledger flow's state for one tenant."""

    def __init__(self, scope: RunScope, flow: LedgerFlow) -> None:
        self.scope, self.flow = scope, flow
        self.tenant, self.entity = scope.tenant_id, flow.entity
        self._open: Session | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write inside goes into one transaction (committed at the end)."""
        with self.scope.sessions.begin() as session:
            self._open = session
            try:
                yield
            finally:
                self._open = None

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        if self._open is not None:
            yield self._open
            return
        with self.scope.sessions.begin() as session:
            yield session

    def positions(self) -> dict[str, tuple[int, int]]:
        """``{series: (year id, highest number read)}``."""
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(
                self.tenant, ledger.series_entity(self.entity)
            )
            return {
                series: (int(link.snapshot["year"]), int(link.snapshot["highest"]))
                for series, link in links.items()
            }

    def oldest(self, state: str, limit: int) -> list[Known]:
        """At most ``limit`` records in ``state``, least recently read first."""
        with self.scope.sessions.begin() as session:
            rows = ledger.oldest(session, self.tenant, self.entity, state, limit)
            return [Known(r.external_id, r.fortnox_id, dict(r.snapshot)) for r in rows]

    def known(self, external_id: str) -> tuple[str, Known] | None:
        """``(state, record)`` of a record the import has seen (``None``: never seen)."""
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.entity, external_id)
            if link is None:
                return None
            return link.state, Known(external_id, link.fortnox_id, dict(link.snapshot))

    def known_ids(self) -> set[str]:
        """The ids of every record the import has seen (pending, imported or missing)."""
        with self.scope.sessions.begin() as session:
            return set(LinkRepository(session).by_external_id(self.tenant, self.entity))

    def advance(self, series: str, year: int, number: int) -> None:
        """Remember ``number`` as the highest read of ``series`` in ``year``."""
        if self.scope.dry_run:
            return
        snapshot = {"year": year, "highest": number}
        with self._tx() as session:
            LinkRepository(session).save(
                self.tenant, ledger.series_entity(self.entity), series,
                fortnox_id=str(year), version=0, snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot), now=self.scope.clock.now(),
                origin="imported",
            )  # fmt: skip

    def wait(self, external_id: str, fortnox_id: str) -> None:
        """A record not ready yet: read again in later sweeps."""
        with self._tx() as session:
            LinkRepository(session).save(
                self.tenant, self.entity, external_id, fortnox_id=fortnox_id, version=0,
                snapshot={}, snapshot_hash="", now=self.scope.clock.now(), state="pending",
                origin="imported",
            )  # fmt: skip

    def touch(self, external_id: str) -> None:
        """Read now: to the end of the queue of records read again."""
        if self.scope.dry_run:
            return
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.entity, external_id)
            if link is not None:
                link.updated_at = self.scope.clock.now()

    def forget(self, external_id: str) -> None:
        """A pending record gone from Fortnox before it was imported."""
        if self.scope.dry_run:
            return
        with self.scope.sessions.begin() as session:
            links = LinkRepository(session)
            link = links.get(self.tenant, self.entity, external_id)
            if link is not None and link.state == "pending":
                links.remove(link)

    def missing(self, external_id: str) -> None:
        """An imported record gone from Fortnox: reported once, not read again."""
        if self.scope.dry_run:
            return
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.entity, external_id)
            if link is not None:
                link.state = "missing"

    def record(self, external_id: str) -> dict[str, Any] | None:
        """The bridge's record, if it has one."""
        with self.scope.sessions.begin() as session:
            row = MirrorRepository(session).get(self.tenant, self.entity, external_id)
            return None if row is None or row.deleted else dict(row.payload)

    def imported(
        self, external_id: str, fortnox_id: str, payload: dict[str, Any], fields: dict[str, Any]
    ) -> None:
        """Store a record read for the first time (or ready at last), with its rows."""
        rows = self.flow.unmap(fields).get(self.flow.rows_field) or []
        when = payload.get("date")
        self._write(
            external_id, fortnox_id, payload, rows,
            record_date=date.fromisoformat(when) if isinstance(when, str) else None,
        )  # fmt: skip

    def has_image(self, external_id: str) -> bool:
        """Whether the record's image has been fetched."""
        with self.scope.sessions.begin() as session:
            found = DocumentRepository(session).get(self.tenant, self.entity, external_id, IMAGE)
            return found is not None

    def image(self, external_id: str, info: DocumentInfo) -> None:
        """Record the record's fetched image and describe it on the bridge's record."""
        with self.scope.sessions.begin() as session:
            DocumentRepository(session).save(self.tenant, self.entity, external_id, IMAGE, info)
        record = self.record(external_id)
        if record is None:
            return
        shown = {"name": info.name, "content_type": info.content_type, "size": info.size}
        record[self.flow.image_field] = shown
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.entity, external_id)
            rows = list((link.snapshot if link is not None else {}).get("rows") or [])
            fortnox_id = link.fortnox_id if link is not None else external_id
        self._write(external_id, fortnox_id, record, rows)

    def rows_added(self, external_id: str, payload: dict[str, Any], rows: list[Any]) -> None:
        """Store an imported record with the rows Fortnox added."""
        with self.scope.sessions.begin() as session:
            link = LinkRepository(session).get(self.tenant, self.entity, external_id)
            fortnox_id = link.fortnox_id if link is not None else external_id
        self._write(external_id, fortnox_id, payload, rows)

    def _write(
        self,
        external_id: str,
        fortnox_id: str,
        payload: dict[str, Any],
        rows: list[Any],
        record_date: date | None = None,
    ) -> None:
        now, snapshot = self.scope.clock.now(), {"rows": rows}
        with self._tx() as session:
            mirror = MirrorRepository(session)
            existing = mirror.get(self.tenant, self.entity, external_id)
            before = None if existing is None or existing.deleted else dict(existing.payload)
            stored = mirror.upsert(
                self.tenant, self.entity, external_id, payload, now=now, origin="fortnox"
            )
            LinkRepository(session).save(
                self.tenant, self.entity, external_id, fortnox_id=fortnox_id,
                version=stored.record.version, snapshot=snapshot,
                snapshot_hash=fingerprint(snapshot), now=now, origin="imported",
                record_date=record_date,
            )  # fmt: skip
            if stored.outcome == "unchanged":
                return
            record_event(
                session, self.tenant, "record.created" if before is None else "record.changed",
                entity=self.entity, external_id=external_id, version=stored.record.version,
                fortnox_id=fortnox_id,
                changed=payload if before is None else changed_values(before, payload),
                flow=self.flow.name, now=now,
            )  # fmt: skip
