"""The inbox and the file attachments of documents.

The inbox has Fortnox's predefined folders (``inbox_kf`` customer invoices, ``inbox_s``
supplier invoices, ...). A multipart ``POST /3/inbox?folderId=`` stores the file and answers
``{"File": {"Id", "ArchiveFileId", "Name", "Path", "Size", ...}}``; ``GET /3/inbox/{Id}`` answers
a folder (with its files) or a file's bytes. ``/api/fileattachments/attachments-v1`` attaches a
file, by its ``ArchiveFileId``, to a document: a customer invoice (``F``), an order (``O``) or an
offer (``OF``) that exists; an attached file leaves the inbox for the archive.

Guesses (no recorded answers): a file above 5,000,000 bytes is refused (Fortnox documents 5 MB
for attachments), as are a file that is not a PDF when it is attached, an unknown folder, and an
attachment of an unknown file or document, all with the sandbox's own codes below. The
attachments API is called with the ``connectfile`` scope.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.endpoint import api_endpoint
from fortnox_bridge.sandbox.messages import not_found, refuse
from fortnox_bridge.sandbox.registers.ops import store
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.state import Company, SandboxState

#: The largest file the sandbox takes (Fortnox: "5 MB" an attachment).
MAX_FILE_BYTES = 5_000_000
FOLDERS = {
    "inbox_a": "Anläggningsregister", "inbox_d": "Dagskassor", "inbox_s": "Leverantörsfakturor",
    "inbox_v": "Verifikationer", "inbox_b": "Bankfiler", "inbox_l": "Lön",
    "inbox_kf": "Kundfakturor", "inbox_o": "Order", "inbox_of": "Offerter",
}  # fmt: skip
#: Attachable documents: entity type → register.
DOCUMENTS = {"F": "invoices", "O": "orders", "OF": "offers"}
ATTACHMENTS = "fileattachments"
ATTACHMENTS_PATH = "/api/fileattachments/attachments-v1"
ATTACH_SCOPE = "connectfile"
URL = "https://api.fortnox.se/3/inbox"

FILE_TOO_LARGE = (2990147, "Filen är för stor: {size} byte, högst {limit} byte.")
UNKNOWN_FOLDER = (2990148, "Mappen {value} finns inte.")
NO_FILE = (2990149, "Ingen fil skickades.")
NOT_ATTACHABLE = (2990150, "Filen {value} kan inte bifogas: {reason}.")


class InboxRules(Rules):
    """The inbox and attachment routes."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """``/3/inbox``, ``/3/inbox/{Id}`` and the attachments API."""
        path = resource.desc.path

        def ctx_of(request: Request, company: Company) -> Ctx:
            return Ctx(state, company, resource, request, state.clock.now(), resource.peers)

        async def root(request: Request, company: Company) -> Response:
            return JSONResponse({"Folder": _folder(ctx_of(request, company), None)})

        async def one(request: Request, company: Company) -> Response:
            return _one(ctx_of(request, company), request.path_params["record_id"])

        async def upload(request: Request, company: Company) -> Response:
            return await _upload(ctx_of(request, company), request)

        async def remove(request: Request, company: Company) -> Response:
            ctx = ctx_of(request, company)
            _file(ctx, request.path_params["record_id"])
            ctx.register(resource.name).remove(request.path_params["record_id"])
            return Response(status_code=204)

        async def listed(request: Request, company: Company) -> Response:
            return _attachments(ctx_of(request, company), request)

        async def attach(request: Request, company: Company) -> Response:
            return await _attach(ctx_of(request, company), request)

        def bound(handler: Any, scope: str = "inbox") -> Any:
            return api_endpoint(state, scope, handler)

        return [
            Route(path, bound(root), methods=["GET"]),
            Route(path, bound(upload), methods=["POST"]),
            Route(path + "/{record_id}", bound(one), methods=["GET"]),
            Route(path + "/{record_id}", bound(remove), methods=["DELETE"]),
            Route(ATTACHMENTS_PATH, bound(listed, ATTACH_SCOPE), methods=["GET"]),
            Route(ATTACHMENTS_PATH, bound(attach, ATTACH_SCOPE), methods=["POST"]),
        ]


def _row(record: Record) -> Record:
    """A file as Fortnox shows it (without its bytes)."""
    return {
        "@url": f"{URL}/{record['Id']}",
        **{k: record.get(k) for k in ("ArchiveFileId", "Comments", "Id", "Name", "Path", "Size")},
    }


def _folder(ctx: Ctx, folder_id: str | None) -> Record:
    files = [
        _row(r)
        for r in ctx.register(ctx.resource.name).records.values()
        if folder_id is not None and r.get("Folder") == folder_id
    ]
    folders = [
        {"@url": f"{URL}/{key}", "Id": key, "Name": name}
        for key, name in (FOLDERS.items() if folder_id is None else ())
    ]
    return {
        "@url": URL + (f"/{folder_id}" if folder_id else ""),
        "Email": None,
        "Files": files,
        "Folders": folders,
        "Id": folder_id or "root",
        "Name": FOLDERS.get(folder_id or "", "Inbox"),
    }


def _file(ctx: Ctx, file_id: str) -> Record:
    return find_file(ctx, file_id, ctx.resource.name)


def find_file(ctx: Ctx, file_id: str, register: str) -> Record:
    """A stored file by its ``Id``, or the resource's not-found answer."""
    record = ctx.register(register).records.get(file_id)
    if record is None:
        raise not_found(ctx.resource.spec.not_found)
    return record


