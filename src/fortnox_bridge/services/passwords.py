"""Password hashing for admin users: Argon2id with argon2-cffi's recommended parameters, and
checks with a bound on how many run at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
T = TypeVar("T")
#: Shortest password ``users create`` and the UI accept.
MIN_LENGTH = 10


class WeakPassword(ValueError):
    """A password that is too short or too plain; the message says what to change."""


def check_strength(password: str, email: str = "") -> str:
    """``password`` when it is acceptable, else :class:`WeakPassword`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters long")
    if email and password.lower() == email.strip().lower():
        raise WeakPassword("the password must not be the e-mail address")
    if len(set(password)) < 4:
        raise WeakPassword("the password repeats too few characters; use a passphrase")
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted, parameters encoded in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash (constant-time; a malformed hash is no match)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


class SignInBusy(Exception):
    """Too many sign-ins are waiting for a password check; the answer is 429, try again soon."""


def default_slots() -> int:
    """Argon2 checks at once: half the processor cores, at least one (each takes a core and
    64 MiB while it runs)."""
    return max(1, (os.cpu_count() or 2) // 2)


def _lower_priority() -> None:
    """Let a password-check thread yield the processor to the rest of the bridge (Linux sets
    the priority per thread; elsewhere the thread keeps the process's)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            os.setpriority(
                os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + 10)
            )


class PasswordChecks:
    """Runs password checks with a bound: at most ``slots`` at once, in a thread pool of their
    own at a lower processor priority (the event loop, the request threads and ``/healthz`` stay
    quick), at most ``queue`` waiting for a slot, none longer than ``wait`` seconds; the others
    get :class:`SignInBusy`.

    So a flood of sign-ins costs at most ``slots`` × Argon2's memory, however many arrive: the
    pool has ``slots`` threads, so even a check whose request went away meanwhile counts.
    """

    def __init__(self, slots: int | None = None, *, queue: int = 32, wait: float = 3.0) -> None:
        self.slots = slots or default_slots()
        self.queue, self.wait = queue, wait
        self._semaphore = anyio.Semaphore(self.slots)
        self._pool = ThreadPoolExecutor(
            max_workers=self.slots, thread_name_prefix="password-check", initializer=_lower_priority
        )
        self._waiting = 0
        self._running = 0
        #: The most checks that ran at once (for tests and metrics).
        self.peak = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots (waiting in the queue if need be), or :class:`SignInBusy`."""
        try:
            self._semaphore.acquire_nowait()
        except anyio.WouldBlock:
            if self._waiting >= self.queue or self.wait <= 0:
                raise SignInBusy() from None
            self._waiting += 1
            acquired = False
            try:
                with anyio.move_on_after(self.wait):
                    await self._semaphore.acquire()
                    acquired = True
            finally:
                self._waiting -= 1
            if not acquired:
                raise SignInBusy() from None
        self._running += 1
        self.peak = max(self.peak, self._running)
        try:
            yield
        finally:
            self._running -= 1
            self._semaphore.release()

    async def run(self, check: Callable[[], T]) -> T:
        """Run ``check`` (which verifies a password) in the pool; hold a slot first."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, check)
