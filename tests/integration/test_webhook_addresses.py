"""Webhooks cannot be pointed inside: URLs that reach loopback, private, link-local, metadata and
other internal addresses are refused at registration (API and admin UI) and again on every
delivery attempt, after DNS tricks and redirects too, and the bridge connects to the address it
checked. Tried as an attacker with a tenant key would: every spelling of 127.0.0.1, names that
resolve inside, a name that changes its answer, a redirect from an allowed receiver to an
internal service, and the bridge's own port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.webhooks import outbound_policy
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.outbox.outbound import (
    OutboundPolicy,
    OutboundRefused,
    PinnedTransport,
    classify,
    literal_address,
)
from fortnox_bridge.engine.outbox.webhook_secrets import EndpointSecrets, new_secret, seal
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import WebhookAttempt
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.webhooks import WebhookRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of

from .conftest import free_port

#: Tests whose store does not matter run on SQLite only.
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

#: Names the attacker controls, as DNS would answer them.
NAMES: dict[str, list[str]] = {
    "public.example.test": ["93.184.216.34"],
    "internal.example.test": ["10.20.30.40"],
    "loop.example.test": ["127.0.0.1"],
    "metadata.example.test": ["169.254.169.254"],
    "v6loop.example.test": ["::1"],
    "mixed.example.test": ["93.184.216.34", "127.0.0.1"],  # one good answer is not enough
    "xn--bcher-kva.example.test": ["10.0.0.5"],  # bücher.example.test, as DNS knows it
}


def names(host: str, port: int) -> list[str]:
    """The attacker's DNS (``localhost`` as every system answers it)."""
    if host in ("localhost", "localhost."):
        return ["127.0.0.1"]
    if host not in NAMES:
        raise OSError(f"{host}: no such name")
    return NAMES[host]


#: Every way of writing an internal address a URL may use, with what the bridge calls it.
INTERNAL_URLS = [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://LOCALHOST./hook", "loopback"),
    ("http://2130706433/hook", "loopback"),  # 127.0.0.1 as one integer
    ("http://0x7f000001/hook", "loopback"),  # ... in hexadecimal
    ("http://0177.1/hook", "loopback"),  # ... in octal (0177.0.0.1 is no URL for httpx)
    ("http://127.1/hook", "loopback"),  # ... shortened
    ("http://0x7f.1/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/hook", "loopback"),
    ("http://[::127.0.0.1]/hook", "loopback"),  # IPv4-compatible IPv6
    ("http://[2002:7f00:1::]/hook", "loopback"),  # 6to4 around 127.0.0.1
    ("http://[64:ff9b::a00:1]/hook", "private"),  # NAT64 around 10.0.0.1
    ("http://0.0.0.0:8000/hook", "unspecified"),
    ("http://0/hook", "unspecified"),
    ("http://[::]/hook", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[::ffff:169.254.169.254]/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://168.63.129.16/machine", "metadata"),
    ("http://100.100.100.200/latest/", "metadata"),
    ("http://169.254.1.1/", "link_local"),
    ("http://[fe80::1]/", "link_local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://100.64.0.1/", "reserved"),  # carrier-grade NAT
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.2.10/", "reserved"),  # documentation range
    ("https://internal.example.test/hook", "private"),
    ("https://loop.example.test:8443/hook", "loopback"),
    ("https://metadata.example.test/", "metadata"),
    ("https://v6loop.example.test/", "loopback"),
    ("https://mixed.example.test/", "loopback"),
    ("https://bücher.example.test/", "private"),
]


@dataclass
class Tenant:
    id: int
    key: str


@pytest.fixture
def host(sessions: sessionmaker[Session], clock: ManualClock) -> Tenant:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Angripare AB", now=clock.now())
        return Tenant(tenant.id, tenants.issue_api_key(tenant, label="rw", now=clock.now()))


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(Fernet.generate_key().decode())


def _api(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    policy: OutboundPolicy,
) -> httpx.AsyncClient:
    app = api_app(sessions, clock=clock, hooks=EngineHooks(cipher=cipher, outbound=policy))
    return httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {host.key}"},
    )


@pytest.fixture
async def api(
    sessions: sessionmaker[Session], clock: ManualClock, cipher: TokenCipher, host: Tenant
) -> AsyncIterator[httpx.AsyncClient]:
    """The API as a default deployment runs it: public receivers only (names: the test DNS)."""
    async with _api(sessions, clock, cipher, host, OutboundPolicy(resolver=names)) as client:
        yield client


# -- the addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind"), INTERNAL_URLS)
def test_every_spelling_of_an_internal_address_is_refused(url: str, kind: str) -> None:
    policy = OutboundPolicy(resolver=names)
    with pytest.raises(OutboundRefused) as refused:
        policy.check_url(url)
    assert refused.value.kind == kind
    assert classify(refused.value.address) == kind