def _one(ctx: Ctx, record_id: str) -> Response:
    if record_id in FOLDERS or record_id == "root":
        return JSONResponse({"Folder": _folder(ctx, None if record_id == "root" else record_id)})
    return file_response(_file(ctx, record_id))


def file_response(record: Record) -> Response:
    """A stored file's bytes (a PDF by its name, else ``application/octet-stream``)."""
    kind = "application/pdf" if str(record["Name"]).lower().endswith(".pdf") else None
    return Response(content(record), media_type=kind or "application/octet-stream")


def content(record: Record) -> bytes:
    """The bytes of a stored file."""
    return base64.b64decode(str(record["Content"]))


async def _upload(ctx: Ctx, request: Request) -> Response:
    folder_id = request.query_params.get("folderId") or request.query_params.get("path")
    if folder_id not in FOLDERS:
        raise refuse(UNKNOWN_FOLDER, value=folder_id)
    return await upload(ctx, request, folder_id, ctx.resource.name)


async def upload(ctx: Ctx, request: Request, folder_id: str, register: str) -> Response:
    """Store the multipart ``file`` of ``request`` in ``folder_id`` (201 with the file)."""
    async with request.form(max_part_size=2 * MAX_FILE_BYTES) as form:
        part = form.get("file")
        if part is None or isinstance(part, str):
            raise refuse(NO_FILE)
        data, name = await part.read(), part.filename or "file"
    if len(data) > MAX_FILE_BYTES:
        raise refuse(FILE_TOO_LARGE, size=len(data), limit=MAX_FILE_BYTES)
    file_id = str(uuid.uuid4())
    record = {
        "Id": file_id, "ArchiveFileId": str(uuid.uuid4()), "Name": name, "Path": "",
        "Size": len(data), "Comments": None, "Folder": folder_id,
        "Content": base64.b64encode(data).decode("ascii"),
    }  # fmt: skip
    store(ctx, file_id, record, register=register)
    return JSONResponse({"File": _row(record)}, status_code=201)


def _attachments(ctx: Ctx, request: Request) -> Response:
    entity_type = request.query_params.get("entitytype")
    entity_id = request.query_params.get("entityid")
    rows = [
        r
        for r in ctx.register(ATTACHMENTS).records.values()
        if r["entityType"] == entity_type and str(r["entityId"]) == str(entity_id)
    ]
    return JSONResponse(rows)


async def _attach(ctx: Ctx, request: Request) -> Response:
    try:
        sent = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise refuse(NOT_ATTACHABLE, value="?", reason="felaktig JSON") from None
    made = [_attach_one(ctx, item) for item in (sent if isinstance(sent, list) else [sent])]
    return JSONResponse(made, status_code=201)


def _attach_one(ctx: Ctx, item: Any) -> Record:
    item = item if isinstance(item, dict) else {}
    file_id, kind = str(item.get("fileId") or ""), str(item.get("entityType") or "")
    files = ctx.register(ctx.resource.name).records.values()
    found = next((r for r in files if r["ArchiveFileId"] == file_id), None)
    if found is None:
        raise refuse(NOT_ATTACHABLE, value=file_id, reason="filen finns inte")
    if kind not in DOCUMENTS or ctx.record(DOCUMENTS[kind], str(item.get("entityId"))) is None:
        raise refuse(NOT_ATTACHABLE, value=file_id, reason=f"dokumentet {kind} finns inte")
    if not content(found).startswith(b"%PDF"):
        raise refuse(NOT_ATTACHABLE, value=file_id, reason="endast PDF kan bifogas")
    attachment = {
        "id": str(uuid.uuid4()), "entityId": int(item["entityId"]), "entityType": kind,
        "fileId": file_id, "includeOnSend": bool(item.get("includeOnSend")),
    }  # fmt: skip
    store(ctx, str(attachment["id"]), attachment, register=ATTACHMENTS)
    # The attached file leaves the inbox for the archive.
    store(ctx, str(found["Id"]), {**found, "Folder": "archive"})
    return attachment
