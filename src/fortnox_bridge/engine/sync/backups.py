"""A flow's backup: the host's records of its entity, kept once as a CSV file before the flow
first runs for a tenant (``Flow.backup_kind``), so what the host held before the first
synchronisation could change it can be downloaded (the service family's prices).

The file is a document of the entity (``documents`` table, bytes in the run's
:class:`~fortnox_bridge.store.documents.DocumentFiles`) under the external id
:data:`BACKUP_ID`; its row is also the sign that the backup was taken, so it is written once
per tenant and entity. A run without a document store (or a dry run) keeps none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.store.documents import DocumentInfo, DocumentRepository
from fortnox_bridge.store.mirror import MirrorRepository

#: The external id the backup document is kept under (with its own kind, so a host record
#: that happens to have this id has no document of that kind).
BACKUP_ID = "_backup"
CSV = "text/csv"


def backup_csv(fields: Iterable[str], records: Iterable[tuple[str, Mapping[str, Any]]]) -> bytes:
    """``external_id`` and ``fields`` of each record, one row each, as UTF-8 CSV with a header."""
    names = list(fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", *names])
    for external_id, payload in records:
        writer.writerow(
            [external_id, *("" if payload.get(n) is None else payload[n] for n in names)]
        )
    return out.getvalue().encode("utf-8")


def keep_backup(scope: RunScope, flow: Flow) -> bool:
    """Keep the host's records of ``flow``'s entity as its backup, unless one is kept already;
    whether one was written now."""
    kind = flow.backup_kind
    if kind is None or scope.documents is None or scope.dry_run:
        return False
    with scope.sessions.begin() as session:
        documents = DocumentRepository(session)
        if documents.get(scope.tenant_id, flow.entity, BACKUP_ID, kind) is not None:
            return False
        records = MirrorRepository(session).live(scope.tenant_id, flow.entity)
        content = backup_csv(
            flow.record_model.model_fields,
            ((record.external_id, record.payload) for record in records),
        )
        sha256 = scope.documents.put(content)
        now = scope.clock.now()
        name = f"{flow.entity}-{kind}-{now:%Y%m%d-%H%M%S}.csv"
        info = DocumentInfo(
            name=name, content_type=CSV, size=len(content), sha256=sha256,
            fortnox_file_id="", fetched_at=now,
        )  # fmt: skip
        documents.save(scope.tenant_id, flow.entity, BACKUP_ID, kind, info)
    return True
