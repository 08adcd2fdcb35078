"""What the settings page shows of a tenant's conflict policy, sweep interval and digest
(``sync_options.py`` saves them): the choices in words and the interval's default."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from fortnox_bridge.services.sweep_defaults import BRIDGE_DEFAULT_MINUTES, family_interval
from fortnox_bridge.services.tenants import Tenant
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages.families import family_title
from fortnox_bridge.web.render import gettext

#: The conflict policies (the API's), with what each does.
POLICIES = {
    "ask": (
        N_("Ask"),
        N_(
            "A field changed in Fortnox and in the app since the last sync waits on the "
            "conflicts page until someone chooses a side; nothing flows either way meanwhile."
        ),
    ),
    "bridge_wins": (
        N_("The app wins"),
        N_("The app's value is kept and written to Fortnox; Fortnox's change is overwritten."),
    ),
    "fortnox_wins": (
        N_("Fortnox wins"),
        N_("Fortnox's value is kept and brought into the app; the app's change is overwritten."),
    ),
}
#: When the digest of open problems is e-mailed (the API's values), with what each means.
DIGESTS = {
    "daily": (
        N_("Once a day"),
        N_("At most one e-mail a day listing the open problems."),
    ),
    "per_run": (
        N_("After every sync"),
        N_(
            "After each sync that leaves problems open, unless they are the same as in the "
            "last digest."
        ),
    ),
}


def options(tenant: Tenant, typed: dict[str, str] | None = None) -> dict[str, Any]:
    """The tenant's values for the settings page's one-value forms (what was ``typed``
    instead, when a form comes back with an error)."""
    return {
        "conflict_policy": tenant.conflict_policy,
        "sweep_interval_minutes": tenant.sweep_interval_minutes,
        "digest": tenant.digest,
        "problem_mail": tenant.problem_mail,
        "refusal_retry_hours": tenant.refusal_retry_hours,
        "realtime_sweep_factor": tenant.realtime_sweep_factor,
        **(typed or {}),
    }


def sweep_default(request: Request, tenant: Tenant) -> str:
    """What the tenant's interval is by default, in words: a chosen family's own when one
    declares it (``services/sweep_defaults.py``), else the bridge's."""
    own = [(f, m) for f in tenant.families if (m := family_interval(f)) is not None]
    if own:
        family, minutes = max(own, key=lambda pair: pair[1])
        return gettext(
            request,
            "Default for this tenant: every %(minutes)s minutes, the interval of the "
            "%(family)s family it uses (the bridge's own default is %(bridge)s minutes). An "
            "interval saved here replaces it.",
            minutes=minutes,
            family=family_title(request, family),
            bridge=BRIDGE_DEFAULT_MINUTES,
        )
    return gettext(
        request,
        "Default: every %(minutes)s minutes. A family with an interval of its own (Service: "
        "60 minutes) brings it when it is chosen, unless an interval was saved here.",
        minutes=BRIDGE_DEFAULT_MINUTES,
    )
