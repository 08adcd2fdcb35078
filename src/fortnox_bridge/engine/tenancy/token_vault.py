"""Tokens in the database, encrypted, with a row lock that makes refreshes single-flight.

:class:`TokenVault` is both a :class:`fortnox_bridge.fortnox.tokens.TokenStore` and a
:class:`~fortnox_bridge.fortnox.tokens.RefreshLock` for the client's ``TokenManager``. Fortnox
refresh tokens are single-use, so every process that may refresh a tenant's
token must agree on who does it:

- PostgreSQL: ``SELECT ... FOR UPDATE`` on the connection row;
- SQLite: ``BEGIN IMMEDIATE``, which serialises writers across processes.

The token manager re-reads and saves the tokens *inside* the lock, so while a task holds it, the
vault's ``load`` and ``save`` use the locking transaction itself (a second connection would wait
for the first one: a deadlock). The transaction commits when the lock is released, which is
before the renewed token is used. Within one process an ``asyncio.Lock`` per key comes first, so
tasks queue in the event loop instead of blocking it; taking the database lock runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar

from sqlalchemy import Connection as DbConnection
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Connection


class TokenVault:
    """Encrypted token store and cross-process refresh lock over the bridge's database."""

    def __init__(self, engine: Engine, cipher: TokenCipher, *, clock: Clock) -> None:
        self._engine = engine
        self._cipher = cipher
        self._clock = clock
        self._local: dict[str, asyncio.Lock] = {}
        # The locking transaction of the current task, so load/save inside the lock reuse it.
        self._held: ContextVar[tuple[str, DbConnection] | None] = ContextVar(
            f"token-vault-{id(self)}", default=None
        )

    async def load(self, key: str) -> TokenSet | None:
        """The tokens of the connection whose ``token_key`` is ``key``."""
        with self._session(key) as session:
            row = ConnectionRepository(session).by_token_key(key)
            if row is None or row.tokens_ciphertext is None:
                return None
            return self._cipher.decrypt_tokens(row.tokens_ciphertext)

    async def save(self, key: str, tokens: TokenSet) -> None:
        """Replace the tokens of the connection ``key`` (committed when the lock is released,
        or at once outside the lock)."""
        with self._session(key) as session:
            row = ConnectionRepository(session).by_token_key(key)
            if row is None:
                raise KeyError(f"no connection with token key {key!r}")
            row.tokens_ciphertext = self._cipher.encrypt_tokens(tokens)
            row.updated_at = self._clock.now()
            session.flush()

    async def forget(self, key: str) -> None:
        """Drop the tokens of the connection ``key`` (after they were revoked at Fortnox)."""
        with self._session(key) as session:
            row = ConnectionRepository(session).by_token_key(key)
            if row is not None:
                row.tokens_ciphertext = None
                row.updated_at = self._clock.now()
                session.flush()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the refresh lock of ``key`` across tasks and processes."""
        local = self._local.setdefault(key, asyncio.Lock())
        async with local:
            connection = await asyncio.to_thread(self._lock, key)
            marker = self._held.set((key, connection))
            try:
                yield
            except BaseException:
                connection.rollback()
                raise
            else:
                connection.commit()
            finally:
                self._held.reset(marker)
                connection.close()

    def _lock(self, key: str) -> DbConnection:
        connection = self._engine.connect()
        try:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(
                    select(Connection.id).where(Connection.token_key == key).with_for_update()
                )
        except BaseException:
            connection.close()
            raise
        return connection

    @contextlib.contextmanager
    def _session(self, key: str) -> Iterator[Session]:
        held = self._held.get()
        if held is not None and held[0] == key:
            # Join the locking transaction without a savepoint; it commits with the release.
            with Session(bind=held[1], join_transaction_mode="rollback_only") as session:
                yield session
                session.flush()
            return
        with Session(bind=self._engine, expire_on_commit=False) as session, session.begin():
            yield session
