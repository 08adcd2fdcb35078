"""The status light of a tenant: one rule for every state."""

from __future__ import annotations

import pytest

from fortnox_bridge.web.status import Light, TenantStatus, light_for


@pytest.mark.parametrize(
    ("status", "color", "text"),
    [
        (TenantStatus("not_connected"), "grey", "Not connected"),
        (TenantStatus("pending_auth"), "grey", "Waiting for the Fortnox administrator's approval"),
        (TenantStatus("active"), "green", "Connected, nothing needs attention"),
        (
            TenantStatus("active", last_run="succeeded"),
            "green",
            "Connected, nothing needs attention",
        ),
        (
            TenantStatus("active", open_problems=2),
            "amber",
            "Open problems or conflicts need a look",
        ),
        (
            TenantStatus("active", open_conflicts=1),
            "amber",
            "Open problems or conflicts need a look",
        ),
        (
            TenantStatus("active", last_run="partial"),
            "amber",
            "Some records failed in the last run",
        ),
        (TenantStatus("paused"), "amber", "Paused"),
        (
            TenantStatus("active", last_run="succeeded", resync_proposed=True),
            "amber",
            "A re-sync of the time the connection was broken is proposed: review it under "
            "Maintenance",
        ),
        (
            TenantStatus("active", first_sync_waiting=True),
            "amber",
            "A first synchronization waits for your decisions: decide and apply it under Conflicts",
        ),
        (TenantStatus("active", last_run="failed"), "red", "The last run failed"),
        (TenantStatus("active", 3, 1, "failed"), "red", "The last run failed"),
        (TenantStatus("needs_reauth"), "red", "Needs a new approval in Fortnox"),
        (TenantStatus("revoked", last_run="succeeded"), "red", "Disconnected"),
        (TenantStatus("missing_licence"), "red", "A Fortnox licence is missing"),
    ],
)
def test_the_light_of_each_state(status: TenantStatus, color: str, text: str) -> None:
    assert light_for(status) == Light(color, text)  # type: ignore[arg-type]


def test_a_broken_connection_outweighs_open_problems() -> None:
    assert light_for(TenantStatus("needs_reauth", open_problems=5)).color == "red"
    assert light_for(TenantStatus("pending_auth", open_problems=5)).color == "grey"
