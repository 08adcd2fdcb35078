"""Kept answers of writes sent with an idempotency key: claiming a key, keeping the answer of the
request that holds it, and forgetting old answers.

A front end claims the key before it runs a write. The claim either holds the key (run the
write, then :meth:`Claim.finish` or :meth:`Claim.abandon`), or finds the earlier request with the
same key (:class:`EarlierRequest`: replay its answer, or refuse), or gives up while another
request keeps taking the key over (``None``: still in progress).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.idempotency import IN_FLIGHT, IdempotencyRepository
from fortnox_bridge.store.models import IdempotencyRecord

#: How long answers are kept unless the settings say otherwise.
DEFAULT_RETENTION = timedelta(hours=24)
#: A request still marked in flight after this long died with its process: a retry may run.
IN_FLIGHT_TIMEOUT = timedelta(minutes=2)
#: Old records are deleted at most this often (by whichever request comes first).
PRUNE_EVERY = timedelta(minutes=1)
#: The open store transaction of a write, handed to a callback that keeps the answer with it.
Transaction = Session


@dataclass(frozen=True)
class EarlierRequest:
    """The request that holds a key already: what it was, and its answer (if it has one)."""

    method: str
    path: str
    request_hash: str
    status_code: int
    response: dict[str, Any]

    @property
    def in_flight(self) -> bool:
        """Whether that request still runs (it has no answer yet)."""
        return self.status_code == IN_FLIGHT


class Claim:
    """A request's hold on its key: the stored placeholder its answer replaces."""

    def __init__(self, sessions: sessionmaker[Session], record_id: int) -> None:
        self.sessions = sessions
        self.record_id = record_id
        self.settled = False

    def finish(
        self, status_code: int, body: dict[str, Any], *, session: Transaction | None = None
    ) -> None:
        """Keep the answer (in ``session``'s transaction when given)."""
        if self.settled:
            return
        if session is not None:
            IdempotencyRepository(session).complete(self.record_id, status_code, body)
        else:
            with self.sessions.begin() as own:
                IdempotencyRepository(own).complete(self.record_id, status_code, body)
        self.settled = True

    def abandon(self) -> None:
        """Give the key up (the request failed without an answer worth replaying)."""
        if self.settled:
            return
        with self.sessions.begin() as session:
            IdempotencyRepository(session).release(self.record_id)
        self.settled = True


class IdempotencyService:
    """Claims keys of one store, and deletes answers older than ``retention`` (at most once per
    :data:`PRUNE_EVERY`)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.retention = retention
        self._last_prune: datetime | None = None

    def claim(
        self, tenant_id: int, key: str, *, method: str, path: str, request_hash: str
    ) -> Claim | EarlierRequest | None:
        """Claim ``key`` for a request; see the module's docstring for the three answers."""
        now = self.clock.now()
        self._prune(now)
        for _ in range(3):  # a record pruned or taken over in between: look again
            try:
                with self.sessions.begin() as session:
                    record_id = (
                        IdempotencyRepository(session)
                        .claim(
                            tenant_id,
                            key,
                            method=method,
                            path=path,
                            request_hash=request_hash,
                            now=now,
                        )
                        .id
                    )
                return Claim(self.sessions, record_id)
            except IntegrityError:
                pass
            with self.sessions.begin() as session:
                repository = IdempotencyRepository(session)
                record = repository.get(tenant_id, key)
                if record is None:
                    continue
                if self._stale(record, now):
                    if repository.take_over(
                        record, method=method, path=path, request_hash=request_hash, now=now
                    ):
                        return Claim(self.sessions, record.id)
                    continue
                return EarlierRequest(
                    record.method,
                    record.path,
                    record.request_hash,
                    record.status_code,
                    record.response,
                )
        return None

    def _prune(self, now: datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        with self.sessions.begin() as session:
            IdempotencyRepository(session).prune(now - self.retention)

    def _stale(self, record: IdempotencyRecord, now: datetime) -> bool:
        expired = record.created_at <= now - self.retention
        abandoned = record.status_code == IN_FLIGHT and record.created_at <= now - IN_FLIGHT_TIMEOUT
        return expired or abandoned
