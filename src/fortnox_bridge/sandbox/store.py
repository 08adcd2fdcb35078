"""SQLite persistence of a sandbox: apps, consents, tokens, companies and their records.

One row per record, so a write request costs one small transaction, not a rewrite of the state.
The sandbox clock's offset is kept too, so a standalone sandbox that was moved forward stays there.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fortnox_bridge.files import private_sqlite
from fortnox_bridge.sandbox.auth import AuthCode, Consent, DeveloperApp, SandboxUser, TokenGrant
from fortnox_bridge.sandbox.company import Company, Register

if TYPE_CHECKING:
    from fortnox_bridge.sandbox.state import SandboxState

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (client_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consents (
    client_id TEXT NOT NULL, tenant_id INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (client_id, tenant_id));
CREATE TABLE IF NOT EXISTS companies (tenant_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registers (
    tenant_id INTEGER NOT NULL, resource TEXT NOT NULL, next_number INTEGER NOT NULL,
    used TEXT NOT NULL, PRIMARY KEY (tenant_id, resource));
CREATE TABLE IF NOT EXISTS records (
    tenant_id INTEGER NOT NULL, resource TEXT NOT NULL, record_id TEXT NOT NULL,
    modified TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant_id, resource, record_id));
"""


class StoreFormatError(ValueError):
    """The file is not a sandbox state of this version."""


class SqliteStore:
    """Reads and writes one sandbox state file."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        if not create and not path.exists():
            raise FileNotFoundError(f"{path}: no sandbox state file")
        private_sqlite(path)  # tokens and records: for the owner only
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreFormatError(
                f"{path} is not a sandbox state file ({exc}); delete it to start afresh"
            ) from None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._meta("schema")
        if version is not None and int(version) != SCHEMA_VERSION:
            raise StoreFormatError(
                f"{path}: sandbox state format {version} is not {SCHEMA_VERSION}; "
                "delete the file to start with an empty sandbox"
            )

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def has_state(self) -> bool:
        """Whether the file already holds a saved state."""
        return self._meta("schema") is not None

    def _meta(self, key: str) -> str | None:
        with closing(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,))) as cur:
            row = cur.fetchone()
        return None if row is None else str(row[0])

    # --- writing ---------------------------------------------------------------------------

    def write_all(self, state: SandboxState) -> None:
        """Replace the file's content with the whole of ``state``."""
        db = self._db
        db.execute("BEGIN")
        for table in ("meta", "apps", "tokens", "consents", "companies", "registers", "records"):
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self._write_auth(state)
        self._write_meta(state)
        for company in state.companies.values():
            self._write_company(company, everything=True)
        db.execute("COMMIT")

    def flush(self, state: SandboxState) -> None:
        """Write what changed since the last flush."""
        dirty = [c for c in state.companies.values() if _is_dirty(c)]
        if not dirty and not state.auth.dirty and not state.clock_dirty:
            return
        self._db.execute("BEGIN")
        if state.auth.dirty:
            self._write_auth(state)
        if state.clock_dirty:
            self._write_meta(state)
        for company in dirty:
            self._write_company(company, everything=False)
        self._db.execute("COMMIT")

    def drop_company(self, tenant_id: int) -> None:
        """Remove a company and its records from the file."""
        for table in ("companies", "registers", "records"):
            self._db.execute(f"DELETE FROM {table} WHERE tenant_id = ?", (tenant_id,))

    def _write_meta(self, state: SandboxState) -> None:
        offset = str(state.clock.offset.total_seconds())
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('clock_offset', ?)", (offset,))
        state.clock_dirty = False

    def _write_auth(self, state: SandboxState) -> None:
        auth, db = state.auth, self._db
        for table in ("apps", "tokens", "consents"):
            db.execute(f"DELETE FROM {table}")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('signing_key', ?)", (auth.signing_key,))
        users = json.dumps([user.to_dict() for user in auth.users.values()])
        db.execute("INSERT OR REPLACE INTO meta VALUES ('users', ?)", (users,))
        db.executemany(
            "INSERT INTO apps VALUES (?, ?)",
            [(a.client_id, json.dumps(_app_dict(a))) for a in auth.apps.values()],
        )
        rows = [(t, "access", json.dumps(_grant_dict(g))) for t, g in auth.access.items()]
        rows += [(t, "refresh", json.dumps(_grant_dict(g))) for t, g in auth.refresh.items()]
        rows += [(t, "code", json.dumps(_code_dict(c))) for t, c in auth.codes.items()]
        db.executemany("INSERT INTO tokens VALUES (?, ?, ?)", rows)
        db.executemany(
            "INSERT INTO consents VALUES (?, ?, ?)",
            [
                (
                    client,
                    tenant,
                    json.dumps({"scopes": sorted(c.scopes), "service": c.service_account}),
                )
                for (client, tenant), c in auth.consents.items()
            ],
        )
        auth.dirty = False

    def _write_company(self, company: Company, *, everything: bool) -> None:
        db = self._db
        tenant = company.tenant_id
        if company.dirty or everything:
            db.execute(
                "INSERT OR REPLACE INTO companies VALUES (?, ?)",
                (tenant, json.dumps(company.header(), ensure_ascii=False)),
            )
            company.dirty = False
        for name, register in company.registers.items():
            if not register.dirty and not register.series_dirty and not everything:
                continue
            db.execute(
                "INSERT OR REPLACE INTO registers VALUES (?, ?, ?, ?)",
                (tenant, name, register.next_number, json.dumps(sorted(register.used))),
            )
            ids = list(register.records) if everything else sorted(register.dirty)
            for record_id in ids:
                self._write_record(tenant, name, register, record_id)
            register.dirty.clear()
            register.series_dirty = False

    def _write_record(self, tenant: int, name: str, register: Register, record_id: str) -> None:
        record = register.records.get(record_id)
        if record is None:
            self._db.execute(
                "DELETE FROM records WHERE tenant_id = ? AND resource = ? AND record_id = ?",
                (tenant, name, record_id),
            )
            return
        self._db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
            (
                tenant,
                name,
                record_id,
                register.modified.get(record_id, ""),
                json.dumps(record, ensure_ascii=False),
            ),
        )

    # --- reading ---------------------------------------------------------------------------

    def read_into(self, state: SandboxState) -> None:
        """Replace ``state``'s companies, apps, consents and tokens with the file's."""
        if not self.has_state():
            raise StoreFormatError(f"{self.path} holds no sandbox state")
        self._read_auth(state)
        offset = self._meta("clock_offset")
        if offset is not None:
            state.clock.offset = timedelta(seconds=float(offset))
        state.companies = {}
        with closing(self._db.execute("SELECT data FROM companies ORDER BY tenant_id")) as cur:
            for (data,) in cur.fetchall():
                company = Company.from_header(json.loads(data))
                state.companies[company.tenant_id] = company
        self._read_registers(state)
        for company in state.companies.values():
            company.dirty = False
        state.auth.dirty = False
        state.clock_dirty = False

    def _read_registers(self, state: SandboxState) -> None:
        query = "SELECT tenant_id, resource, next_number, used FROM registers"
        with closing(self._db.execute(query)) as cur:
            for tenant, name, next_number, used in cur.fetchall():
                register = state.companies[tenant].register(name)
                register.next_number = int(next_number)
                register.used = set(json.loads(used))
        query = "SELECT tenant_id, resource, record_id, modified, data FROM records"
        with closing(self._db.execute(query)) as cur:
            for tenant, name, record_id, modified, data in cur.fetchall():
                register = state.companies[tenant].register(name)
                register.records[record_id] = json.loads(data)
                register.modified[record_id] = modified
        for company in state.companies.values():
            for register in company.registers.values():
                register.dirty.clear()
                register.series_dirty = False

    def _read_auth(self, state: SandboxState) -> None:
        auth = state.auth
        key = self._meta("signing_key")
        if key is not None:
            auth.signing_key = key
        with closing(self._db.execute("SELECT data FROM apps")) as cur:
            apps = [_app_from(json.loads(data)) for (data,) in cur.fetchall()]
        auth.apps = {app.client_id: app for app in apps}
        if auth.default_app.client_id in auth.apps:
            auth.default_app = auth.apps[auth.default_app.client_id]
        users = [SandboxUser.from_dict(raw) for raw in json.loads(self._meta("users") or "[]")]
        auth.users = {user.user_id: user for user in users}
        auth.access, auth.refresh, auth.codes = {}, {}, {}
        with closing(self._db.execute("SELECT token, kind, data FROM tokens")) as cur:
            for token, kind, data in cur.fetchall():
                raw = json.loads(data)
                if kind == "code":
                    auth.codes[token] = _code_from(raw)
                else:
                    getattr(auth, kind)[token] = _grant_from(raw)
        with closing(self._db.execute("SELECT client_id, tenant_id, data FROM consents")) as cur:
            auth.consents = {
                (client, int(tenant)): Consent(
                    frozenset(json.loads(data)["scopes"]), bool(json.loads(data)["service"])
                )
                for client, tenant, data in cur.fetchall()
            }


