"""Our employee model and the sandbox's employee answers agree with the official OpenAPI."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.openapi_check import checked

from conftest import REFERENCE_DIR
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.models import Employee
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.transport import SandboxTransport


@pytest.fixture
def sandbox_transport(sandbox_state: SandboxState) -> Iterator[httpx.AsyncBaseTransport]:
    """Every API answer of this module is checked against the OpenAPI document."""
    document = REFERENCE_DIR / "fortnox-openapi.json"
    yield from checked(SandboxTransport(create_app(sandbox_state)), document)


pytestmark = pytest.mark.reference

ALLOWLIST = Path(__file__).parents[1] / "fixtures" / "openapi-allowlist.toml"


def _allowed(schema: str) -> set[str]:
    gaps = tomllib.loads(ALLOWLIST.read_text(encoding="utf-8"))["gap"]
    return {gap["field"] for gap in gaps if gap["schema"] == schema and gap["reason"].strip()}


def _schemas(reference_dir: Path) -> dict[str, Any]:
    document = json.loads((reference_dir / "fortnox-openapi.json").read_text(encoding="utf-8"))
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def test_every_employee_field_we_use_exists_in_the_official_schema(reference_dir: Path) -> None:
    properties = _schemas(reference_dir)["fortnox_Employee"]["properties"]
    ours = Employee.wire_names()
    assert ours - set(properties) - _allowed("fortnox_Employee") == set()
    assert properties["EmployeeId"]["maxLength"] == Employee.wire_limits["EmployeeId"]["maxLength"]


async def test_sandbox_employee_answers_use_only_documented_keys_and_types(
    reference_dir: Path, client: FortnoxClient
) -> None:
    schemas = _schemas(reference_dir)
    await client.employees.create({"first_name": "Karin", "last_name": "Ek"})
    single = (await client._http.get("/3/employees/1")).json()["Employee"]
    listed = (await client._http.get("/3/employees")).json()["Employees"][0]
    for record, schema_name in ((single, "fortnox_Employee"), (listed, "fortnox_EmployeeListItem")):
        properties = schemas[schema_name]["properties"]
        assert set(record) - set(properties) - _allowed(schema_name) == set(), schema_name
        for key, value in record.items():
            if value is None:
                continue  # Fortnox sends null for unset values; the document declares none
            expected = properties.get(key, {}).get("type")
            if expected == "boolean":
                assert isinstance(value, bool), key
            elif expected == "string":
                assert isinstance(value, str), key