def test_localhost_is_refused_as_the_system_resolves_it() -> None:
    with pytest.raises(OutboundRefused) as refused:
        OutboundPolicy().check_url("http://localhost:8000/hook")
    assert refused.value.kind == "loopback"
    assert refused.value.address.is_loopback


def test_public_addresses_pass_and_integer_hosts_are_read_as_the_system_reads_them() -> None:
    policy = OutboundPolicy(resolver=names)
    for url in (
        "https://93.184.216.34/h",
        "https://public.example.test/h",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/h",
        "https://not-resolving.example.test/h",  # checked again when delivered
    ):
        policy.check_url(url)
    assert str(literal_address("2130706433")) == "127.0.0.1"
    assert str(literal_address("0x7f.0.0.1")) == "127.0.0.1"
    assert str(literal_address("0177.0.0.1")) == "127.0.0.1"
    assert str(literal_address("[::ffff:10.0.0.1]")) == "10.0.0.1"
    assert literal_address("deadbeef.example") is None


def test_the_allow_list_opens_internal_networks_but_never_metadata_or_the_bridge_itself() -> None:
    policy = OutboundPolicy.of(
        ["127.0.0.0/8", "10.0.0.0/8", "169.254.0.0/16", "::1/128"], own_port=8000, resolver=names
    )
    for url in ("http://127.0.0.1:9000/h", "http://[::1]:9000/h", "https://internal.example.test"):
        policy.check_url(url)
    for url, kind in (
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://127.0.0.1:8000/api/v1/tenant", "bridge"),
        ("http://localhost:8000/ui/", "bridge"),
        ("http://2130706433:8000/healthz", "bridge"),
        ("http://0.0.0.0:8000/healthz", "bridge"),
        ("http://[::1]:8000/healthz", "bridge"),
    ):
        with pytest.raises(OutboundRefused) as refused:
            policy.check_url(url)
        assert refused.value.kind == kind, url


def test_the_setting_is_read_as_networks() -> None:
    settings = Settings(webhook_allow_networks=["10.20.0.0/16", "fd12::/64"], port=8123)
    policy = outbound_policy(settings)
    assert [str(n) for n in policy.allow_networks] == ["10.20.0.0/16", "fd12::/64"]
    assert policy.own_port == 8123
    with pytest.raises(ValueError, match="webhook_allow_networks"):
        Settings(webhook_allow_networks=["10.0.0.1/8"])  # host bits set: not a network


# -- registration -------------------------------------------------------------------------------


@SQLITE
async def test_the_api_refuses_internal_urls_with_a_422_next_to_the_field(
    api: httpx.AsyncClient, sessions: sessionmaker[Session], host: Tenant
) -> None:
    for url, _kind in INTERNAL_URLS:
        answer = await api.post("/api/v1/webhooks", json={"url": url})
        assert answer.status_code == 422, url
        (error,) = answer.json()["errors"]
        assert (error["path"], error["type"]) == ("$.url", "forbidden_webhook_address"), url
        assert "the bridge sends webhooks to public addresses only" in error["message"], url
    with sessions.begin() as session:
        assert WebhookRepository(session).count(host.id) == 0

    created = await api.post("/api/v1/webhooks", json={"url": "https://public.example.test/h"})
    assert created.status_code == 201, created.text
    moved = await api.patch(
        f"/api/v1/webhooks/{created.json()['id']}", json={"url": "http://2130706433/h"}
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["message"] == (
        "2130706433 (127.0.0.1) is a loopback address; the bridge sends webhooks to public "
        "addresses only (an operator can allow internal networks with webhook_allow_networks)"
    )
    listed = (await api.get("/api/v1/webhooks")).json()["data"]
    assert [hook["url"] for hook in listed] == ["https://public.example.test/h"]


@SQLITE
async def test_the_bridge_s_own_port_is_refused_even_where_loopback_is_allowed(
    sessions: sessionmaker[Session], clock: ManualClock, cipher: TokenCipher, host: Tenant
) -> None:
    port = free_port()
    settings = Settings(port=port, webhook_allow_networks=["127.0.0.0/8"])
    app = api_app(sessions, clock=clock, hooks=EngineHooks(cipher=cipher), settings=settings)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {host.key}"},
    ) as own:
        for url in (f"http://127.0.0.1:{port}/api/v1/tenant", f"http://localhost:{port}/ui/"):
            answer = await own.post("/api/v1/webhooks", json={"url": url})
            assert answer.status_code == 422, url
            assert "the bridge's own address" in answer.json()["errors"][0]["message"]
        other = await own.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{port + 1}/"})
        assert other.status_code == 201


