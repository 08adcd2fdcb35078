"""``/3/inbox``: folders and the files uploaded to them, and the file attachments of invoices,
orders and offers (``/api/fileattachments/attachments-v1``).

A file is uploaded to a folder of the inbox (multipart ``POST /3/inbox?folderId=inbox_kf``) and
answered with two ids: its ``Id`` and its ``ArchiveFileId``. An attachment connects a document
(``entityType`` ``F`` a customer invoice, ``O`` an order, ``OF`` an offer) with the file by its
``ArchiveFileId``; ``includeOnSend`` sends the file along with the document. Fortnox takes PDF
attachments only, at most :data:`MAX_ATTACHMENT_BYTES` each. The attachments API answers bare
JSON (no wrapper key).
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import Field

from fortnox_bridge.fortnox.models.base import FortnoxModel, WireBool, WireInt, WireStr
from fortnox_bridge.fortnox.models.inbox import FolderFileRow
from fortnox_bridge.fortnox.resources.base import Requester, describe

#: Fortnox's limit on one attached file ("5 MB"; taken as 5,000,000 bytes to be safe).
MAX_ATTACHMENT_BYTES = 5_000_000
#: The inbox folder of customer invoices' files.
CUSTOMER_INVOICES_FOLDER = "inbox_kf"
ATTACHMENTS_PATH = "/api/fileattachments/attachments-v1"


class FolderRow(FortnoxModel):
    """A sub-folder as a folder lists it."""

    id: WireStr = Field(default=None, alias="Id")
    name: WireStr = Field(default=None, alias="Name")


class Folder(FortnoxModel):
    """A folder of the inbox with its files and sub-folders (``Folder``)."""

    id: WireStr = Field(default=None, alias="Id")
    name: WireStr = Field(default=None, alias="Name")
    email: WireStr = Field(default=None, alias="Email")
    files: list[FolderFileRow] = Field(default_factory=list, alias="Files")
    folders: list[FolderRow] = Field(default_factory=list, alias="Folders")


class FileAttachment(FortnoxModel):
    """A file attached to a document (``fileattachments_Attachment``)."""

    id: WireStr = Field(default=None, alias="id")
    entity_id: WireInt = Field(default=None, alias="entityId")
    entity_type: WireStr = Field(default=None, alias="entityType")
    file_id: WireStr = Field(default=None, alias="fileId")
    include_on_send: WireBool = Field(default=None, alias="includeOnSend")


class InboxResource:
    """The inbox's folders and files, and the attachments made from them. (Not a plain
    register: ``GET /3/inbox`` answers the root folder, ``GET /3/inbox/{Id}`` a folder or a
    file's bytes.)"""

    description = describe("inbox")
    model = FolderFileRow

    def __init__(self, client: Requester) -> None:
        self._client = client

    async def folder(self, folder_id: str | None = None) -> Folder:
        """A folder with its files (the inbox's root without ``folder_id``)."""
        path = self.description.path + (f"/{folder_id}" if folder_id else "")
        data = await self._client.request("GET", path)
        return Folder.model_validate(data["Folder"])

    async def upload(self, content: bytes, name: str, *, folder_id: str) -> FolderFileRow:
        """Upload one file to ``folder_id``; not idempotent (a lost answer is ``OutcomeUnknown``:
        look in the folder for the file's name before uploading again)."""
        response = await self._client.request_raw(
            "POST",
            self.description.path,
            params={"folderId": folder_id},
            files={"file": (name, content, _media_type(name))},
            idempotent=False,
        )
        return FolderFileRow.model_validate(response.json()["File"])

    async def file(self, file_id: str) -> bytes:
        """The content of a file of the inbox."""
        response = await self._client.request_raw("GET", f"{self.description.path}/{file_id}")
        return response.content

    async def delete(self, file_id: str) -> None:
        """Delete a file of the inbox."""
        await self._client.request("DELETE", f"{self.description.path}/{file_id}")

    async def attachments(self, entity_type: str, entity_id: str | int) -> list[FileAttachment]:
        """The files attached to one document (``entity_type`` ``F``, ``O`` or ``OF``)."""
        params = {"entityid": str(entity_id), "entitytype": entity_type}
        response = await self._client.request_raw("GET", ATTACHMENTS_PATH, params=params)
        rows: Any = response.json() if response.content else []
        return [FileAttachment.model_validate(row) for row in rows or []]

    async def attach(
        self,
        entity_type: str,
        entity_id: str | int,
        archive_file_id: str,
        *,
        include_on_send: bool = False,
    ) -> FileAttachment:
        """Attach a file (by its ``ArchiveFileId``) to a document; not idempotent."""
        item = {
            "entityId": int(entity_id),
            "entityType": entity_type,
            "fileId": archive_file_id,
            "includeOnSend": include_on_send,
        }
        # The body is a list of attachments (one here), the answer the attachment or a list.
        response = await self._client.request_raw(
            "POST", ATTACHMENTS_PATH, body=cast(Any, [item]), idempotent=False
        )
        data: Any = response.json()
        return FileAttachment.model_validate(data[0] if isinstance(data, list) else data)


def _media_type(name: str) -> str:
    return "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream"
