"""Routes of host entities that Fortnox owns or that have documents:

- ``GET /{collection}/{external_id}/{kind}``: a document the bridge fetched from Fortnox for the
  record (a voucher's ``image``: the scanned supplier invoice), its bytes with their media type;
  ``404 no_<kind>`` when the record has none;
- ``GET /{collection}/backup.csv``: the CSV backup of the host's records kept before their
  first synchronisation (entities that declare ``backup``); ``404 no_backup`` before it;
- writes to a Fortnox-owned collection (``PUT``, ``PATCH``, ``DELETE``, ``POST :batch``) are
  answered ``405 fortnox_owned``: its records come from Fortnox, imported by the bridge.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import AfterValidator

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.schemas import Problem
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.validation import EXTERNAL_ID_MAX, check_external_id

ExternalId = Annotated[
    str,
    Path(min_length=1, max_length=EXTERNAL_ID_MAX, description="The record's external id."),
    AfterValidator(check_external_id),
]


def document_routes(router: APIRouter, entity: HostEntity) -> None:
    """``GET /{collection}/{external_id}/{kind}`` for each kind of document of ``entity``."""
    for kind in entity.documents:
        router.add_api_route(
            f"/{entity.collection}/{{external_id}}/{kind}",
            _document(entity, kind),
            methods=["GET"],
            tags=[entity.collection],
            summary=f"The {kind} of one {entity.label}, as Fortnox keeps it (its bytes)",
            responses={
                200: {
                    "content": {"application/pdf": {}, "application/octet-stream": {}},
                    "description": f"The {kind}'s bytes, with their media type",
                },
                401: {"model": Problem},
                404: {"model": Problem, "description": f"No such record, or it has no {kind}"},
            },
            response_class=Response,
        )


def backup_route(router: APIRouter, entity: HostEntity) -> None:
    """``GET /{collection}/backup.csv`` when ``entity`` keeps a backup (registered before the
    record routes, whose ``{external_id}`` would take the name)."""
    if entity.backup is None:
        return
    router.add_api_route(
        f"/{entity.collection}/backup.csv",
        _backup(entity),
        methods=["GET"],
        tags=[entity.collection],
        summary=f"The {entity.collection} as the host had them before their first sync (CSV)",
        responses={
            200: {"content": {"text/csv": {}}, "description": "external_id and the fields"},
            401: {"model": Problem},
            404: {"model": Problem, "description": "No backup kept yet"},
        },
        response_class=Response,
    )


def _backup(entity: HostEntity) -> Callable[..., Response]:
    def get_backup(caller: ReaderDep, request: Request) -> Response:
        """The backup's bytes, as an attachment named after the time it was kept."""
        found = services_of(request).documents.backup(caller.tenant_id, entity)
        return Response(
            found.content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{found.name}"'},
        )

    return get_backup


def _document(entity: HostEntity, kind: str) -> Callable[..., Response]:
    def get_document(external_id: ExternalId, caller: ReaderDep, request: Request) -> Response:
        """The document's bytes, ``Content-Type`` as fetched, named in ``Content-Disposition``."""
        found = services_of(request).documents.get(caller.tenant_id, entity, external_id, kind)
        quoted = found.name.replace("\\", "_").replace('"', "_")
        disposition = f'inline; filename="{quoted.encode("ascii", "replace").decode()}"'
        return Response(
            found.content,
            media_type=found.content_type,
            headers={"Content-Disposition": disposition},
        )

    return get_document


def refused_writes(router: APIRouter, entity: HostEntity) -> None:
    """Writes to a Fortnox-owned collection: ``405 fortnox_owned`` (``Allow: GET``)."""
    tags: list[str | Enum] = [entity.collection]
    refusal = _refusal(entity)
    responses: dict[int | str, dict[str, Any]] = {
        405: {"model": Problem, "description": "Fortnox owns these records"}
    }
    for path, methods in (
        (f"/{entity.collection}/{{external_id}}", ["PUT", "PATCH", "DELETE"]),
        (f"/{entity.collection}:batch", ["POST"]),
    ):
        router.add_api_route(
            path, refusal, methods=methods, tags=tags, responses=responses,
            summary=f"Refused: {entity.collection} come from Fortnox", include_in_schema=False,
        )  # fmt: skip


def _refusal(entity: HostEntity) -> Callable[..., Response]:
    def refuse_write(caller: WriterDep) -> Response:
        """Every write is refused (after the key is checked)."""
        raise HTTPException(
            405,
            {
                "error": "fortnox_owned",
                "detail": f"{entity.collection} come from Fortnox; the bridge imports them and "
                "the host reads them (GET). Change them in Fortnox (with a new voucher).",
            },
            headers={"Allow": "GET"},
        )

    return refuse_write
