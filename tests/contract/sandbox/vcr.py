"""Replays recorded Fortnox exchanges (``../shared/reference/fortnox-vcr``) against the sandbox.

Each exchange gets a fresh sandbox whose clock stands at the recording date and which is seeded
with what the recorded answer shows must exist (the record asked for, the listed records, the
customer and articles a document refers to). The sandbox's answer must have the recorded status,
the same JSON keys at every level and the same JSON types; values are not compared (dates, ids,
URLs and counts depend on the account the recording was made on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.seed import apply_seed
from fortnox_bridge.sandbox.transport import SandboxTransport

IN_SCOPE = (
    "articles", "authentication", "customers", "invoices", "orders", "projects",
    "termsofpayments", "units",
)  # fmt: skip
SCOPES = ["article", "customer", "invoice", "order", "project", "settings"]
BASE_URL = "http://sandbox.test"
STAMP = "2023-01-01 00:00:00"


def _invoice_row(**row: object) -> dict[str, object]:
    line = {"ArticleNumber": "101", "Description": "Test", **row}
    return {"Invoice": {"CustomerNumber": "1", "InvoiceRows": [line]}}


#: Request bodies the upstream scrubber replaced with ``<REFRESH_TOKEN>``, rebuilt from the answers.
SCRUBBED = {
    "articles/limits/quantity_in_stock_min_value.yml": {
        "Article": {"Description": "Test article", "QuantityInStock": -100000000000000}
    },
    "articles/limits/quantity_in_stock_rounding_positive_value.yml": {
        "Article": {"Description": "Test article", "QuantityInStock": 1.123}
    },
    "invoices/row_delivered_quantity_decimals.yml": _invoice_row(DeliveredQuantity=1.123),
    "invoices/row_delivered_quantity_decimals_round_up.yml": _invoice_row(DeliveredQuantity=1.127),
    "invoices/row_price_limit.yml": _invoice_row(Price=1.123),
    "invoices/row_price_limit_round_up.yml": _invoice_row(Price=1.127),
}


@dataclass
class Exchange:
    """One recorded request and answer."""

    name: str
    method: str
    path: str
    query: str
    body: str
    status: int
    answer: Any
    location: str | None
    recorded_at: datetime


@dataclass
class Outcome:
    """How the sandbox's answer compares with the recorded one."""

    exchange: Exchange
    differences: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """Same status, keys and types."""
        return not self.differences


def load(folder: Path) -> list[Exchange]:
    """Every exchange of the resources in scope."""
    exchanges = []
    for path in sorted(folder.rglob("*.yml")):
        name = path.relative_to(folder).as_posix()
        if name.split("/")[0] not in IN_SCOPE:
            continue
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["http_interactions"]:
            request, response = interaction["request"], interaction["response"]
            url = urlsplit(request["uri"])
            raw = response["body"]["string"]
            body = SCRUBBED.get(name)
            exchanges.append(
                Exchange(
                    name=name,
                    method=request["method"].upper(),
                    path=url.path,
                    query=url.query,
                    body=json.dumps(body) if body else request["body"]["string"],
                    status=int(response["status"]["code"]),
                    answer=json.loads(raw) if raw.strip().startswith("{") else raw,
                    location=(response["headers"].get("Location") or [None])[0],
                    recorded_at=parsedate_to_datetime(interaction["recorded_at"]).astimezone(UTC),
                )
            )
    return exchanges


