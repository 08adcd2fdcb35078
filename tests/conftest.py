"""Shared fixtures: injected clock, in-process sandbox, Fortnox client, store on SQLite/PostgreSQL.

PostgreSQL tests need a server (``FORTNOX_BRIDGE_TEST_POSTGRES_URL``, default the local one with
trust auth). Without one they skip with a clear message, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.db import MIGRATIONS_DIR, migrate, open_engine, session_factory

SANDBOX_URL = "http://sandbox.test"
REDIS_URL = os.environ.get("FORTNOX_BRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_ADMIN_URL = os.environ.get(
    "FORTNOX_BRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
IN_CI = os.environ.get("CI", "").lower() == "true"

ClientFactory = Callable[..., Awaitable[FortnoxClient]]

#: Under ``--dist loadgroup`` (``make test``), the tests whose ids start with one of these run
#: in one process, in order: the browser tests share their bridges and browser (started once per
#: process, 30 s and more each). Every other test is handed out alone, to whichever process is
#: free, so no file's length keeps one process busy while the other waits.
TOGETHER = ("tests/e2e/web/",)


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    """Test stores on SQLite do not wait for the disk at each commit (3 ms, and much more
    while other processes write): they are thrown away, and no test outlives a power cut.
    A process that is killed loses nothing either way (its writes are in the OS's cache)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The ``loadgroup`` scheduling by :data:`TOGETHER` (xdist's own reads ``xdist_group``
    marks from test ids that pytest 9 no longer lets it change, so it groups nothing)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Grouped(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for group in TOGETHER if nodeid.startswith(group)), nodeid)

    return Grouped(config, log)


def unavailable(service: str, reason: str) -> None:
    """Skip a test that needs ``service``; under CI=true fail instead, since CI must run it."""
    message = f"{service} is not available: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: {service} tests must run, not skip)")
    pytest.skip(message)


@pytest.fixture
def reference_dir() -> Path:
    """``../shared/reference`` beside the repository; tests skip when it is absent."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference material not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture
def clock() -> ManualClock:
    """The injected clock; tests move it instead of sleeping."""
    return ManualClock()


@pytest.fixture
def sandbox_state(clock: ManualClock) -> SandboxState:
    """A fresh sandbox driven by the test clock."""
    return SandboxState(clock=clock)


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> httpx.ASGITransport:
    """In-process transport to the sandbox app."""
    return httpx.ASGITransport(app=create_app(sandbox_state))


@pytest.fixture
async def control(sandbox_transport: httpx.ASGITransport) -> AsyncIterator[SandboxControl]:
    """The sandbox control API client, in-process."""
    async with SandboxControl(SANDBOX_URL, transport=sandbox_transport) as client:
        yield client


@pytest.fixture
async def make_client(
    control: SandboxControl, sandbox_transport: httpx.ASGITransport
) -> AsyncIterator[ClientFactory]:
    """``await make_client(tenant_id, scopes=[...])`` → a FortnoxClient for that company."""
    clients: list[FortnoxClient] = []

    async def factory(tenant_id: int, scopes: list[str] | None = None) -> FortnoxClient:
        tokens = await control.issue_tokens(tenant_id, scopes or ["salary"])
        client = FortnoxClient(
            access_token=tokens["access_token"], api_url=SANDBOX_URL, transport=sandbox_transport
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


@pytest.fixture
async def company(control: SandboxControl) -> int:
    """An empty sandbox company; its tenant id."""
    created = await control.create_company("Testbolaget AB", seed="empty")
    return int(created["tenant_id"])


@pytest.fixture
async def client(make_client: ClientFactory, company: int) -> FortnoxClient:
    """A client with the ``salary`` scope for :func:`company`."""
    return await make_client(company)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the test session; its URL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"fortnox_bridge_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A commit need not wait for its WAL flush here: the database is thrown away, and
            # no test crashes the server. Waiting cost 20 ms a commit (1 ms without).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except Exception as exc:  # any driver or connection failure means: no server to test on
        admin.dispose()
        yield f"unavailable:{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        return
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


#: What the per-process PostgreSQL test database holds now: ``"migrated"`` (the schema at the
#: newest migration, perhaps with a test's rows) or anything else (unknown: cleared before use).
_POSTGRES_STATE = {"schema": "unknown"}
#: Store URLs a fixture has already migrated for the running test (``sessions`` skips them).
_PREPARED: set[str] = set()


def _clear_postgres(url: str) -> None:
    """An empty ``public`` schema in the test database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _POSTGRES_STATE["schema"] = "unknown"


