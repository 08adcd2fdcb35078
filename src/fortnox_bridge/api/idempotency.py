"""``Idempotency-Key`` on writes: a retried request gets the first answer again, never a second
write.

A client sends ``Idempotency-Key: <1–255 printable ASCII characters>`` (a UUID is a good key) on
a ``PUT``, ``PATCH``, ``DELETE`` or ``POST``. The first request with a key runs and its answer
is kept for ``idempotency_retention_hours``; a request with the same key, method, path and body
(byte for byte) gets that answer again with ``Idempotent-Replayed: true``. The same key with
another request is a ``409 idempotency_key_reused``; a second request while the first still runs
is a ``409 idempotency_request_in_progress``. Answers of ``5xx`` are not kept (the request may be
retried); request validation errors (``422`` before the route ran) are not either.

Any write route uses it the same way::

    @router.post("/sync", responses={409: {"model": Problem}})
    async def sync_now(caller: WriterDep, idempotency: IdempotencyDep) -> Response:
        async def queue() -> Response:
            ...
            return JSONResponse(body, status_code=202)

        return await idempotency.run_async(caller.tenant_id, queue)

(``run`` for a plain function). A route whose service writes the store may hand it
``idempotency.claim``: the service keeps the answer in the write's own transaction, so the
answer is kept atomically with the write. The claims and the kept answers are
:mod:`fortnox_bridge.services.idempotency`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.errors import FieldIssue, RecordRejected
from fortnox_bridge.services.idempotency import (
    Claim,
    EarlierRequest,
    IdempotencyService,
    Transaction,
)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")


class Idempotency:
    """The ``Idempotency-Key`` of one write request, and its claim on the stored answer."""

    def __init__(
        self,
        *,
        key: str | None,
        method: str,
        path: str,
        request_hash: str,
        service: IdempotencyService,
    ) -> None:
        self.key = key
        self.method = method
        self.path = path
        self.request_hash = request_hash
        self.service = service
        self._claim: Claim | None = None

    @property
    def claimed(self) -> bool:
        """Whether this request holds its key and its answer is still to be kept."""
        return self._claim is not None and not self._claim.settled

    @property
    def claim(self) -> Claim | None:
        """The hold on the key while the answer is still to be kept: a service that writes the
        store keeps the answer with its write (in the same transaction)."""
        return self._claim if self.claimed else None

    def begin(self, tenant_id: int) -> Response | None:
        """Claim the key; ``None``: run the request. Otherwise the kept answer to replay.

        Raises a ``409`` when the key belongs to another request or its request still runs.
        """
        if self.key is None:
            return None
        found = self.service.claim(
            tenant_id,
            self.key,
            method=self.method,
            path=self.path,
            request_hash=self.request_hash,
        )
        if isinstance(found, Claim):
            self._claim = found
            return None
        if found is None:
            raise self._in_progress()
        return self._answer_for(found)

    def finish(
        self, status_code: int, body: dict[str, Any], *, session: Transaction | None = None
    ) -> None:
        """Keep the answer (in ``session``'s transaction when given: the write's transaction a
        service hands to a route's callback; a service may take :attr:`claim` instead)."""
        if self._claim is not None:
            self._claim.finish(status_code, body, session=session)

    def abandon(self) -> None:
        """Give the key up (the request failed without an answer worth replaying)."""
        if self._claim is not None:
            self._claim.abandon()

    def run(self, tenant_id: int, action: Callable[[], Response]) -> Response:
        """Replay the kept answer, or run ``action`` and keep its answer."""
        replay = self.begin(tenant_id)
        if replay is not None:
            return replay
        try:
            response = action()
        except HTTPException as exc:
            self._keep_error(exc)
            raise
        except BaseException:
            self.abandon()
            raise
        self._keep(response)
        return response

    async def run_async(
        self, tenant_id: int, action: Callable[[], Awaitable[Response]]
    ) -> Response:
        """:meth:`run` for a coroutine (the claim and the kept answer are short store calls)."""
        replay = self.begin(tenant_id)
        if replay is not None:
            return replay
        try:
            response = await action()
        except HTTPException as exc:
            self._keep_error(exc)
            raise
        except BaseException:
            self.abandon()
            raise
        self._keep(response)
        return response

    def _answer_for(self, record: EarlierRequest) -> Response:
        if record.request_hash != self.request_hash:
            raise HTTPException(
                409,
                {
                    "error": "idempotency_key_reused",
                    "detail": f"Idempotency-Key {self.key!r} was already used for another "
                    f"request ({record.method} {record.path} with another body); send a new "
                    "key with every new request",
                },
            )
        if record.in_flight:
            raise self._in_progress()
        if record.status_code == 204:
            return Response(status_code=204, headers={REPLAYED_HEADER: "true"})
        return JSONResponse(
            record.response, status_code=record.status_code, headers={REPLAYED_HEADER: "true"}
        )

    def _in_progress(self) -> HTTPException:
        return HTTPException(
            409,
            {
                "error": "idempotency_request_in_progress",
                "detail": f"a request with Idempotency-Key {self.key!r} is still running; "
                "send it again in a moment to get its answer",
            },
        )

    def _keep(self, response: Response) -> None:
        if not self.claimed:
            return
        if response.status_code >= 500:
            self.abandon()
            return
        body: Any = json.loads(bytes(response.body)) if response.body else {}
        self.finish(response.status_code, body if isinstance(body, dict) else {"data": body})

    def _keep_error(self, exc: HTTPException) -> None:
        if exc.status_code >= 500:
            self.abandon()
            return
        detail = (
            exc.detail if isinstance(exc.detail, dict) else {"error": "error", "detail": exc.detail}
        )
        self.finish(exc.status_code, detail)


def request_hash(method: str, target: str, body: bytes) -> str:
    """SHA-256 of a request's method, path (with query) and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), target.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def idempotency_of(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Makes a retry of this write safe: the same key with the same request "
            "gets the first answer again (1–255 printable ASCII characters; a UUID is good).",
            json_schema_extra={"minLength": 1, "maxLength": 255, "pattern": _KEY.pattern},
        ),
    ] = None,
) -> Idempotency:
    """The request's idempotency key (422 when malformed), with the hash of the request."""
    if key is not None and not _KEY.match(key):
        raise RecordRejected(
            [
                FieldIssue(
                    "header.idempotency-key",
                    "the Idempotency-Key must be 1 to 255 printable ASCII characters, without "
                    "spaces at either end; a UUID is a good key",
                    "idempotency_key_invalid",
                )
            ]
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = request_hash(request.method, target, await request.body())
    return Idempotency(
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=digest,
        service=services_of(request).idempotency,
    )


#: A write route's idempotency: ``idempotency: IdempotencyDep``.
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_of)]
