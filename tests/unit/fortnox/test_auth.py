"""Tokens: refresh before expiry, single-flight under concurrency, replay once on 401, errors."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.auth import TokenManager
from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    InvalidClientError,
    OAuthError,
    ReauthenticationRequired,
)
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.retry import NO_RETRIES
from fortnox_bridge.fortnox.tokens import InMemoryTokenStore, TokenSet

from .fake_oauth import FakeFortnox


@pytest.fixture
def fake(clock: ManualClock) -> FakeFortnox:
    return FakeFortnox(clock)


def connection(
    fake: FakeFortnox, clock: ManualClock, tokens: TokenSet, secret: str = "secret"
) -> tuple[FortnoxClient, TokenManager, InMemoryTokenStore]:
    transport = httpx.MockTransport(fake.handler)
    oauth = OAuthApp("app", secret, auth_url="https://apps.test", transport=transport, clock=clock)
    store = InMemoryTokenStore({"app:1": tokens})
    manager = TokenManager("app:1", store=store, oauth=oauth, clock=clock)
    client = FortnoxClient(
        tokens=manager, api_url="https://api.test", transport=transport, retry=NO_RETRIES
    )
    return client, manager, store


def expired(clock: ManualClock) -> TokenSet:
    return TokenSet("access-0", clock.now() - timedelta(seconds=1), refresh_token="refresh-0")


async def test_fifty_concurrent_calls_with_an_expired_token_refresh_once(
    fake: FakeFortnox, clock: ManualClock
) -> None:
    client, manager, store = connection(fake, clock, expired(clock))
    results = await asyncio.gather(*(client.customers.list_page() for _ in range(50)))
    assert len(results) == 50
    assert fake.refresh_calls == 1
    assert manager.refreshes == 1
    assert fake.api_calls == 50
    saved = await store.load("app:1")
    assert saved is not None
    assert (saved.access_token, saved.refresh_token) == ("access-1", "refresh-1")


async def test_a_401_refreshes_once_and_replays_once(fake: FakeFortnox, clock: ManualClock) -> None:
    fresh = TokenSet("access-0", clock.now() + timedelta(hours=1), refresh_token="refresh-0")
    client, manager, _ = connection(fake, clock, fresh)
    fake.reject_next_api_calls = 1  # e.g. the token was revoked early
    page = await client.customers.list_page()
    assert page.meta.total_resources == 0
    assert (fake.api_calls, fake.refresh_calls, manager.refreshes) == (2, 1, 1)


async def test_a_second_401_after_the_replay_is_an_authentication_error(
    fake: FakeFortnox, clock: ManualClock
) -> None:
    fresh = TokenSet("access-0", clock.now() + timedelta(hours=1), refresh_token="refresh-0")
    client, _, _ = connection(fake, clock, fresh)
    fake.reject_next_api_calls = 2
    with pytest.raises(AuthenticationError):
        await client.customers.list_page()
    assert (fake.api_calls, fake.refresh_calls) == (2, 1)


async def test_used_refresh_token_becomes_reauthentication_required(
    fake: FakeFortnox, clock: ManualClock
) -> None:
    stale = TokenSet("access-0", clock.now() - timedelta(seconds=1), refresh_token="refresh-old")
    client, _, _ = connection(fake, clock, stale)
    with pytest.raises(ReauthenticationRequired) as caught:
        await client.customers.list_page()
    assert (caught.value.status, caught.value.error) == (400, "invalid_grant")
    assert caught.value.description == "Invalid refresh token"
    assert fake.api_calls == 0


async def test_wrong_client_secret_is_invalid_client(fake: FakeFortnox, clock: ManualClock) -> None:
    client, _, _ = connection(fake, clock, expired(clock), secret="wrong")
    with pytest.raises(InvalidClientError) as caught:
        await client.customers.list_page()
    assert caught.value.status == 401


async def test_token_is_refreshed_before_it_expires(fake: FakeFortnox, clock: ManualClock) -> None:
    almost = TokenSet("access-0", clock.now() + timedelta(seconds=30), refresh_token="refresh-0")
    client, _, _ = connection(fake, clock, almost)
    await client.customers.list_page()
    assert (fake.refresh_calls, fake.api_calls) == (1, 1)  # no 401 round trip


class RecordingStore(InMemoryTokenStore):
    """A store that writes what it saves into a shared log."""

    def __init__(self, log: list[str], tokens: TokenSet) -> None:
        super().__init__({"app:1": tokens})
        self.log = log

    async def save(self, key: str, tokens: TokenSet) -> None:
        self.log.append(f"saved {tokens.access_token}")
        await super().save(key, tokens)


async def test_rotated_token_is_saved_before_use(fake: FakeFortnox, clock: ManualClock) -> None:
    log: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/3/"):
            log.append(f"used {request.headers['authorization'].removeprefix('Bearer ')}")
        return fake.handler(request)

    transport = httpx.MockTransport(handler)
    oauth = OAuthApp(
        "app", "secret", auth_url="https://apps.test", transport=transport, clock=clock
    )
    store = RecordingStore(log, expired(clock))
    manager = TokenManager("app:1", store=store, oauth=oauth, clock=clock)
    client = FortnoxClient(tokens=manager, api_url="https://api.test", transport=transport)
    await client.customers.list_page()
    assert log == ["saved access-1", "used access-1"]


async def test_service_account_tokens_are_renewed_with_client_credentials(
    fake: FakeFortnox, clock: ManualClock
) -> None:
    service = TokenSet("access-0", clock.now() - timedelta(seconds=1), tenant_id=42)
    client, _, store = connection(fake, clock, service)
    await client.customers.list_page()
    body = fake.token_bodies[-1]
    assert body["grant_type"] == ["client_credentials"]
    saved = await store.load("app:1")
    assert saved is not None
    assert (saved.refresh_token, saved.tenant_id) == (None, 42)


async def test_client_credentials_send_the_tenant_id_header(clock: ManualClock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "a", "expires_in": 3600, "scope": "x"})

    oauth = OAuthApp("app", "secret", transport=httpx.MockTransport(handler), clock=clock)
    tokens = await oauth.client_credentials(1234)
    assert seen[0].headers["TenantId"] == "1234"
    assert seen[0].url == "https://apps.fortnox.se/oauth-v1/token"
    assert (tokens.tenant_id, tokens.refresh_token) == (1234, None)
    assert tokens.expires_at == clock.now() + timedelta(hours=1)


def test_authorize_url_has_the_fortnox_parameters() -> None:
    oauth = OAuthApp("app-id", "secret", redirect_uri="https://host.example/cb")
    url = oauth.authorize_url(["salary", "companyinformation"], "st4te", service_account=True)
    parsed = urlparse(url)
    assert (
        f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://apps.fortnox.se/oauth-v1/auth"
    )
    assert "scope=salary%20companyinformation" in parsed.query
    params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert params == {
        "client_id": "app-id", "response_type": "code", "scope": "salary companyinformation",
        "state": "st4te", "access_type": "offline", "redirect_uri": "https://host.example/cb",
        "account_type": "service",
    }  # fmt: skip


def test_redirect_with_the_wrong_state_is_refused() -> None:
    assert OAuthApp.parse_redirect("https://h/cb?code=abc&state=s1", "s1").code == "abc"
    with pytest.raises(OAuthError):
        OAuthApp.parse_redirect("https://h/cb?code=abc&state=evil", "s1")
    with pytest.raises(OAuthError) as caught:
        OAuthApp.parse_redirect("https://h/cb?error=access_denied&state=s1", "s1")
    assert caught.value.error == "access_denied"


def test_tokens_never_show_in_repr(clock: ManualClock) -> None:
    tokens = TokenSet("secret-access", clock.now(), refresh_token="secret-refresh")
    assert "secret" not in repr(tokens)


class CountingStore(InMemoryTokenStore):
    """Counts the reads, as the bridge's database would see them."""

    def __init__(self, initial: dict[str, TokenSet]) -> None:
        super().__init__(initial)
        self.loads = 0

    async def load(self, key: str) -> TokenSet | None:
        self.loads += 1
        return await super().load(key)