@SQLITE
def test_the_admin_ui_refuses_an_internal_url_next_to_the_field_in_both_languages(
    sessions: sessionmaker[Session], clock: ManualClock, cipher: TokenCipher, host: Tenant
) -> None:
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    hooks = EngineHooks(cipher=cipher, outbound=OutboundPolicy(resolver=names))
    services = build_services(sessions, clock=clock, hooks=hooks)
    context = WebContext(services, secret=session_secret("test key"))
    app = api_app(sessions, clock=clock)
    install_web(app, context)
    with TestClient(app, base_url="http://bridge.test", follow_redirects=False) as browser:
        login = browser.get("/ui/login")
        browser.post(
            "/ui/login",
            data={
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "next": "/",
                "csrf_token": csrf_of(login.text),
            },
        )
        page = f"/ui/tenants/{host.id}/settings"
        token = csrf_of(browser.get(page).text)
        form = {"csrf_token": token, "url": "http://loop.example.test:9000/x", "events": "*"}
        answer = browser.post(f"{page}/webhooks", data=form)
        assert answer.status_code == 400
        message = answer.text.split('id="e-url">', 1)[1].split("<", 1)[0]
        assert message == (
            "loop.example.test is 127.0.0.1, a loopback address (this machine): the bridge "
            "sends webhooks to public addresses only. Give the receiver&#39;s public address, "
            "or ask the bridge&#39;s operator to allow its network (webhook_allow_networks)."
        )
        assert 'value="http://loop.example.test:9000/x"' in answer.text  # what was typed stays
        metadata = browser.post(
            f"{page}/webhooks", data={**form, "url": "http://169.254.169.254/latest/"}
        )
        assert "a cloud metadata address: the bridge never sends webhooks there" in metadata.text

        browser.post("/ui/language", data={"language": "sv", "back": "/", "csrf_token": token})
        swedish = browser.post(f"{page}/webhooks", data=form)
        assert swedish.status_code == 400
        assert "loop.example.test är 127.0.0.1, en loopback-adress (den här datorn)" in (
            swedish.text
        )
    with sessions.begin() as session:
        assert WebhookRepository(session).count(host.id) == 0


# -- delivery -----------------------------------------------------------------------------------


@dataclass
class Server:
    """A real HTTP server on ``address`` (a thread) that records what reaches it and answers
    with ``status``, ``headers`` and ``body``."""

    address: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"internal secret: s3cr3t"
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Server:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.seen.append((self.path, dict(self.headers.items())))
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.address, 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        return f"http://{host or self.address}:{self.port}{path}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Server]:
    """An allowed receiver on 127.0.0.1."""
    found = Server("127.0.0.1", body=b"ok").start()
    yield found
    found.stop()


@pytest.fixture
def internal() -> Iterator[Server]:
    """An internal service the attacker wants to reach, on 127.0.0.2 (not allowed)."""
    found = Server("127.0.0.2").start()
    yield found
    found.stop()


def _endpoint(
    sessions: sessionmaker[Session], clock: ManualClock, cipher: TokenCipher, tenant: int, url: str
) -> int:
    """An endpoint stored as it is (registered while the name still looked public, or before the
    check existed), with one event to deliver."""
    with sessions.begin() as session:
        endpoint = WebhookRepository(session).create(
            tenant,
            url=url,
            event_types=["*"],
            description="",
            secret_ciphertext=seal(cipher, EndpointSecrets(new_secret())),
            now=clock.now(),
        )
        EventRepository(session).append(tenant, "record.changed", data={}, now=clock.now())
        return endpoint.id


