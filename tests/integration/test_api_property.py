"""Property-based run against the host API's own OpenAPI document (``/api/openapi.json``).

For every operation schemathesis generates valid and invalid requests, with random ids and with
the ids of records that exist. The API runs as ``serve`` runs it: with the sync service against
the in-process sandbox (a connected tenant), a job dispatcher, the secret-key cipher and the
sandbox's approvals, so the engine routes answer for real. No answer may be a 5xx, and every
answer must match the document: a documented status code, the documented content type and
headers, a body of the documented schema. Tenant routes are called with a read-write tenant key,
tenant management with an admin key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from integration.bridge_api import api_app

from .conftest import SANDBOX_URL, Bridge

EXAMPLES_PER_OPERATION = 5
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: A valid record of every host entity, stored before the run so known ids exist.
RECORDS: dict[str, dict[str, Any]] = {
    "employees": {"email": "karin.ek@example.se", "given_name": "Karin", "family_name": "Ek"},
    "absence-types": {"code": "SEM", "name": "Semester"},
    "absences": {"employee": "known", "absence_type": "known", "start": "2026-03-02"},
    "projects": {"number": "P1", "name": "Bygget"},
    "time-entries": {"employee": "known", "date": "2026-03-02", "hours": "8"},
    "construction-projects": {"number": "10000", "name": "Skolan", "status_code": 50},
    "work-orders": {
        "project": "known",
        "number": "1",
        "name": "Order",
        "status_code": 50,
        "created_on": "2026-03-02",
    },
    "change-orders": {
        "project": "known",
        "number": "1",
        "name": "Order",
        "status_code": 50,
        "created_on": "2026-03-02",
    },
    "supplier-invoices": {
        "supplier": {"number": "L1", "name": "Bygg AB"},
        "invoice_number": "F-1",
        "invoice_date": "2026-03-02",
        "due_date": "2026-04-01",
        "total": "100",
        "rows": [{"account": 4000, "amount": "100"}],
    },
    "customer-invoices": {
        "invoice_number": "H-1",
        "customer_number": "1001",
        "invoice_date": "2026-03-02",
        "rows": [{"account": 3001, "amount": "100", "vat": 25}],
        "pdf": "JVBERi0xLjQK",
    },
    "project-customers": {"number": "1001", "name": "Bygg AB"},
    "project-suppliers": {"number": "2001", "name": "Bygglager AB"},
    "service-objects": {"number": "SO1", "name": "Kompressor", "operating_hours": "120.5"},
    "service-orders": {
        "number": "1",
        "kind": "service",
        "customer_number": "1001",
        "order_date": "2026-03-02",
        "rows": [
            {"type": "article", "article_number": "A1", "quantity": "2", "price": "10.50"},
            {"type": "text", "text": "Service"},
        ],
    },
    "service-customers": {"number": "3001", "name": "Fastighet AB", "type": "company"},
    "service-articles": {"number": "S-1", "description": "Filterbyte", "type": "service"},
    "service-prices": {"article_number": "S-1", "price_list": "A", "price": "450.00"},
    "time-reports": {"employee_number": "1", "date": "2026-03-02", "hours": "8", "code": "TID"},
    # No voucher: vouchers come from Fortnox, and the API refuses a host's write (405).
}


def _cases(operation: Any) -> list[schemathesis.Case]:
    """A bounded, reproducible set of valid and invalid requests for one operation; each case
    with an ``external_id`` also once with the id of a stored record."""
    positive = operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
    negative = operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
    found: list[schemathesis.Case] = []

    @given(case=positive | negative)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    )  # fmt: skip
    def collect(case: schemathesis.Case) -> None:
        found.append(case)

    collect()
    known = []
    for case in found:
        if case.path_parameters and "external_id" in case.path_parameters:
            twin = operation.Case(
                path_parameters={**case.path_parameters, "external_id": "known"},
                query=case.query,
                headers=case.headers,
                body=case.body,
                media_type=case.media_type,
            )
            known.append(twin)
    return found + known


def _first_lines(failure: BaseException, lines: int = 14) -> str:
    return "\n".join(str(failure).splitlines()[:lines])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_generated_request_breaks_the_document(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
    tmp_path: Path,
) -> None:
    await bridge.connect()
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        keys = {
            "tenant": tenants.create_api_key(bridge.tenant, label="fuzz", now=NOW).key,
            "admin": tenants.issue_admin_key(label="fuzz", now=NOW),
        }

    async def handle(job: Job) -> None:
        if job.kind == "sweep":
            await bridge.service.sweep(job.tenant_id)
        else:
            await bridge.service.push(job.tenant_id, job.record_map())

    dispatcher = InProcessDispatcher(handle, workers=1)
    dispatcher.start()

    async def register(redirect_uri: str) -> ConsentApp:
        app = sandbox_state.auth.register_app((redirect_uri,), KNOWN_SCOPES)
        return ConsentApp(app.client_id, app.client_secret)

    secret_key = Fernet.generate_key().decode()
    hooks = EngineHooks(
        service=bridge.service,
        dispatcher=dispatcher,
        cipher=TokenCipher(secret_key),
        consent=FortnoxConsent(
            browser_auth_url=SANDBOX_URL,
            token_url=SANDBOX_URL,
            transport=faulty_transport,
            register=register,
            sandbox=True,
        ),
    )
    # As serve has it: the secret key the cipher uses also signs links to ledger documents.
    settings = Settings(data_dir=tmp_path, secret_key=secret_key)
    app = api_app(sessions, clock=clock, hooks=hooks, settings=settings)
    problems: list[str] = []
    calls = 0
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as http:
        tenant_auth = {"Authorization": f"Bearer {keys['tenant']}"}
        for collection, record in RECORDS.items():
            stored = await http.put(f"/api/v1/{collection}/known", json=record, headers=tenant_auth)
            assert stored.status_code in (200, 201), stored.text
        document = (await http.get("/api/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 50

        async def call(case: schemathesis.Case, label: str) -> None:
            nonlocal calls
            admin = case.path.startswith("/api/v1/tenants")
            auth = {"Authorization": f"Bearer {keys['admin' if admin else 'tenant']}"}
            request = case.as_transport_kwargs(base_url="http://bridge.test", headers=auth)
            request.pop("base_url", None)
            if not request.get("cookies"):
                request.pop("cookies", None)
            if isinstance(request.get("data"), str | bytes):
                request["content"] = request.pop("data")
            response = await http.request(**request)
            calls += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=auth)
            except FailureGroup as failures:
                problems.extend(f"{label}: {_first_lines(f)}" for f in failures.exceptions)

        explore: Callable[[Any], list[schemathesis.Case]] = _cases
        for operation in operations:
            for case in explore(operation):
                await call(case, operation.label)
    await dispatcher.stop()
    assert calls > 300
    assert not problems, "\n\n".join(dict.fromkeys(problems))
