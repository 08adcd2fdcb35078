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

(``run`` for a plain function). A route that writes the store may also call
``idempotency.finish(status, body, session=session)`` inside its own transaction, so the answer
is kept atomically with the write.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.errors import FieldIssue, RecordRejected
from fortnox_bridge.clock import Clock
from fortnox_bridge.store.idempotency import IN_FLIGHT, IdempotencyRepository
from fortnox_bridge.store.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_RETENTION = timedelta(hours=24)
#: A request still marked in flight after this long died with its process: a retry may run.
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
#: Old records are deleted at most this often (by whichever request comes first).
PRUNE_EVERY = timedelta(minutes=1)
_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")


class Pruner:
    """Deletes idempotency records older than the retention, at most once per ``PRUNE_EVERY``."""

    def __init__(self, retention: timedelta) -> None:
        self.retention = retention
        self._last: datetime | None = None

    def maybe(self, sessions: sessionmaker[Session], now: datetime) -> None:
        """Prune if the last pruning is long enough ago."""
        if self._last is not None and now - self._last < PRUNE_EVERY:
            return
        self._last = now
        with sessions.begin() as session:
            IdempotencyRepository(session).prune(now - self.retention)


def install_idempotency(app: FastAPI, *, retention: timedelta = DEFAULT_RETENTION) -> None:
    """Keep answers for ``retention`` (the ``idempotency_retention_hours`` setting)."""
    app.state.idempotency_pruner = Pruner(retention)


class Idempotency:
    """The ``Idempotency-Key`` of one write request, and its claim on the stored answer."""

    def __init__(
        self,
        *,
        key: str | None,
        method: str,
        path: str,
        request_hash: str,
        sessions: sessionmaker[Session],
        clock: Clock,
        pruner: Pruner,
    ) -> None:
        self.key = key
        self.method = method
        self.path = path
        self.request_hash = request_hash
        self.sessions = sessions
        self.clock = clock
        self.pruner = pruner
        self._record_id: int | None = None
        self._settled = False

    @property
    def claimed(self) -> bool:
        """Whether this request holds its key and its answer is still to be kept."""
        return self._record_id is not None and not self._settled

    def begin(self, tenant_id: int) -> Response | None:
        """Claim the key; ``None``: run the request. Otherwise the kept answer to replay.

        Raises a ``409`` when the key belongs to another request or its request still runs.
        """
        if self.key is None:
            return None
        now = self.clock.now()
        self.pruner.maybe(self.sessions, now)
        for _ in range(3):  # a record pruned or taken over in between: look again
            try:
                with self.sessions.begin() as session:
                    self._record_id = (
                        IdempotencyRepository(session)
                        .claim(
                            tenant_id,
                            self.key,
                            method=self.method,
                            path=self.path,
                            request_hash=self.request_hash,
                            now=now,
                        )
                        .id
                    )
                return None
            except IntegrityError:
                pass
            with self.sessions.begin() as session:
                repository = IdempotencyRepository(session)
                record = repository.get(tenant_id, self.key)
                if record is None:
                    continue
                if self._stale(record, now):
                    if repository.take_over(
                        record,
                        method=self.method,
                        path=self.path,
                        request_hash=self.request_hash,
                        now=now,
                    ):
                        self._record_id = record.id
                        return None
                    continue
                return self._answer_for(record)
        raise self._in_progress()

    def finish(
        self, status_code: int, body: dict[str, Any], *, session: Session | None = None
    ) -> None:
        """Keep the answer (in ``session``'s transaction when given)."""
        if not self.claimed:
            return
        assert self._record_id is not None
        if session is not None:
            IdempotencyRepository(session).complete(self._record_id, status_code, body)
        else:
            with self.sessions.begin() as own:
                IdempotencyRepository(own).complete(self._record_id, status_code, body)
        self._settled = True

    def abandon(self) -> None:
        """Give the key up (the request failed without an answer worth replaying)."""
        if not self.claimed:
            return
        assert self._record_id is not None
        with self.sessions.begin() as session:
            IdempotencyRepository(session).release(self._record_id)
        self._settled = True

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

    def _stale(self, record: IdempotencyRecord, now: datetime) -> bool:
        expired = record.created_at <= now - self.pruner.retention
        abandoned = record.status_code == IN_FLIGHT and record.created_at <= now - IN_FLIGHT_TIMEOUT
        return expired or abandoned

    def _answer_for(self, record: IdempotencyRecord) -> Response:
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
        if record.status_code == IN_FLIGHT:
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
    state = request.app.state
    pruner = getattr(state, "idempotency_pruner", None)
    if pruner is None:
        pruner = state.idempotency_pruner = Pruner(DEFAULT_RETENTION)
    return Idempotency(
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=digest,
        sessions=state.sessions,
        clock=state.clock,
        pruner=pruner,
    )


#: A write route's idempotency: ``idempotency: IdempotencyDep``.
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_of)]
