"""Validates sandbox answers against the official OpenAPI document, minus the known gaps listed in
``tests/fixtures/openapi-allowlist.toml`` (one gap per entry, each with its reason).

Stricter than JSON Schema on purpose: a key the document does not declare is a finding (JSON
Schema would allow it), because a faithful sandbox must not invent fields.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ALLOWLIST = Path(__file__).parents[2] / "fixtures" / "openapi-allowlist.toml"
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class Finding:
    """One difference between an answer and the document."""

    operation: str
    schema: str
    field: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.schema}.{self.field} [{self.kind}] {self.detail}"


class OpenApiChecker:
    """Checks ``/3/...`` answers against the document's response schemas."""

    def __init__(self, document_path: Path, allowlist: Path = ALLOWLIST) -> None:
        document = json.loads(document_path.read_text(encoding="utf-8"))
        self.schemas: dict[str, Any] = document["components"]["schemas"]
        self.paths: list[tuple[re.Pattern[str], int, dict[str, Any]]] = []
        for template, operations in document["paths"].items():
            if not template.startswith("/3/"):
                continue
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            self.paths.append((pattern, literal, operations))
        self.gaps = [
            gap for gap in tomllib.loads(allowlist.read_text(encoding="utf-8"))["gap"]
            if str(gap.get("reason", "")).strip()
        ]  # fmt: skip
        self.checked = 0

    def check(self, method: str, path: str, response: httpx.Response) -> list[Finding]:
        """Findings for one answer that no allow-list entry explains."""
        operation = f"{method} {path} → {response.status_code}"
        declared = self._operation(method, path)
        if declared is None:
            if response.status_code in (404, 405):
                return []  # the sandbox refuses what the document does not declare
            return [Finding(operation, "-", "-", "undeclared-operation", "not in the document")]
        if response.status_code == 204:
            return []
        answers = declared.get("responses", {})
        spec = answers.get(str(response.status_code)) or answers.get("default")
        if spec is None:
            return [Finding(operation, "-", "-", "undeclared-status", str(response.status_code))]
        self.checked += 1
        content = spec.get("content", {})
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media != "application/json":
            if media not in content:
                detail = f"{media} not in {sorted(content)}"
                return self._unexplained([Finding(operation, "-", "-", "content-type", detail)])
            return []
        schema = next(iter(content.values()), {}).get("schema", {})
        findings: list[Finding] = []
        self._value(operation, schema, "-", "", response.json(), findings)
        return self._unexplained(findings)

    def _operation(self, method: str, path: str) -> dict[str, Any] | None:
        matches = [(lit, ops) for pattern, lit, ops in self.paths if pattern.match(path)]
        for _, operations in sorted(matches, key=lambda m: -m[0]):
            if method.lower() in operations:
                found: dict[str, Any] = operations[method.lower()]
                return found
        return None

    def _value(
        self,
        op: str,
        schema: dict[str, Any],
        owner: str,
        field: str,
        value: Any,
        out: list[Finding],
    ) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            self._value(op, self.schemas[name], name, field, value, out)
            return
        if value is None:
            out.append(Finding(op, owner, field or "-", "null", "null where a value is declared"))
            return
        expected = schema.get("type", "object" if "properties" in schema else None)
        if expected in _TYPES and (
            not isinstance(value, _TYPES[expected])
            or (expected in ("integer", "number") and isinstance(value, bool))
        ):
            out.append(Finding(op, owner, field, "type", f"{type(value).__name__} not {expected}"))
            return
        if "enum" in schema and value not in schema["enum"] and value != "":
            out.append(Finding(op, owner, field, "enum", repr(value)))
        if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
            out.append(Finding(op, owner, field, "maxLength", f"{len(value)} characters"))
        if isinstance(value, list):
            for item in value:
                self._value(op, schema.get("items", {}), owner, field, item, out)
        elif isinstance(value, dict) and "properties" in schema:
            self._object(op, schema, owner, value, out)

    def _object(
        self, op: str, schema: dict[str, Any], owner: str, value: dict[str, Any], out: list[Finding]
    ) -> None:
        properties = schema["properties"]
        for key, item in value.items():
            if key not in properties:
                out.append(Finding(op, owner, key, "extra", "not declared"))
            else:
                self._value(op, properties[key], owner, key, item, out)
        for key in schema.get("required", []):
            if key not in value:
                out.append(Finding(op, owner, key, "required", "missing"))

    def _unexplained(self, findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if not any(_covers(gap, f) for gap in self.gaps)]


def _covers(gap: dict[str, Any], finding: Finding) -> bool:
    return (
        gap["schema"] in ("*", finding.schema)
        and gap["field"] in ("*", finding.field)
        and gap.get("kind", "extra") == finding.kind
    )


class CheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; every ``/3/...`` answer is checked and findings are collected."""

    def __init__(self, inner: httpx.AsyncBaseTransport, checker: OpenApiChecker) -> None:
        self.inner = inner
        self.checker = checker
        self.findings: list[Finding] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward, then check the answer (read in full)."""
        response = await self.inner.handle_async_request(request)
        if request.url.path.startswith("/3/"):
            body = await response.aread()
            response = httpx.Response(
                response.status_code, headers=response.headers, content=body, request=request
            )
            self.findings += self.checker.check(request.method, request.url.path, response)
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


def checked(inner: httpx.AsyncBaseTransport, document: Path) -> Iterator[httpx.AsyncBaseTransport]:
    """A fixture body: ``inner`` wrapped in a checker when ``document`` exists; fails the test at
    teardown when an answer differs from the document beyond the allow-list."""
    if not document.is_file():
        yield inner
        return
    checking = CheckingTransport(inner, OpenApiChecker(document))
    yield checking
    findings = "\n".join(str(f) for f in dict.fromkeys(checking.findings))
    assert not checking.findings, f"answers differ from the OpenAPI document:\n{findings}"
