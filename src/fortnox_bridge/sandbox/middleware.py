"""What happens to every request on the API and OAuth hosts before and after its handler.

In order: resolve the bearer token (for the rate-limit key and fault matching), fire a scripted
fault if one matches, apply the sliding-window rate limit, run the handler, then count the request,
log it (a write with the names of the fields its body set) and write changes to the state file.
A plain ASGI middleware: no per-request objects beyond what the handler needs, because the
standalone sandbox must serve over 1,000 requests/s.

Faults in-process cannot break a connection, so the app marks the response with
:data:`FAULT_HEADER` and :class:`~fortnox_bridge.sandbox.transport.SandboxTransport` turns it into
the network error. Standalone (``standalone=True``) the middleware really waits and really closes
the connection (see ``docs/sandbox.md``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fortnox_bridge.sandbox.auth import TokenGrant
from fortnox_bridge.sandbox.clock import iso
from fortnox_bridge.sandbox.state import SandboxState
from fortnox_bridge.sandbox.traffic import FaultRule, retry_after_header

#: Marks an in-process response the transport must turn into a network failure.
FAULT_HEADER = "x-sandbox-fault"
#: Where the middleware leaves the resolved grant for the handler.
GRANT_KEY = "fortnox_bridge.grant"
# Nobody has recorded the body or a Retry-After of a real Fortnox 429 (unconfirmed, see
# docs/sandbox.md); the sandbox answers like its gateway-level 401: a bare message.
RATE_LIMITED_BODY = b'{"message":"Too Many Requests"}'
#: The 403 fault: the call refused as to a user without the right (code 2000663, "not authorised
#: for scope"; the wording is the sandbox's).
FORBIDDEN_BODY = json.dumps(
    {
        "ErrorInformation": {
            "error": 1,
            "message": "Saknar behörighet för anropet.",
            "code": 2000663,
        }
    },
    ensure_ascii=False,
).encode()
# Fortnox's code for a system exception on its side.
SERVER_ERROR_BODY = json.dumps(
    {"ErrorInformation": {"error": 1, "message": "Ett internt fel uppstod.", "code": 1000003}}
).encode()


class ConnectionDropped(Exception):
    """Raised after a response has started, so the server closes the connection mid-answer."""


class SandboxMiddleware:
    """Faults, rate limit, counters, request log and write-through for the sandbox app."""

    def __init__(self, app: ASGIApp, state: SandboxState, *, standalone: bool) -> None:
        self.app = app
        self.state = state
        self.standalone = standalone

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/3/"):
            host = "api"
            if path.endswith("/") and len(path) > 3:
                # Fortnox answers /3/customers/ like /3/customers (recorded traffic uses both).
                path = path.rstrip("/")
                scope = {**scope, "path": path, "raw_path": path.encode()}
        elif path.startswith("/oauth-v1/"):
            host = "oauth"
        else:
            await self.app(scope, receive, send)
            if scope["method"] != "GET":
                self.state.flush()
            return
        await self._exchange(host, scope, receive, send)

    async def _exchange(self, host: str, scope: Scope, receive: Receive, send: Send) -> None:
        state, method, path = self.state, scope["method"], scope["path"]
        grant = _grant(state, scope) if host == "api" else None
        if grant is not None and grant.tenant_id not in state.companies:
            grant = None  # the company went away with a reset
        tenant_id = grant.tenant_id if grant is not None else _tenant_header(scope)
        scope[GRANT_KEY] = grant
        fault = state.faults.fire(method, path, tenant_id) if state.faults.rules else None
        entry: dict[str, Any] = {"fault": fault.kind if fault else None}
        counted_tenant = tenant_id if grant is not None or host == "oauth" else None
        body: bytearray | None = None
        if host == "api" and method in ("POST", "PUT"):
            body = bytearray()
            receive = _tap(receive, body)
        try:
            status = await self._answer(scope, receive, send, grant, fault, entry)
        except ConnectionDropped:
            self._account(host, scope, counted_tenant, None, entry, body)
            raise
        self._account(host, scope, counted_tenant, status, entry, body)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        grant: TokenGrant | None,
        fault: FaultRule | None,
        entry: dict[str, Any],
    ) -> int | None:
        kind = fault.kind if fault else None
        if fault is not None and kind in ("429", "5xx", "403"):
            return await _fault_answer(send, fault)
        if fault is not None and kind == "timeout":
            return await self._timeout(send, fault)
        if fault is not None and kind == "latency":
            entry["latency_seconds"] = fault.seconds
            if self.standalone:
                await asyncio.sleep(fault.seconds)
        if grant is not None:
            wait = self.state.limiter.admit(
                (grant.client_id, grant.tenant_id), self.state.clock.now()
            )
            if wait is not None:
                entry["fault"] = "rate_limit"
                return await _send(send, 429, RATE_LIMITED_BODY, [])
        if kind == "drop_response":
            return await self._drop(scope, receive, send, entry)
        return await _run(self.app, scope, receive, send)

    async def _timeout(self, send: Send, fault: FaultRule) -> int | None:
        """The request is not applied and no answer comes."""
        if self.standalone:
            await asyncio.sleep(fault.seconds)
            await send({"type": "http.response.start", "status": 504, "headers": []})
            raise ConnectionDropped("timeout fault")
        body = b'{"sandbox_fault":"timeout"}'
        await _send(send, 504, body, [(FAULT_HEADER.encode(), b"timeout")])
        return None

    async def _drop(
        self, scope: Scope, receive: Receive, send: Send, entry: dict[str, Any]
    ) -> int | None:
        """The request is applied (its status is logged as ``applied_status``); its answer never
        reaches the client."""
        captured: list[Message] = []

        async def keep(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, keep)
        start = next(m for m in captured if m["type"] == "http.response.start")
        entry["applied_status"] = start["status"]
        if self.standalone:
            await send(start)
            raise ConnectionDropped("drop_response fault")
        headers = [*start["headers"], (FAULT_HEADER.encode(), b"drop_response")]
        await send({**start, "headers": headers})
        for message in captured:
            if message is not start:
                await send(message)
        return None

    def _account(
        self,
        host: str,
        scope: Scope,
        tenant_id: int | None,
        status: int | None,
        entry: dict[str, Any],
        body: bytearray | None = None,
    ) -> None:
        state, method, path = self.state, scope["method"], scope["path"]
        if body is not None:
            entry["fields"] = written_fields(bytes(body))
        if status is None and entry["fault"] is None:
            status = 500
        if host == "api":
            state.record(tenant_id, method, status, entry["fault"])
        elif path == "/oauth-v1/token":
            state.stats.token_requests += 1
        entry.update(
            at=iso(state.clock.now()),
            method=method,
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            status=status,
            tenant_id=tenant_id,
        )
        state.requests.add(entry)
        if method != "GET":
            state.flush()


def _tap(receive: Receive, body: bytearray) -> Receive:
    """``receive`` that also keeps the request body it hands to the handler."""

    async def tapped() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            body.extend(message.get("body", b""))
        return message

    return tapped


def written_fields(body: bytes) -> list[str] | None:
    """The names of the fields a write's body set (``{"Employee": {"City": ...}}`` →
    ``["City"]``), or ``None`` when the handler never read a JSON object."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if len(data) == 1 and isinstance(next(iter(data.values())), dict):
        data = next(iter(data.values()))
    return sorted(str(name) for name in data)


async def _run(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> int | None:
    status: int | None = None

    async def watch(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    await app(scope, receive, watch)
    return status


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status


async def _fault_answer(send: Send, fault: FaultRule) -> int:
    if fault.kind == "429":
        extra = []
        if fault.retry_after is not None:
            extra.append((b"retry-after", retry_after_header(fault.retry_after).encode()))
        return await _send(send, 429, RATE_LIMITED_BODY, extra)
    if fault.kind == "403":
        return await _send(send, 403, FORBIDDEN_BODY, [])
    if fault.status == 500:
        return await _send(send, 500, SERVER_ERROR_BODY, [])
    # Gateways in front of Fortnox answer other 5xx with HTML pages.
    body = f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>".encode()
    headers = [
        (b"content-type", b"text/html; charset=UTF-8"),
        (b"content-length", b"%d" % len(body)),
    ]
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return fault.status


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _grant(state: SandboxState, scope: Scope) -> TokenGrant | None:
    header = _header(scope, b"authorization")
    if header is None:
        return None
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    return state.grant_for(token.strip())


def _tenant_header(scope: Scope) -> int | None:
    raw = _header(scope, b"tenantid")
    return int(raw) if raw is not None and raw.strip().isdigit() else None
