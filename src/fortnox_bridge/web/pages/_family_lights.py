"""What a tenant's overview shows of the lights of its flow families: per family, green or red
and the reason, in the page's language (the service's texts are message ids with values)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages.families import family_title
from fortnox_bridge.web.render import gettext
from fortnox_bridge.web.security import web_context
from fortnox_bridge.web.status import STATE_WORDS

#: What each colour of a family's light says.
WORDS = {"green": N_("The family works"), "red": N_("The family does not work")}


def family_lights(request: Request, tenant_id: int) -> list[dict[str, Any]]:
    """Per family the tenant uses: its name, colour, words and reason, translated."""
    lights = web_context(request).services.family_status.lights(tenant_id)
    return [
        {
            "family": light.family,
            "title": family_title(request, light.family),
            "color": light.color,
            "words": gettext(request, WORDS[light.color]),
            "reason": gettext(request, light.reason.text, **_values(request, light.reason.values)),
            "code": light.reason.code,
        }
        for light in lights
    ]


def _values(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """A connection state in words (the service names it by its code)."""
    state = values.get("state")
    if state in STATE_WORDS:
        return {**values, "state": gettext(request, STATE_WORDS[state])}
    return values
