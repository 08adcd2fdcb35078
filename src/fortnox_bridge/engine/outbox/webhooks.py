"""Webhooks: signing secrets, fan-out of new events to endpoints, and the delivery worker.

**Fan-out.** Every new event of a tenant becomes one delivery per active endpoint that wants its
type (one row per endpoint and event; the unique constraint makes a repeated fan-out harmless).
An endpoint receives the events created from its registration on; one that was paused catches up
on what happened meanwhile when it is activated again.

**Delivery.** ``POST`` of ``{"id", "type", "tenant", "created_at", "data"}`` with the headers
``Fortnox-Bridge-Event-Id``, ``Fortnox-Bridge-Delivery-Id`` and ``Fortnox-Bridge-Signature``
(see :mod:`fortnox_bridge.webhooks`). A 2xx answer is a success; any other answer, a timeout or a
connection error is retried after 30 s, 2 min, 10 min, 30 min, 2 h, 6 h, 12 h, then daily (each
±10 % so receivers that failed together are not retried together), until ``max_attempts``; then
the delivery has ``failed``. Every attempt is logged with its status code or error and how long
it took; the receiver's body is never read, so nothing it answers reaches the tenant.

**Where.** Every attempt goes through
:class:`~fortnox_bridge.engine.outbox.outbound.PinnedTransport`: the receiver's host is
resolved and checked against the :class:`OutboundPolicy` (no loopback, private, link-local,
metadata ... addresses unless allow-listed) and the connection goes to the address that was
checked. Redirects are not followed.

**Order.** An endpoint's deliveries go one at a time in event order: a later event waits while an
earlier one is being retried (or until it has failed for good). Endpoints are delivered to side by
side, so a slow or failing receiver holds up nobody else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge import __version__
from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import SecretKeyError
from fortnox_bridge.engine.outbox.events import EventBus, Signal
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy, OutboundRefused, PinnedTransport
from fortnox_bridge.engine.outbox.webhook_endpoints import delivery_body, wants
from fortnox_bridge.engine.outbox.webhook_secrets import EndpointSecrets, unseal
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Event, WebhookEndpoint
from fortnox_bridge.store.webhooks import Head, WebhookRepository
from fortnox_bridge.webhooks import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    sign,
)

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]

#: Seconds to wait after the n-th failed attempt (the last value repeats).
BACKOFF_SECONDS = (30, 120, 600, 1800, 7200, 21600, 43200, 86400)
#: Each wait is moved by up to this fraction either way.
JITTER = 0.1
#: Events fanned out per endpoint and transaction.
FANOUT_BATCH = 500
#: Beyond the timeout, how long a claimed attempt is held before another worker may take it.
CLAIM_MARGIN_SECONDS = 60


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """The wait after failed attempt number ``attempt`` (1-based), with jitter."""
    base = BACKOFF_SECONDS[min(max(attempt, 1), len(BACKOFF_SECONDS)) - 1]
    return base * (1 - JITTER + 2 * JITTER * rng.random())


@dataclass
class AttemptResult:
    """What one HTTP attempt got."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookWorker:
    """Fans out new events and delivers what is due, in a loop (``run``) or once (``run_once``).

    ``sleep`` waits between passes (the injected clock's sleep in tests); ``bus`` wakes the loop
    as soon as an event is committed in this process, other processes' events are found by
    polling every ``poll_seconds``. ``policy`` decides which receiver addresses may be reached
    (default: public addresses only); ``transport`` replaces the network below that check
    (tests, proxies).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cipher: TokenCipher,
        clock: Clock,
        *,
        max_attempts: int = 8,
        timeout: float = 10.0,
        sleep: Sleep,
        bus: EventBus | None = None,
        policy: OutboundPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        poll_seconds: float = 1.0,
        concurrency: int = 16,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.sleep = sleep
        self.bus = bus
        self.policy = policy or OutboundPolicy()
        self.transport = transport
        self.rng = rng or random.Random()
        self.poll_seconds = poll_seconds
        self._limit = asyncio.Semaphore(concurrency)
        self._positions: dict[int, int] = {}
        self._in_flight: dict[int, asyncio.Task[int]] = {}
        self._next_due: datetime | None = None
        self._secrets: dict[int, tuple[str, EndpointSecrets]] = {}
        self._http: httpx.AsyncClient | None = None
        self._signal: Signal | None = None

    # -- fan-out --------------------------------------------------------------------------------

    def fan_out(self, only: int | None = None) -> int:
        """Create the deliveries of the events not fanned out yet (of the endpoint ``only``,
        when given); returns how many matched."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            repo = WebhookRepository(session)
            endpoints = repo.active()
            newest = repo.last_seqs(endpoint.tenant_id for endpoint in endpoints)
        active = {endpoint.id for endpoint in endpoints}
        for gone in set(self._positions) - active:
            del self._positions[gone]
        for gone in set(self._secrets) - active:
            del self._secrets[gone]
        added = 0
        for endpoint in endpoints:
            if only is not None and endpoint.id != only:
                continue
            position = self._positions.get(endpoint.id)
            while position is None or position < newest.get(endpoint.tenant_id, 0):
                with self.sessions.begin() as session:
                    repo = WebhookRepository(session)
                    if position is None:
                        position = repo.fanout_position(endpoint)
                    events = EventRepository(session).after(
                        endpoint.tenant_id, position, limit=FANOUT_BATCH
                    )
                    matching = [event.id for event in events if wants(endpoint, event)]
                    repo.add_deliveries(endpoint, matching, now=now)
                added += len(matching)
                if not events:
                    break
                position = events[-1].seq
            self._positions[endpoint.id] = position
        return added

    # -- delivery -------------------------------------------------------------------------------

    def _due_endpoints(self) -> list[int]:
        """Endpoints whose next delivery is due (and not being delivered); remembers when the
        next one falls due."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            heads = WebhookRepository(session).heads()
        due: list[int] = []
        upcoming: list[datetime] = []
        for head in heads:
            if head.endpoint.id in self._in_flight:
                continue
            at = head.delivery.next_attempt_at
            if at is None or at <= now:
                due.append(head.endpoint.id)
            else:
                upcoming.append(at)
        self._next_due = min(upcoming) if upcoming else None
        return due

    async def run_once(self) -> int:
        """Fan out, then deliver everything due, each endpoint in order; returns the number of
        attempts made."""
        self.fan_out()
        counts = await asyncio.gather(*(self._drain(eid) for eid in self._due_endpoints()))
        return sum(counts)

    async def run(self) -> None:
        """Deliver until cancelled: after each new event, when a retry falls due, and at least
        every ``poll_seconds`` (events committed by other processes)."""
        subscription = self.bus.subscribe(None) if self.bus else contextlib.nullcontext(None)
        with subscription as signal:
            self._signal = signal
            try:
                while True:
                    try:
                        self.fan_out()
                        for endpoint_id in self._due_endpoints():
                            self._start(endpoint_id)
                    except Exception:  # a database hiccup must not stop deliveries for good
                        log.exception("webhook pass failed; trying again")
                    wait = self.poll_seconds
                    if self._next_due is not None:
                        until_due = (self._next_due - self.clock.now()).total_seconds()
                        wait = min(wait, max(until_due, 0.0))
                    if signal is not None:
                        await signal.wait(self.sleep, wait)
                    else:
                        await self.sleep(wait)
            finally:
                self._signal = None
                await self._cancel_in_flight()

    def _start(self, endpoint_id: int) -> None:
        task = asyncio.create_task(self._drain(endpoint_id))
        self._in_flight[endpoint_id] = task

        def done(finished: asyncio.Task[int]) -> None:
            self._in_flight.pop(endpoint_id, None)
            # Something was delivered or given up: the endpoint's next delivery may be due now.
            # (A drain that did nothing does not wake the loop, so a failing database cannot
            # make it spin.)
            if self._signal is not None and not finished.cancelled() and finished.result():
                self._signal.set()

        task.add_done_callback(done)

    async def _cancel_in_flight(self) -> None:
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._in_flight.clear()

    async def aclose(self) -> None:
        """Stop deliveries in flight and close the HTTP client."""
        await self._cancel_in_flight()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def deliver_now(self, endpoint_id: int) -> int:
        """Fan out, then deliver what is due of one endpoint, in order, at once (a test the
        admin UI sends); returns the number of attempts made here (0: none was due, or another
        worker has the endpoint's head delivery)."""
        self.fan_out(endpoint_id)
        return await self._drain(endpoint_id)

    async def _drain(self, endpoint_id: int) -> int:
        """Deliver an endpoint's due deliveries in order until one fails or none is due;
        returns the number of attempts made."""
        attempts = 0
        try:
            while True:
                with self.sessions.begin() as session:
                    heads = WebhookRepository(session).heads(endpoint_id)
                if not heads:
                    break
                at = heads[0].delivery.next_attempt_at
                if at is not None and at > self.clock.now():
                    break
                async with self._limit:
                    outcome = await self._attempt(heads[0])
                if outcome is None:
                    break  # another worker has it
                attempts += 1
                if not outcome:
                    break
        except Exception:  # logged; the delivery is tried again once its claim has run out
            log.exception("webhook deliveries to endpoint %s stopped", endpoint_id)
        return attempts

    async def _attempt(self, head: Head) -> bool | None:
        """One attempt of an endpoint's head delivery; ``None`` when another worker took it."""
        delivery, endpoint, event = head.delivery, head.endpoint, head.event
        started_at = self.clock.now()
        claim_until = started_at + timedelta(seconds=self.timeout + CLAIM_MARGIN_SECONDS)
        with self.sessions.begin() as session:
            attempt = WebhookRepository(session).claim(delivery, until=claim_until, now=started_at)
        if attempt is None:
            return None
        result = await self._post(endpoint, delivery.id, event, started_at)
        finished_at = self.clock.now()
        if result.ok:
            status, next_at = "succeeded", None
        elif attempt >= self.max_attempts:
            status, next_at = "failed", None
        else:
            wait = backoff_seconds(attempt, self.rng)
            status, next_at = "retrying", finished_at + timedelta(seconds=wait)
        with self.sessions.begin() as session:
            WebhookRepository(session).finish(
                delivery.id,
                attempt=attempt,
                at=started_at,
                status=status,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
                next_attempt_at=next_at,
                now=finished_at,
            )
        level = logging.INFO if result.ok else logging.WARNING
        log.log(
            level,
            "webhook delivery %s (event %s %s) to endpoint %s, attempt %s: %s%s",
            delivery.id,
            event.seq,
            event.type,
            endpoint.id,
            attempt,
            status,
            f" ({result.error})" if result.error else "",
        )
        return result.ok

    def _signing_secrets(self, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
        cached = self._secrets.get(endpoint.id)
        if cached is None or cached[0] != endpoint.secret_ciphertext:
            cached = (endpoint.secret_ciphertext, unseal(self.cipher, endpoint.secret_ciphertext))
            self._secrets[endpoint.id] = cached
        return cached[1].signing(now)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=PinnedTransport(
                    self.policy, self.transport, resolve_timeout=self.timeout
                ),
                timeout=self.timeout,
                follow_redirects=False,
                # Never a proxy from HTTP(S)_PROXY (httpx skips them beside a transport of its
                # own anyway): a proxy would connect in place of the checked, pinned address.
                trust_env=False,
                headers={"User-Agent": f"fortnox-bridge/{__version__} (webhooks)"},
            )
        return self._http

    async def _post(
        self, endpoint: WebhookEndpoint, delivery_id: int, event: Event, now: datetime
    ) -> AttemptResult:
        try:
            keys = self._signing_secrets(endpoint, now)
        except SecretKeyError as exc:
            return AttemptResult(None, f"not sent: {exc}", 0)
        body = delivery_body(event)
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: str(event.seq),
            DELIVERY_ID_HEADER: str(delivery_id),
            SIGNATURE_HEADER: sign(keys, int(now.timestamp()), body),
        }
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            # Only the status is read: the receiver's body never reaches the tenant.
            async with self._client().stream(
                "POST", endpoint.url, content=body, headers=headers
            ) as response:
                status_code = response.status_code
        except OutboundRefused as exc:
            error = f"not sent: {exc}"
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s (timeout)"
        except httpx.ConnectError as exc:
            error = f"could not connect to the receiver: {exc or type(exc).__name__}"
        except httpx.HTTPError as exc:
            error = f"the request failed: {type(exc).__name__}: {exc}"
        except Exception as exc:  # an unexpected failure is logged, never fatal to the worker
            error = f"could not send: {type(exc).__name__}: {exc}"
        duration_ms = round((time.perf_counter() - started) * 1000)
        if status_code is not None and not 200 <= status_code < 300:
            error = f"the receiver answered HTTP {status_code}" + (
                " (redirects are not followed: register the final URL)"
                if 300 <= status_code < 400
                else ""
            )
        return AttemptResult(status_code, error, duration_ms)
