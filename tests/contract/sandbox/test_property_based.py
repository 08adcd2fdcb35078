"""Property-based run against the sandbox's API: for every operation in scope, schemathesis
generates valid and invalid requests (random ids, and the ids of records that exist); no answer
may be a 5xx, and every answer must match the OpenAPI document (minus the allow-list)."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.seed import apply_seed
from fortnox_bridge.sandbox.transport import SandboxTransport

from .openapi_check import OpenApiChecker

pytestmark = pytest.mark.reference

EXAMPLES_PER_OPERATION = 4
SCOPES = frozenset(
    {"article", "bookkeeping", "companyinformation", "costcenter", "customer", "invoice",
     "order", "profile", "project", "salary", "settings", "supplier", "supplierinvoice"}
)  # fmt: skip
#: Path parameters of records the demo company (plus the setup below) has.
KNOWN_IDS = {
    "EmployeeId": "1", "CustomerNumber": "1", "ArticleNumber": "101", "ProjectNumber": "1",
    "DocumentNumber": "1", "SalaryRow": "1", "ExpenseCode": "1", "Id": "1", "Date": "2026-01-05",
    "SupplierNumber": "1", "Number": "1930", "VoucherSeries": "A", "VoucherNumber": "1",
    "GivenNumber": "1",
}  # fmt: skip
CODES = {"/3/units": "st", "/3/costcenters": "ADM", "/3/termsofpayments": "30",
         "/3/voucherseries": "A"}  # fmt: skip


def _in_scope(document: dict[str, Any]) -> dict[str, Any]:
    """The document reduced to the resources the sandbox serves; bodies declared as JSON."""
    roots = tuple(d.path for d in CATALOGUE)
    trimmed = copy.deepcopy(document)
    trimmed["paths"] = {
        path: operations
        for path, operations in document["paths"].items()
        if any(path == root or path.startswith(root + "/") for root in roots)
    }
    for operations in trimmed["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                content = operation["requestBody"]["content"]  # declared as */*
                operation["requestBody"]["content"] = {
                    "application/json": next(iter(content.values()))
                }
    return trimmed


async def _setup(app: Any, token: str) -> dict[str, str]:
    """Records for every kind of id; the UUIDs of the transactions created."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url="http://sandbox.test", transport=SandboxTransport(app), headers=headers
    ) as client:
        row = {"ArticleNumber": "101", "OrderedQuantity": 1, "DeliveredQuantity": 1}
        await client.post("/3/orders", json={"Order": {"CustomerNumber": "1", "OrderRows": [row]}})
        await client.post(
            "/3/invoices", json={"Invoice": {"CustomerNumber": "1", "InvoiceRows": [row]}}
        )
        await client.post("/3/suppliers", json={"Supplier": {"Name": "Fuzz Leverantör"}})
        rows = [{"Account": 1930, "Debit": 100}, {"Account": 3001, "Credit": 100}]
        voucher = {"Description": "Fuzz", "TransactionDate": "2026-01-05", "VoucherSeries": "A"}
        await client.post("/3/vouchers", json={"Voucher": {**voucher, "VoucherRows": rows}})
        await client.post(
            "/3/supplierinvoices", json={"SupplierInvoice": {"SupplierNumber": "1", "Total": "10"}}
        )
        day = {"EmployeeId": "1", "Date": "2026-01-05"}
        absence = await client.post(
            "/3/absencetransactions", json={"AbsenceTransaction": {**day, "CauseCode": "SJK"}}
        )
        attendance = await client.post(
            "/3/attendancetransactions", json={"AttendanceTransaction": {**day, "CauseCode": "TID"}}
        )
        await client.post(
            "/3/salarytransactions", json={"SalaryTransaction": {**day, "SalaryCode": "11"}}
        )
    return {
        "absencetransactions": absence.json()["AbsenceTransaction"]["id"],
        "attendancetransactions": attendance.json()["AttendanceTransaction"]["id"],
        "archive": "00000000-0000-4000-8000-000000000000",  # no such file: the 404 is checked
    }


def test_no_generated_request_gets_a_5xx(reference_dir: Path) -> None:
    document = json.loads((reference_dir / "fortnox-openapi.json").read_text(encoding="utf-8"))
    checker = OpenApiChecker(reference_dir / "fortnox-openapi.json")
    state = SandboxState(clock=ManualClock())
    app = create_app(state)
    company = state.add_company("Fuzz AB")
    apply_seed(company, "demo", today=state.clock.now().date())
    token = state.issue_tokens(company, SCOPES).access_token
    uuids = asyncio.run(_setup(app, token))
    schema = schemathesis.openapi.from_dict(_in_scope(document))
    schema.app = app
    auth = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    calls = 0

    def call(case: schemathesis.Case, label: str) -> None:
        nonlocal calls
        response = case.call(headers=auth)
        calls += 1
        if response.status_code >= 500:
            problems.append(f"{label} {case.path_parameters} {case.query} → {response.status_code}")
        headers = {k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
        answer = httpx.Response(response.status_code, headers=headers, content=response.content)
        path = case.formatted_path
        problems.extend(str(f) for f in checker.check(case.method.upper(), path, answer))

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    for operation in operations:
        _explore(operation, call, uuids)
    assert calls > 300
    assert not problems, "\n".join(dict.fromkeys(problems))


def _explore(operation: Any, call: Any, uuids: dict[str, str]) -> None:
    """A bounded, reproducible run of valid and invalid requests for one operation."""
    positive = operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
    negative = operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)

    @given(case=positive | negative)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    )  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        call(case, operation.label)
        if case.path_parameters:
            case.path_parameters = _known(operation.path, case.path_parameters, uuids)
            call(case, operation.label)

    run()


def _known(path: str, parameters: dict[str, Any], uuids: dict[str, str]) -> dict[str, Any]:
    known: dict[str, Any] = {}
    for name in parameters:
        if name == "id":
            known[name] = next(v for k, v in uuids.items() if k in path)
        elif name == "Code":
            known[name] = next((v for prefix, v in CODES.items() if path.startswith(prefix)), "SJK")
        else:
            known[name] = KNOWN_IDS.get(name, "1")
    return known
