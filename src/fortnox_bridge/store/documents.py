"""Documents fetched from Fortnox for a record: the bytes in a :class:`DocumentFiles` store,
what is known of each in the ``documents`` table (:class:`DocumentRepository`).

:class:`LocalDocumentFiles`, the default store, keeps each file once under the bridge's data
directory (``<data_dir>/documents/<2 hex>/<sha256>``, only the bridge's user may read them),
named by the SHA-256 of its bytes: the same bytes fetched for two records are kept once. Another
store (an object store shared by workers on several machines) implements the same two calls.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.files import FILE_MODE, private_dir
from fortnox_bridge.store.models import Document

#: The folder of the data directory that :class:`LocalDocumentFiles` uses by default.
DOCUMENTS_DIR = "documents"


class DocumentFiles(Protocol):
    """Where the bytes of documents are kept, by their SHA-256 (hex)."""

    def put(self, content: bytes) -> str:
        """Keep ``content``; its SHA-256 (hex). Keeping the same bytes again changes nothing."""
        ...

    def get(self, sha256: str) -> bytes | None:
        """The bytes kept under ``sha256``, or ``None``."""
        ...


class LocalDocumentFiles:
    """Content-addressed files in one directory (see the module)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LocalDocumentFiles:
        """The default store of a bridge: ``<data_dir>/documents``."""
        return cls(data_dir / DOCUMENTS_DIR)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Write ``content`` (atomically, mode 0600) unless it is there already."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        private_dir(path.parent)
        partial = path.with_name(f"{sha256}.{os.getpid()}.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(partial, path)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        """The file's bytes, or ``None`` when it is not kept here."""
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None


@dataclass(frozen=True)
class DocumentInfo:
    """What the bridge knows of a fetched document."""

    name: str
    content_type: str
    size: int
    sha256: str
    fortnox_file_id: str
    fetched_at: datetime


class DocumentRepository:
    """The ``documents`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int, entity: str, external_id: str, kind: str) -> Document | None:
        """The record's document of ``kind``, if the bridge has fetched one."""
        return self.session.scalar(
            select(Document).where(
                Document.tenant_id == tenant_id,
                Document.entity_type == entity,
                Document.external_id == external_id,
                Document.kind == kind,
            )
        )

    def save(
        self, tenant_id: int, entity: str, external_id: str, kind: str, info: DocumentInfo
    ) -> Document:
        """Record a fetched document (replacing what was recorded of the record's ``kind``)."""
        row = self.get(tenant_id, entity, external_id, kind)
        if row is None:
            row = Document(
                tenant_id=tenant_id, entity_type=entity, external_id=external_id, kind=kind
            )
            self.session.add(row)
        row.name, row.content_type, row.size = info.name, info.content_type, info.size
        row.sha256, row.fortnox_file_id = info.sha256, info.fortnox_file_id
        row.fetched_at = info.fetched_at
        self.session.flush()
        return row
