"""Sign-in as a password guesser meets it: delays that double per IP, per address and IP, and per
address from anywhere; never a lock that keeps the admin out; a bound on Argon2 work."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services import sessions as sign_in_sessions
from fortnox_bridge.services.passwords import PasswordChecks, SignInBusy
from fortnox_bridge.web import app as web_app
from fortnox_bridge.web.context import WebContext
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of, sign_in_as, sign_out

ATTACKER = ("198.51.100.7", 50000)
VICTIM = ("203.0.113.20", 50001)
ELSEWHERE = ("192.0.2.30", 50002)
WRONG = "wrong password!"

Browser = Callable[[tuple[str, int]], TestClient]


@pytest.fixture
def browser_at(bridge_app: FastAPI) -> Iterator[Browser]:
    """Browsers of the bridge, each from the IP address it is given."""
    with contextlib.ExitStack() as stack:

        def open_at(client: tuple[str, int]) -> TestClient:
            return stack.enter_context(
                TestClient(
                    bridge_app, base_url="http://bridge.test", follow_redirects=False, client=client
                )
            )

        yield open_at


def retry_after(answer: Response) -> int:
    assert answer.status_code == 429, answer.text
    assert "Too many failed sign-ins. Try again in" in answer.text
    return int(answer.headers["Retry-After"])


def test_guessing_one_address_from_one_ip_waits_twice_as_long_each_time(
    browser_at: Browser, clock: ManualClock
) -> None:
    attacker = browser_at(ATTACKER)
    for _ in range(5):  # typing mistakes cost nothing
        assert sign_in_as(attacker, ADMIN_EMAIL, WRONG).status_code == 400
    waits = []
    for _ in range(5):
        waits.append(retry_after(sign_in_as(attacker, ADMIN_EMAIL, WRONG)))
        clock.advance(waits[-1])
        assert sign_in_as(attacker, ADMIN_EMAIL, WRONG).status_code == 400
    assert waits == [1, 2, 4, 8, 16]
    assert retry_after(sign_in_as(attacker, ADMIN_EMAIL, ADMIN_PASSWORD)) == 32  # no check now
    clock.advance(31)
    assert sign_in_as(attacker, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429
    clock.advance(1)
    assert sign_in_as(attacker, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    sign_out(attacker)
    for _ in range(5):  # the sign-in started the counts afresh
        assert sign_in_as(attacker, ADMIN_EMAIL, WRONG).status_code == 400
    assert retry_after(sign_in_as(attacker, ADMIN_EMAIL, WRONG)) == 1


def test_one_ip_trying_many_addresses_waits_per_ip(browser_at: Browser, clock: ManualClock) -> None:
    attacker = browser_at(ATTACKER)
    for number in range(10):
        assert sign_in_as(attacker, f"guess{number}@example.se", WRONG).status_code == 400
    assert retry_after(sign_in_as(attacker, "guess10@example.se", WRONG)) == 1
    clock.advance(1)
    assert sign_in_as(attacker, "guess11@example.se", WRONG).status_code == 400
    assert retry_after(sign_in_as(attacker, "guess12@example.se", WRONG)) == 2
    # another machine is not held, not even for the addresses tried
    assert sign_in_as(browser_at(ELSEWHERE), "guess0@example.se", WRONG).status_code == 400
    assert sign_in_as(browser_at(VICTIM), ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    clock.advance(2)  # a sign-in from the IP clears its count
    assert sign_in_as(attacker, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    sign_out(attacker)
    assert sign_in_as(attacker, "guess13@example.se", WRONG).status_code == 400


def test_the_admin_signs_in_from_another_ip_while_an_attacker_hammers_the_address(
    browser_at: Browser,
) -> None:
    attacker = browser_at(ATTACKER)
    answers = Counter(
        sign_in_as(attacker, ADMIN_EMAIL, f"guess number {n}").status_code for n in range(60)
    )
    assert answers == {400: 5, 429: 55}  # held attempts check no password and count nothing
    victim = browser_at(VICTIM)
    assert sign_in_as(victim, ADMIN_EMAIL, ADMIN_PASSWORD, next="/tenants").headers["location"] == (
        "/ui/tenants"
    )
    assert victim.get("/ui/tenants").status_code == 200
    assert sign_in_as(attacker, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429  # still held


def test_guessing_from_many_ips_holds_new_browsers_but_not_the_admins_own(
    browser_at: Browser, clock: ManualClock
) -> None:
    admin = browser_at(VICTIM)
    assert sign_in_as(admin, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    sign_out(admin)  # the browser remembers it signed in as this address
    for number in range(20):
        guesser = browser_at((f"198.51.100.{number + 1}", 50000))
        assert sign_in_as(guesser, ADMIN_EMAIL, WRONG).status_code == 400
    assert retry_after(sign_in_as(browser_at(ELSEWHERE), ADMIN_EMAIL, ADMIN_PASSWORD)) == 1
    forged = browser_at(("192.0.2.31", 50003))
    forged.cookies.set(web_app.DEVICE_COOKIE, "forged", domain="bridge.test", path="/ui")
    assert sign_in_as(forged, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429
    assert sign_in_as(admin, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    assert admin.get("/ui/tenants").status_code == 200


def test_the_wait_is_shown_in_the_users_language(browser_at: Browser) -> None:
    attacker = browser_at(ATTACKER)
    page = attacker.get("/ui/login")
    attacker.post(
        "/ui/language", data={"language": "sv", "back": "/login", "csrf_token": csrf_of(page.text)}
    )
    for _ in range(5):
        sign_in_as(attacker, ADMIN_EMAIL, WRONG)
    held = sign_in_as(attacker, ADMIN_EMAIL, WRONG)
    assert held.status_code == 429
    assert "För många misslyckade inloggningar. Försök igen om 1 s." in held.text


def test_unknown_addresses_cost_a_check_as_dear_as_a_real_password(
    browser_at: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = sign_in_sessions.verify_password

    def verify(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(sign_in_sessions, "verify_password", verify)
    assert sign_in_as(browser_at(ATTACKER), "nobody@example.se", WRONG).status_code == 400
    assert len(checked) == 1
    production = PasswordHasher()
    parameters = extract_parameters(checked[0])
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        production.memory_cost,
        production.time_cost,
        production.parallelism,
    )


class _Full(PasswordChecks):
    """Every slot taken and the queue full."""

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        raise SignInBusy()
        yield  # pragma: no cover


def test_when_every_check_slot_is_busy_the_answer_is_429_with_retry_after(
    browser_at: Browser, web_context: WebContext
) -> None:
    web_context.password_checks = _Full(slots=1)
    answer = sign_in_as(browser_at(VICTIM), ADMIN_EMAIL, ADMIN_PASSWORD)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "2"
    assert "Many sign-ins are being checked right now. Try again in a moment." in answer.text
    web_context.password_checks = PasswordChecks(slots=1)
    assert sign_in_as(browser_at(VICTIM), ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
