"""Every recorded real Fortnox answer goes through the client: bodies parse into the typed
models, error answers become the right error class with the recorded code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxApiError,
    InvalidClientError,
    NotFoundError,
    ReauthenticationRequired,
    ValidationError,
)
from fortnox_bridge.fortnox.models.base import FortnoxModel
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.resources.base import Page, Resource
from fortnox_bridge.fortnox.retry import NO_RETRIES

pytestmark = pytest.mark.reference

RESOURCE_BY_SEGMENT = {
    "articles": "articles", "customers": "customers", "invoices": "invoices", "orders": "orders",
    "projects": "projects", "termsofpayments": "terms_of_payments", "units": "units",
}  # fmt: skip


def exchanges(reference_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((reference_dir / "fortnox-vcr").rglob("*.yml")):
        cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
        for number, exchange in enumerate(cassette["http_interactions"]):
            name = f"{path.relative_to(reference_dir / 'fortnox-vcr')}#{number}"
            found.append((name, exchange))
    return found


def recorded_response(exchange: dict[str, Any]) -> httpx.Response:
    response = exchange["response"]
    body = response["body"].get("string", "") or ""
    return httpx.Response(response["status"]["code"], content=body.encode("utf-8"))


async def replay(exchange: dict[str, Any], clock: ManualClock) -> Any:
    """Send the recorded request through the client; the transport answers as Fortnox did."""
    transport = httpx.MockTransport(lambda request: recorded_response(exchange))
    request = exchange["request"]
    url = httpx.URL(request["uri"])
    method = request["method"].upper()
    if url.host == "apps.fortnox.se":
        oauth = OAuthApp("id", "secret", transport=transport, clock=clock)
        return await oauth.refresh("recorded")
    client = FortnoxClient(
        access_token="t", api_url="https://api.fortnox.se", transport=transport, retry=NO_RETRIES
    )
    parts = [part for part in url.path.split("/") if part][1:]  # drop the "3"
    resource: Resource[Any, Any] = getattr(client, RESOURCE_BY_SEGMENT[parts[0]])
    record_id = parts[1] if len(parts) > 1 else None
    if method == "GET" and record_id is None:
        return await resource.list_page()
    if method == "GET":
        return await resource.get(record_id)
    if method == "POST":
        return await resource.create({})
    return await resource.update(str(record_id), {})


def expected_error(exchange: dict[str, Any]) -> tuple[type[Exception], int | None] | None:
    status = exchange["response"]["status"]["code"]
    if status < 400:
        return None
    body = json.loads(exchange["response"]["body"]["string"])
    if "error" in body and "error_description" in body:
        kind = {"invalid_grant": ReauthenticationRequired, "invalid_client": InvalidClientError}
        return kind[body["error"]], None
    if body == {"message": "unauthorized"}:
        return AuthenticationError, None
    info = body["ErrorInformation"]
    code = int(info.get("code", info.get("Code")))
    return {404: NotFoundError, 400: ValidationError}[status], code


async def test_every_recorded_exchange_parses_or_maps_to_its_error(
    reference_dir: Path, clock: ManualClock
) -> None:
    cases = exchanges(reference_dir)
    assert len(cases) == 129
    problems: list[str] = []
    parsed = errors = 0
    for name, exchange in cases:
        expected = expected_error(exchange)
        try:
            result = await replay(exchange, clock)
        except Exception as exc:
            if expected is None:
                problems.append(f"{name}: unexpected {exc!r}")
                continue
            cls, code = expected
            if type(exc) is not cls:
                problems.append(f"{name}: {type(exc).__name__}, expected {cls.__name__}")
            elif code is not None and isinstance(exc, FortnoxApiError) and exc.code != code:
                problems.append(f"{name}: code {exc.code}, expected {code}")
            else:
                errors += 1
            continue
        if expected is not None:
            problems.append(f"{name}: parsed, but Fortnox answered an error")
            continue
        assert isinstance(result, FortnoxModel | Page) or hasattr(result, "access_token")
        parsed += 1
    assert problems == []
    assert (parsed, errors) == (113, 16)  # 16 recorded answers are errors


async def test_recorded_values_keep_their_meaning(reference_dir: Path, clock: ManualClock) -> None:
    cassette = yaml.safe_load(
        (reference_dir / "fortnox-vcr" / "invoices" / "find_id_1.yml").read_text(encoding="utf-8")
    )
    invoice = await replay(cassette["http_interactions"][0], clock)
    assert invoice.document_number == "1"  # sent as a string by Fortnox, kept as text
    assert invoice.total is not None
    assert invoice.invoice_rows is not None
