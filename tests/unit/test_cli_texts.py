"""What the command line shows: local times to the second, counts as words, and help texts that
name what the engine and the sandbox really accept (the help cannot import them: it must start
fast)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from fortnox_bridge.cli.sandbox import SANDBOX_SEEDS
from fortnox_bridge.cli.tenants import POLICY_HELP
from fortnox_bridge.cli.work.output import counts_text, local_time
from fortnox_bridge.engine.sync.merge import POLICIES
from fortnox_bridge.sandbox.seed import SEEDS


@pytest.fixture
def stockholm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Stockholm")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_and_to_the_second(stockholm: None) -> None:
    stored = datetime(2026, 12, 6, 10, 4, 5, 987654, tzinfo=UTC)
    assert local_time(stored) == "2026-12-06 11:04:05"
    assert local_time(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == "2026-07-02 00:00:00"
    assert local_time(stored, seconds=False) == "2026-12-06 11:04"
    assert local_time(None) == ""


def test_counts_read_as_words() -> None:
    assert counts_text({"created": 3, "updated": 0, "failed": 1}) == "created 3, failed 1"
    assert counts_text({"created": 0}) == "nothing to do"


def test_help_names_the_engines_policies_and_the_sandboxs_seeds() -> None:
    assert f"Fields changed on both sides: {', '.join(POLICIES[:-1])} or ask." == POLICY_HELP
    assert POLICIES[-1] == "ask"
    assert SANDBOX_SEEDS == SEEDS