async def test_a_client_reads_its_tokens_once_until_they_expire_or_are_refused(
    fake: FakeFortnox, clock: ManualClock
) -> None:
    fresh = TokenSet("access-0", clock.now() + timedelta(hours=1), refresh_token="refresh-0")
    transport = httpx.MockTransport(fake.handler)
    oauth = OAuthApp(
        "app", "secret", auth_url="https://apps.test", transport=transport, clock=clock
    )
    store = CountingStore({"app:1": fresh})
    manager = TokenManager("app:1", store=store, oauth=oauth, clock=clock)
    client = FortnoxClient(
        tokens=manager, api_url="https://api.test", transport=transport, retry=NO_RETRIES
    )
    for _ in range(10):
        await client.customers.list_page()
    assert (fake.api_calls, store.loads) == (10, 1)

    fake.reject_next_api_calls = 1  # refused: the store is read again, under the lock
    await client.customers.list_page()
    assert (fake.api_calls, fake.refresh_calls, store.loads) == (12, 1, 2)
    await client.customers.list_page()  # the renewed token is kept
    assert (fake.api_calls, store.loads) == (13, 2)

    clock.advance(2 * 3600)  # expired: read again, then renewed under the lock
    await client.customers.list_page()
    assert (fake.api_calls, fake.refresh_calls, store.loads) == (14, 2, 4)
