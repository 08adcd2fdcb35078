"""A tenant's status light: one rule, used by every page that shows a tenant.

- **red**: the bridge cannot work for the tenant — the connection needs a new consent
  (``needs_reauth``), was revoked, lacks a licence (``missing_licence``), or the last run failed;
- **amber**: it works, but something needs a look — the connection is paused, a re-sync proposed
  after a reconnect or a first synchronization's plan waits for the admin's decisions, open
  problems or conflicts, or a last run with failed records;
- **green**: connected and nothing open;
- **grey**: not connected yet (no connection, or waiting for the consent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from fortnox_bridge.services.status import SYNC_KINDS, LightFacts
from fortnox_bridge.web.i18n import N_

__all__ = [
    "BROKEN_STATES",
    "NOT_CONNECTED",
    "STATE_WORDS",
    "SYNC_KINDS",
    "Light",
    "TenantStatus",
    "light_for",
    "tenant_light",
]

Color = Literal["green", "amber", "red", "grey"]
NOT_CONNECTED = "not_connected"
#: Connection states in which nothing reaches Fortnox until the tenant acts.
BROKEN_STATES = frozenset({"needs_reauth", "revoked", "missing_licence"})

#: What each connection state is called on the pages (English; translated when shown).
STATE_WORDS: dict[str, str] = {
    NOT_CONNECTED: N_("Not connected"),
    "pending_auth": N_("Waiting for the Fortnox administrator's approval"),
    "active": N_("Connected"),
    "needs_reauth": N_("Needs a new approval in Fortnox"),
    "revoked": N_("Disconnected"),
    "paused": N_("Paused"),
    "missing_licence": N_("A Fortnox licence is missing"),
}


#: Why the light is amber while a proposed re-sync waits.
RESYNC_WAITS = N_(
    "A re-sync of the time the connection was broken is proposed: review it under Maintenance"
)

#: Why the light is amber while a first synchronization's plan waits for decisions (until it is
#: applied, the flows leave every record that is not paired yet alone).
FIRST_SYNC_WAITS = N_(
    "A first synchronization waits for your decisions: decide and apply it under Conflicts"
)

#: What the light is made of (read by the status service).
TenantStatus = LightFacts


@dataclass(frozen=True)
class Light:
    """A colour and the words that explain it (``text`` in English until translated)."""

    color: Color
    text: str


def light_for(status: TenantStatus) -> Light:
    """The light of a tenant in ``status`` (the rule in the module's docstring)."""
    state = status.connection
    if state in (NOT_CONNECTED, "pending_auth"):
        return Light("grey", STATE_WORDS[state])
    if state in BROKEN_STATES:
        return Light("red", STATE_WORDS[state])
    if status.last_run == "failed":
        return Light("red", N_("The last run failed"))
    if state == "paused":
        return Light("amber", STATE_WORDS[state])
    if status.resync_proposed:
        return Light("amber", RESYNC_WAITS)
    if status.first_sync_waiting:
        return Light("amber", FIRST_SYNC_WAITS)
    if status.open_problems or status.open_conflicts:
        return Light("amber", N_("Open problems or conflicts need a look"))
    if status.last_run == "partial":
        return Light("amber", N_("Some records failed in the last run"))
    return Light("green", N_("Connected, nothing needs attention"))


def tenant_light(request: Request, tenant_id: int) -> dict[str, str]:
    """The light of a tenant for a page (``tenant_base.html``'s ``light``), in its language."""
    from fortnox_bridge.web.render import gettext
    from fortnox_bridge.web.security import web_context

    light = light_for(web_context(request).services.status.facts(tenant_id))
    return {"color": light.color, "text": gettext(request, light.text)}
