"""All state of one sandbox: companies (tenants) with their registers, tokens, request stats.

State lives in memory; :meth:`SandboxState.save` / :meth:`SandboxState.load` keep companies and
their registers in a JSON file so an embedded sandbox survives a restart.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fortnox_bridge.clock import Clock, SystemClock

#: Scopes a Fortnox app can be granted (fortnox-api.md §1.8).
KNOWN_SCOPES = frozenset(
    {
        "article", "archive", "bookkeeping", "companyinformation", "connectfile", "costcenter",
        "currency", "customer", "inbox", "invoice", "noxfinansinvoice", "offer", "order",
        "payment", "price", "print", "profile", "project", "salary", "settings", "supplier",
        "supplierinvoice", "timereporting",
    }
)  # fmt: skip
#: Licences a company holds by default: every scope's product module.
DEFAULT_LICENCES = tuple(sorted(KNOWN_SCOPES))
ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
STATE_FORMAT_VERSION = 1


@dataclass
class Company:
    """One Fortnox company (a tenant of the developer app)."""

    tenant_id: int
    name: str
    licences: list[str]
    employees: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_employee_number: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "tenant_id": self.tenant_id,
            "name": self.name,
            "licences": self.licences,
            "employees": self.employees,
            "next_employee_number": self.next_employee_number,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Company:
        """Inverse of :meth:`to_dict`."""
        return cls(
            tenant_id=int(data["tenant_id"]),
            name=str(data["name"]),
            licences=list(data["licences"]),
            employees=dict(data["employees"]),
            next_employee_number=int(data["next_employee_number"]),
        )


@dataclass(frozen=True)
class TokenGrant:
    """What an access token stands for."""

    tenant_id: int
    scopes: frozenset[str]
    client_id: str
    expires_at: datetime


@dataclass(frozen=True)
class DeveloperApp:
    """The built-in developer app that direct-consent tokens are issued to."""

    client_id: str
    client_secret: str


@dataclass
class Stats:
    """Request counters for the API hosts (control calls are not counted)."""

    requests_total: int = 0
    write_requests: int = 0
    responses_by_status: Counter[str] = field(default_factory=Counter)
    requests_by_method: Counter[str] = field(default_factory=Counter)

    def record(self, method: str, status: int) -> None:
        """Count one answered request."""
        self.requests_total += 1
        if method in {"POST", "PUT", "DELETE", "PATCH"}:
            self.write_requests += 1
        self.responses_by_status[str(status)] += 1
        self.requests_by_method[method] += 1

    def to_dict(self) -> dict[str, Any]:
        """The ``GET /_sandbox/stats`` body."""
        return {
            "requests_total": self.requests_total,
            "write_requests": self.write_requests,
            "responses_by_status": dict(self.responses_by_status),
            "requests_by_method": dict(self.requests_by_method),
        }


class SandboxState:
    """Everything one sandbox knows. Create one per test; nothing is global."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token_factory: Callable[[], str] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self._new_token = token_factory or (lambda: secrets.token_urlsafe(32))
        self.app = DeveloperApp(client_id="sandbox-app", client_secret=self._new_token())
        self.companies: dict[int, Company] = {}
        self.tokens: dict[str, TokenGrant] = {}
        self.refresh_tokens: dict[str, TokenGrant] = {}
        self.stats = Stats()
        self.stats_by_tenant: dict[int, Stats] = {}

    def reset(self) -> None:
        """Forget every company, token and counter (the developer app stays)."""
        self.companies.clear()
        self.tokens.clear()
        self.refresh_tokens.clear()
        self.stats = Stats()
        self.stats_by_tenant.clear()

    def add_company(self, name: str, licences: list[str] | None = None) -> Company:
        """Create a company with the next tenant id."""
        tenant_id = max(self.companies, default=0) + 1
        company = Company(tenant_id, name, list(licences or DEFAULT_LICENCES))
        self.companies[tenant_id] = company
        return company

    def issue_tokens(self, company: Company, scopes: frozenset[str]) -> tuple[str, str, TokenGrant]:
        """Direct consent: an access token (1 h on the sandbox clock) and a refresh token."""
        grant = TokenGrant(
            tenant_id=company.tenant_id,
            scopes=scopes,
            client_id=self.app.client_id,
            expires_at=self.clock.now() + ACCESS_TOKEN_LIFETIME,
        )
        access, refresh = self._new_token(), self._new_token()
        self.tokens[access] = grant
        self.refresh_tokens[refresh] = grant
        return access, refresh, grant

    def grant_for(self, access_token: str) -> TokenGrant | None:
        """The live grant behind ``access_token``, or ``None`` if unknown or expired."""
        grant = self.tokens.get(access_token)
        if grant is None or grant.expires_at <= self.clock.now():
            return None
        return grant

    def record(self, tenant_id: int | None, method: str, status: int) -> None:
        """Count one API request, overall and for its tenant."""
        self.stats.record(method, status)
        if tenant_id is not None:
            self.stats_by_tenant.setdefault(tenant_id, Stats()).record(method, status)

    def save(self, path: Path) -> None:
        """Write companies and their registers to ``path`` (atomically)."""
        data = {
            "format": STATE_FORMAT_VERSION,
            "companies": [c.to_dict() for c in self.companies.values()],
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    def load(self, path: Path) -> None:
        """Replace the companies with those saved in ``path``."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != STATE_FORMAT_VERSION:
            raise ValueError(
                f"{path}: sandbox state format {data.get('format')!r} is not "
                f"{STATE_FORMAT_VERSION}; delete the file to start with an empty sandbox"
            )
        self.companies = {
            c.tenant_id: c for c in (Company.from_dict(raw) for raw in data["companies"])
        }