async def replay(exchange: Exchange) -> Outcome:
    """Send the recorded request to a freshly seeded sandbox and compare the answers."""
    clock = ManualClock(exchange.recorded_at)
    state = SandboxState(clock=clock)
    app = create_app(state)
    resources: dict[str, Resource] = {r.name: r for r in app.state.resources}
    company = state.add_company("Replay AB")
    apply_seed(company, "empty", today=clock.now().date())
    issued = state.issue_tokens(company, frozenset(SCOPES))
    _seed(state, company.tenant_id, resources, exchange)
    headers = {"Authorization": f"Bearer {issued.access_token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=BASE_URL, transport=SandboxTransport(app)) as http:
        if exchange.path.startswith("/oauth-v1/"):
            response = await _token_call(http, state, issued.refresh_token or "", exchange)
        else:
            if exchange.name == "authentication/expired_token.yml":
                clock.advance(3600)  # the token has run out
            response = await http.request(
                exchange.method, exchange.path + (f"?{exchange.query}" if exchange.query else ""),
                content=exchange.body.encode() if exchange.body else None, headers=headers,
            )  # fmt: skip
    return _compare(exchange, response)


async def _token_call(
    http: httpx.AsyncClient, state: SandboxState, refresh: str, exchange: Exchange
) -> httpx.Response:
    secret = state.app.client_secret
    if exchange.name == "authentication/invalid_authorization.yml":
        secret = "wrong-secret"
    token = "not-a-refresh-token" if "invalid_refresh" in exchange.name else refresh
    return await http.post(
        exchange.path,
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(state.app.client_id, secret),
    )


def _seed(state: SandboxState, tenant: int, resources: dict[str, Resource], ex: Exchange) -> None:
    """Store what the recorded answer shows existed before the request."""
    company = state.companies[tenant]
    collection = ex.path.strip("/").split("/")[1] if ex.path.count("/") >= 2 else ""
    resource = resources.get(collection)
    answer = ex.answer if isinstance(ex.answer, dict) else {}
    sent = json.loads(ex.body) if ex.body.strip().startswith("{") else {}
    documents = [v for v in (*answer.values(), *sent.values()) if isinstance(v, dict)]
    for document in documents:
        _references(company, document)
    if resource is None or resource.id_field is None or ex.status >= 300:
        return
    register = company.register(resource.name)
    if ex.method in ("GET", "PUT", "DELETE") and resource.single_key in answer:
        record = _stored(answer[resource.single_key])
        register.put(ex.path.rstrip("/").rsplit("/", 1)[1], record, STAMP)
    for item in answer.get(resource.list_key or "", []):
        record = _stored(item)
        for param, value in parse_qsl(ex.query):
            target = resource.spec.search.get(param)
            if target:
                record.setdefault(target, value)  # list items lack the searched field
        register.put(str(record[resource.id_field]), record, STAMP)


def _references(company: Any, document: dict[str, Any]) -> None:
    """The customer and the articles a document names."""
    number = document.get("CustomerNumber")
    if isinstance(number, str) and "Name" not in document:
        customers = company.register("customers")
        if number not in customers.records:
            name = document.get("CustomerName") or "Kund"
            customers.put(number, {"CustomerNumber": number, "Name": name}, STAMP)
    for row in document.get("InvoiceRows", []) + document.get("OrderRows", []):
        article = row.get("ArticleNumber")
        articles = company.register("articles")
        if article and article not in articles.records:
            record = {"ArticleNumber": article, "Description": row.get("Description") or "Artikel"}
            articles.put(article, record, STAMP)


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("@") and v is not None}


def shape(value: Any) -> Any:
    """The JSON keys and types of ``value`` (values themselves dropped)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _compare(exchange: Exchange, response: httpx.Response) -> Outcome:
    outcome = Outcome(exchange)
    if response.status_code != exchange.status:
        outcome.differences.append(f"status {response.status_code}, recorded {exchange.status}")
        return outcome
    if exchange.location is not None and response.headers.get("location") != exchange.location:
        outcome.differences.append(f"Location {response.headers.get('location')!r}")
    if isinstance(exchange.answer, dict):
        try:
            ours = response.json()
        except json.JSONDecodeError:
            outcome.differences.append("answer is not JSON")
            return outcome
        _diff(shape(exchange.answer), shape(ours), "", outcome.differences)
    return outcome


def _diff(recorded: Any, ours: Any, where: str, out: list[str]) -> None:
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key in sorted(set(recorded) - set(ours)):
            out.append(f"{where}{key}: missing")
        for key in sorted(set(ours) - set(recorded)):
            out.append(f"{where}{key}: not recorded")
        for key in sorted(set(recorded) & set(ours)):
            _diff(recorded[key], ours[key], f"{where}{key}.", out)
    elif isinstance(recorded, list) and isinstance(ours, list):
        merged_recorded, merged_ours = _merge(recorded), _merge(ours)
        if merged_recorded is not None and merged_ours is not None:
            _diff(merged_recorded, merged_ours, f"{where}[].", out)
        elif merged_recorded is not None and not ours:
            out.append(f"{where}[]: empty, recorded {len(recorded)} items")
    elif recorded != ours:
        out.append(f"{where.rstrip('.')}: {ours}, recorded {recorded}")


def _merge(items: list[Any]) -> Any:
    """One shape for the items of a list (keys of all items; a key's type if they agree)."""
    if not items:
        return None
    if not all(isinstance(item, dict) for item in items):
        return items[0]
    merged: dict[str, Any] = {}
    for item in items:
        for key, value in item.items():
            if key not in merged:
                merged[key] = value
            elif merged[key] != value and "null" in (merged[key], value):
                merged[key] = value if merged[key] == "null" else merged[key]
    return merged
