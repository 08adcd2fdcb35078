"""How a tenant synchronises, chosen on its settings page (``PATCH /api/v1/tenant`` does the
same): who wins when a field changed on both sides (``conflict_policy``), how often the tenant
is swept (``sweep_interval_minutes``) and when the open problems are e-mailed as a digest
(``digest``).

Each is its own form. A value the API would refuse is shown next to its field, in the page's
language, with what was typed kept, and nothing is saved.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.tenants import TenantChanges
from fortnox_bridge.web.forms import parse_form
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, context, no_tenant
from fortnox_bridge.web.pages.settings import back, show
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User

router = APIRouter()

#: The sweep interval's bounds, as the API's (``api/schemas/tenants.py``): a minute to a day.
MIN_MINUTES, MAX_MINUTES = 1, 1440


#: What the page says when a form is saved.
SAVED = {
    "conflict_policy": N_("Conflict policy saved."),
    "sweep_interval_minutes": N_("Sweep interval saved."),
    "digest": N_("Digest saved."),
}


class PolicyForm(BaseModel):
    """The conflict policy form."""

    model_config = ConfigDict(extra="ignore")

    conflict_policy: Literal["ask", "bridge_wins", "fortnox_wins"]


class IntervalForm(BaseModel):
    """The sweep interval form."""

    model_config = ConfigDict(extra="ignore")

    sweep_interval_minutes: int = Field(ge=MIN_MINUTES, le=MAX_MINUTES)


class DigestForm(BaseModel):
    """The digest form."""

    model_config = ConfigDict(extra="ignore")

    digest: Literal["daily", "per_run"]


async def _save(
    request: Request,
    tenant_id: int,
    user: User,
    form: type[PolicyForm | IntervalForm | DigestForm],
    anchor: str,
) -> Response:
    """Check the posted field with ``form``; save it, or show the page with the error."""
    (name,) = form.model_fields
    posted = str((await request.form()).get(name, "")).strip()
    # The catalogue's words in English too ("Enter a whole number."), not pydantic's.
    parsed, errors = parse_form(
        form, {name: posted}, lambda text, **values: gettext(request, text, **values)
    )
    if parsed is None:
        if form is not IntervalForm:  # a radio group: its choices, not pydantic's ids
            errors[name] = gettext(request, "Choose one of the listed values.")
        typed = {name: posted}
        return show(request, user, tenant_id, typed=typed, errors=errors, status_code=400)
    try:
        context(request).services.tenants.change(
            tenant_id, TenantChanges(**{name: getattr(parsed, name)})
        )
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, SAVED[name]))
    return back(request, tenant_id, anchor)


@router.post("/tenants/{tenant_id}/settings/conflict-policy")
async def save_policy(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the conflict policy; anything but a listed policy is refused."""
    return await _save(request, tenant_id, user, PolicyForm, "conflict-policy")


@router.post("/tenants/{tenant_id}/settings/sweep-interval")
async def save_interval(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the sweep interval; a value that is not a whole number of 1-1440 is refused."""
    return await _save(request, tenant_id, user, IntervalForm, "sweep-interval")


@router.post("/tenants/{tenant_id}/settings/digest")
async def save_digest(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save when the digest goes out; anything but a listed value is refused."""
    return await _save(request, tenant_id, user, DigestForm, "digest")