async def _deliver(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    policy: OutboundPolicy,
) -> list[WebhookAttempt]:
    """One pass of the delivery worker; every attempt logged so far, oldest first."""
    worker = WebhookWorker(sessions, cipher, clock, sleep=clock.sleep, policy=policy, timeout=5)
    try:
        await worker.run_once()
    finally:
        await worker.aclose()
    with sessions.begin() as session:
        return list(session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


class Rebinding:
    """A resolver whose answers change from call to call (DNS rebinding), counting calls."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return self.answers[min(self.calls, len(self.answers)) - 1]


async def test_a_name_that_turns_internal_after_registration_is_refused_at_delivery(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
) -> None:
    dns = Rebinding(["93.184.216.34"], ["127.0.0.1"])
    policy = OutboundPolicy(resolver=dns)
    async with _api(sessions, clock, cipher, host, policy) as api:
        created = await api.post(
            "/api/v1/webhooks", json={"url": receiver.url(host="rebind.example.test")}
        )
        assert created.status_code == 201  # public when registered
    with sessions.begin() as session:
        EventRepository(session).append(host.id, "record.changed", data={}, now=clock.now())
    (attempt,) = await _deliver(sessions, clock, cipher, policy)
    assert attempt.status_code is None
    assert attempt.error == (
        "not sent: rebind.example.test (127.0.0.1) is a loopback address; the bridge sends "
        "webhooks to public addresses only (an operator can allow internal networks with "
        "webhook_allow_networks)"
    )
    assert receiver.seen == []


@SQLITE
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
    ],
)
async def test_an_internal_endpoint_stored_earlier_is_refused_on_every_attempt(
    url: str,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
) -> None:
    _endpoint(sessions, clock, cipher, host.id, url.format(port=receiver.port))
    policy = OutboundPolicy(resolver=names)
    (first,) = await _deliver(sessions, clock, cipher, policy)
    assert first.error.startswith("not sent: ")
    assert "loopback address" in first.error
    clock.advance(60)  # the first retry is due
    attempts = await _deliver(sessions, clock, cipher, policy)
    assert [a.error.startswith("not sent: ") for a in attempts] == [True, True]
    assert receiver.seen == []


@SQLITE
async def test_the_connection_goes_to_the_address_that_was_checked(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
    internal: Server,
) -> None:
    # The name answers the allowed receiver's address when checked, the internal one after:
    # a connect that resolved again would reach the internal service.
    dns = Rebinding(["127.0.0.1"], ["127.0.0.2"])
    policy = OutboundPolicy.of(["127.0.0.1/32"], resolver=dns)
    _endpoint(sessions, clock, cipher, host.id, receiver.url(host="hooks.example.test"))
    (attempt,) = await _deliver(sessions, clock, cipher, policy)
    assert (attempt.status_code, attempt.error) == (200, None)
    assert dns.calls == 1
    ((path, headers),) = receiver.seen
    assert path == "/hook"
    assert headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert internal.seen == []


@SQLITE
async def test_a_redirect_from_an_allowed_receiver_to_an_internal_service_goes_nowhere(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
    internal: Server,
) -> None:
    receiver.status = 307
    receiver.headers = {"Location": internal.url("/admin/secret")}
    policy = OutboundPolicy.of(["127.0.0.1/32"], resolver=names)
    _endpoint(sessions, clock, cipher, host.id, receiver.url())
    (attempt,) = await _deliver(sessions, clock, cipher, policy)
    assert attempt.status_code == 307
    assert attempt.error == (
        "the receiver answered HTTP 307 (redirects are not followed: register the final URL)"
    )
    assert internal.seen == []

    # Even a client that follows redirects checks each hop through the transport.
    async with httpx.AsyncClient(
        transport=PinnedTransport(policy), follow_redirects=True
    ) as client:
        with pytest.raises(OutboundRefused) as refused:
            await client.post(receiver.url(), content=b"{}")
    assert (str(refused.value.address), refused.value.kind) == ("127.0.0.2", "loopback")
    assert len(receiver.seen) == 2
    assert internal.seen == []


@SQLITE
async def test_a_proxy_named_in_the_environment_does_not_carry_deliveries_past_the_check(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
    internal: Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, internal.url("/"))  # a proxy would connect in our place
    policy = OutboundPolicy.of(["127.0.0.1/32"], resolver=names)
    _endpoint(sessions, clock, cipher, host.id, receiver.url(host="loop.example.test"))
    (attempt,) = await _deliver(sessions, clock, cipher, policy)
    assert (attempt.status_code, attempt.error) == (200, None)
    assert len(receiver.seen) == 1
    assert internal.seen == []


@SQLITE
async def test_the_bridge_s_own_port_is_refused_at_delivery(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    cipher: TokenCipher,
    host: Tenant,
    receiver: Server,
) -> None:
    # The receiver stands in for the bridge: its port is the bridge's own.
    policy = OutboundPolicy.of(["127.0.0.0/8"], own_port=receiver.port, resolver=names)
    _endpoint(sessions, clock, cipher, host.id, receiver.url(host="localhost"))
    (attempt,) = await _deliver(sessions, clock, cipher, policy)
    assert "the bridge's own address" in attempt.error
    assert receiver.seen == []


def test_resolving_is_one_look_up_per_attempt_and_failures_read_as_connection_errors() -> None:
    policy = OutboundPolicy(resolver=names)
    transport = PinnedTransport(policy, httpx.MockTransport(lambda request: httpx.Response(204)))

    async def send(url: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(url, content=b"{}")

    answer = asyncio.run(send("https://public.example.test/h"))
    assert answer.status_code == 204
    assert answer.request.url.host == "93.184.216.34"
    assert answer.request.headers["Host"] == "public.example.test"
    assert answer.request.extensions["sni_hostname"] == "public.example.test"
    with pytest.raises(httpx.ConnectError, match="does not resolve"):
        asyncio.run(send("https://gone.example.test/h"))
