"""``/api/v1/operations``: the status of each accepted host change on its way to Fortnox.

Every write that changes a record answers with an ``operation_id``. The operation is ``pending``
until the engine has written the change, then ``succeeded`` (with the Fortnox id) or ``failed``
(with Fortnox's code, message, explanation and fix); a newer change of the same record that
arrives first makes it ``superseded``. While an open conflict (policy ``ask``) holds fields of
the record back it is ``conflict``, with the ``conflict_id`` to decide; while the engine holds it
back before Fortnox (an employee not in Fortnox yet, a locked period) it is ``held``, with the
reason. The outcomes reach the event feed as ``operation.succeeded``, ``operation.failed`` and
``operation.held``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from fortnox_bridge.api.auth import ReaderDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit
from fortnox_bridge.api.schemas import OperationOut, Page, Problem
from fortnox_bridge.services.operations import ChangeOperation, OperationService

OperationStatus = Literal[
    "pending", "processing", "conflict", "held", "succeeded", "failed", "superseded"
]
OperationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The operation's id.")]
EntityFilter = Annotated[
    str | None,
    Query(description="Only this entity, as operations name it: employee, time_entry..."),
]


router = APIRouter(prefix="/api/v1/operations", tags=["operations"])


def _operations(request: Request) -> OperationService:
    return services_of(request).operations


Operations = Annotated[OperationService, Depends(_operations)]


@router.get("", response_model=Page[OperationOut], responses={401: {"model": Problem}})
def list_operations(
    caller: ReaderDep,
    operations: Operations,
    status: Annotated[OperationStatus | None, Query(description="Only this status.")] = None,
    entity: EntityFilter = None,
    external_id: Annotated[
        str | None, Query(max_length=200, description="Only this record.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[OperationOut]:
    """Change operations, newest first."""
    rows, following = operations.page(
        caller.tenant_id,
        status=status,
        entity=entity,
        external_id=external_id,
        limit=limit,
        cursor=cursor,
    )
    return Page[OperationOut](data=[operation_out(op) for op in rows], next_cursor=following)


@router.get(
    "/{operation_id}",
    response_model=OperationOut,
    responses={401: {"model": Problem}, 404: {"model": Problem}},
)
def get_operation(
    operation_id: OperationId, caller: ReaderDep, operations: Operations
) -> OperationOut:
    """One change operation: where the change stands, and Fortnox's answer if it failed."""
    return operation_out(operations.get(caller.tenant_id, operation_id))


def operation_out(op: ChangeOperation) -> OperationOut:
    """The API shape of a change operation."""
    return OperationOut(
        id=op.id,
        entity=op.entity_type,
        external_id=op.external_id,
        action=op.action,
        version=op.version,
        status=op.status,
        flow=op.flow,
        fortnox_id=op.fortnox_id,
        code=op.code,
        http_status=op.http_status,
        message=op.message,
        explanation=op.explanation,
        fix=op.fix,
        conflict_id=op.conflict_id,
        created_at=op.created_at,
        updated_at=op.updated_at,
    )
