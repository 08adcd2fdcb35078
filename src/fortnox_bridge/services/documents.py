"""Documents the bridge fetched from Fortnox for a host record (a voucher's image): what the
host API serves at ``GET /api/v1/<collection>/{id}/<kind>``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.sync.backups import BACKUP_ID
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.store.documents import DocumentFiles, DocumentRepository
from fortnox_bridge.store.mirror import MirrorRepository


@dataclass(frozen=True)
class StoredDocument:
    """A document's bytes and what they are."""

    content: bytes
    content_type: str
    name: str


class DocumentReader:
    """Reads the documents of tenants' host records."""

    def __init__(self, sessions: sessionmaker[Session], files: DocumentFiles) -> None:
        self.sessions, self.files = sessions, files

    def get(
        self, tenant_id: int, entity: HostEntity, external_id: str, kind: str
    ) -> StoredDocument:
        """The record's document of ``kind``; 404 when the record or the document is missing."""
        with self.sessions.begin() as session:
            record = MirrorRepository(session).get(tenant_id, entity.entity, external_id)
            if record is None or record.deleted:
                raise NotFound(f"no {entity.label} with external id {external_id!r}")
            found = DocumentRepository(session).get(tenant_id, entity.entity, external_id, kind)
            info = None if found is None else (found.sha256, found.content_type, found.name)
        content = None if info is None else self.files.get(info[0])
        if info is None or content is None:
            raise NotFound(
                f"{entity.label} {external_id!r} has no {kind}: only a voucher booked from a "
                f"supplier invoice with a file in Fortnox has one, fetched at a sweep",
                code=f"no_{kind}",
            )
        return StoredDocument(content, info[1], info[2])

    def backup(self, tenant_id: int, entity: HostEntity) -> StoredDocument:
        """The CSV backup of ``entity``'s host records its flows kept before their first run;
        404 ``no_backup`` until one is kept."""
        kind = entity.backup
        with self.sessions.begin() as session:
            found = (
                None
                if kind is None
                else DocumentRepository(session).get(tenant_id, entity.entity, BACKUP_ID, kind)
            )
            info = None if found is None else (found.sha256, found.content_type, found.name)
        content = None if info is None else self.files.get(info[0])
        if info is None or content is None:
            raise NotFound(
                f"no backup of the {entity.collection} yet: it is written at the first sweep "
                "after their synchronisation is turned on",
                code="no_backup",
            )
        return StoredDocument(content, info[1], info[2])