def _is_dirty(company: Company) -> bool:
    return company.dirty or any(r.dirty or r.series_dirty for r in company.registers.values())


def _app_dict(app: DeveloperApp) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uris": list(app.redirect_uris),
        "scopes": sorted(app.scopes),
    }


def _app_from(raw: dict[str, Any]) -> DeveloperApp:
    return DeveloperApp(
        raw["client_id"],
        raw["client_secret"],
        tuple(raw["redirect_uris"]),
        frozenset(raw["scopes"]),
    )


def _grant_dict(grant: TokenGrant) -> dict[str, Any]:
    return {
        "tenant_id": grant.tenant_id,
        "scopes": sorted(grant.scopes),
        "client_id": grant.client_id,
        "expires_at": grant.expires_at.isoformat(),
    }


def _grant_from(raw: dict[str, Any]) -> TokenGrant:
    return TokenGrant(
        int(raw["tenant_id"]),
        frozenset(raw["scopes"]),
        raw["client_id"],
        datetime.fromisoformat(raw["expires_at"]),
    )


def _code_dict(code: AuthCode) -> dict[str, Any]:
    return {
        "client_id": code.client_id,
        "tenant_id": code.tenant_id,
        "scopes": sorted(code.scopes),
        "redirect_uri": code.redirect_uri,
        "expires_at": code.expires_at.isoformat(),
        "service_account": code.service_account,
    }


def _code_from(raw: dict[str, Any]) -> AuthCode:
    return AuthCode(
        raw["client_id"],
        int(raw["tenant_id"]),
        frozenset(raw["scopes"]),
        raw["redirect_uri"],
        datetime.fromisoformat(raw["expires_at"]),
        bool(raw["service_account"]),
    )
