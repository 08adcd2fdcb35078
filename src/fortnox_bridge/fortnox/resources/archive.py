"""``/3/archive``: the files of the company's archive (the inbox's files are in it too).

``GET /3/archive/{id}`` answers a file's bytes by its archive ``Id`` (the id the file connections
of vouchers and supplier invoices name as ``FileId``); a multipart ``POST /3/archive?folderid=``
stores a file and answers ``{"File": {...}}``. Not a plain register: no list of records.
"""

from __future__ import annotations

from dataclasses import dataclass

from fortnox_bridge.fortnox.models.inbox import FolderFileRow
from fortnox_bridge.fortnox.resources.base import Requester, describe


@dataclass(frozen=True)
class ArchiveFile:
    """A file's bytes and the media type Fortnox sent them with."""

    content: bytes
    content_type: str


class ArchiveResource:
    """The archive's files (see the module)."""

    description = describe("archive")
    model = FolderFileRow

    def __init__(self, client: Requester) -> None:
        self._client = client

    async def file(self, file_id: str) -> ArchiveFile:
        """The bytes of one file of the archive."""
        response = await self._client.request_raw("GET", f"{self.description.path}/{file_id}")
        kind = response.headers.get("content-type") or "application/octet-stream"
        return ArchiveFile(response.content, kind.split(";")[0].strip())

    async def upload(
        self, content: bytes, name: str, *, folder_id: str | None = None
    ) -> FolderFileRow:
        """Upload one file (to ``folder_id``, else the archive's root); not idempotent."""
        kind = "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream"
        response = await self._client.request_raw(
            "POST",
            self.description.path,
            params={"folderid": folder_id} if folder_id else None,
            files={"file": (name, content, kind)},
            idempotent=False,
        )
        return FolderFileRow.model_validate(response.json()["File"])