def _empty_postgres_tables(url: str) -> None:
    """Every table of the migrated schema emptied, sequences restarted (the schema kept).

    ``DELETE`` in foreign-key order, not ``TRUNCATE``: on tables of a few rows it costs a
    twentieth (``TRUNCATE`` replaces every table's files), and this runs before most
    PostgreSQL tests."""
    engine = create_engine(url)
    with engine.begin() as conn:
        tables, sequences = _postgres_layout(conn)
        deletes = [f"DELETE FROM {table}" for table in tables]
        restarts = [f"ALTER SEQUENCE {sequence} RESTART" for sequence in sequences]
        conn.execute(text("; ".join(deletes + restarts)))  # one round trip
    engine.dispose()


def _postgres_layout(conn: Connection) -> tuple[list[str], list[str]]:
    """The schema's tables, each before the tables it refers to, and its sequences (read each
    time: a test may have added tables, such as the job queue's)."""
    tables = frozenset(
        conn.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        )
    )
    sequences = conn.scalars(
        text("SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'")
    ).all()
    if tables not in _ORDER:
        edges = conn.execute(
            text(
                "SELECT quote_ident(c.relname), quote_ident(p.relname) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid"
            )
        ).all()
        parents: dict[str, set[str]] = {table: set() for table in tables}
        for child, parent in edges:
            parents.setdefault(child, set()).add(parent)
        ordered = TopologicalSorter(parents).static_order()  # parents first
        _ORDER[tables] = [table for table in ordered if table in tables][::-1]
    return _ORDER[tables], list(sequences)


#: The tables of a schema in the order they can be emptied, by the schema's set of tables.
_ORDER: dict[frozenset[str], list[str]] = {}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once per test process; tests that want a migrated store get a
    copy of it instead of running every migration again."""
    path = tmp_path_factory.mktemp("store-template") / "store.sqlite"
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store URL, once per backend: a SQLite file and a PostgreSQL database.

    The store is empty (no schema), except for a test that also uses :func:`sessions` or
    :func:`migrated_url`: it gets
    the store already migrated and empty, made from a migrated copy (SQLite) or by emptying the
    tables of the schema the previous test left at the newest migration (PostgreSQL), which is
    much cheaper than migrating from nothing for every test.
    """
    migrated = bool({"sessions", "migrated_url"} & set(request.fixturenames))
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite"
        url = f"sqlite:///{path}"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    else:
        url = request.getfixturevalue("postgres_database")
        if url.startswith("unavailable:"):
            unavailable("PostgreSQL", f"{POSTGRES_ADMIN_URL}: {url.removeprefix('unavailable:')}")
        if migrated and _POSTGRES_STATE["schema"] == "migrated":
            _empty_postgres_tables(url)
        else:
            _clear_postgres(url)
            if migrated:
                engine = open_engine(url)
                migrate(engine)
                engine.dispose()
        # Until the test is over, nothing is known of what it does to the schema.
        _POSTGRES_STATE["schema"] = "unknown"
    if migrated:
        _PREPARED.add(url)
    yield url
    _PREPARED.discard(url)


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The store URL on PostgreSQL only (cleared), for what needs PostgreSQL (the job queue)."""
    if postgres_database.startswith("unavailable:"):
        reason = postgres_database.removeprefix("unavailable:")
        unavailable("PostgreSQL", f"{POSTGRES_ADMIN_URL}: {reason}")
    _clear_postgres(postgres_database)
    return postgres_database


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a freshly migrated, empty store (SQLite and PostgreSQL)."""
    engine = open_engine(db_url)
    if db_url not in _PREPARED:
        migrate(engine)
    yield session_factory(engine)
    engine.dispose()
    _note_schema(db_url)


@pytest.fixture
def migrated_url(db_url: str) -> Iterator[str]:
    """:func:`db_url` already migrated and empty, for tests of commands and apps that would
    otherwise migrate an empty store (seconds) before what they are about; whether an empty
    store is migrated on first use is tested with :func:`db_url` itself."""
    yield db_url
    _note_schema(db_url)


def _note_schema(url: str) -> None:
    """After a test: remember whether the PostgreSQL schema is still at the newest migration,
    so the next test that wants a migrated store only empties its tables."""
    if url.startswith("postgresql") and _schema_at_head(url):
        _POSTGRES_STATE["schema"] = "migrated"


def _schema_at_head(url: str) -> bool:
    """Whether the PostgreSQL test database's schema is at the newest migration."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # no version table: the test dropped or replaced the schema
        return False
    finally:
        engine.dispose()
    return current == _head_revision()


@functools.cache
def _head_revision() -> str | None:
    """The newest migration's revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    """A real Redis (database 15 by default, ``FORTNOX_BRIDGE_TEST_REDIS_URL``), keys cleaned up."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # no server to test on
        await client.aclose()
        unavailable("Redis", f"{REDIS_URL}: {exc}")
    prefix = f"fortnox-bridge-test:{uuid.uuid4().hex[:8]}:"
    client.test_prefix = prefix
    yield client
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
