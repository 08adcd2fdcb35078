"""A tenant's flows: on/off and settings, the form made from each flow's settings model (the
mappings are ``mappings.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Flow, family_of
from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.forms import field_errors
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.labels import flow_about, flow_title
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, tenant_of, tenant_page
from fortnox_bridge.web.pages.families import family_title
from fortnox_bridge.web.render import error_words, flash, gettext, language_of
from fortnox_bridge.web.security import User, root, web_context
from fortnox_bridge.web.settings_form import settings_fields as form_fields
from fortnox_bridge.web.settings_form import settings_groups
from fortnox_bridge.web.settings_form import settings_texts as form_texts

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("flows", N_("Flows"), 20, "/flows")
#: Settings fields are posted as ``setting-<name>`` (never clashing with ``enabled``).
PREFIX = "setting-"


# -- flows -------------------------------------------------------------------------------------


def settings_texts(flow: type[Flow]) -> list[str]:
    """The texts a flow's settings form shows (labels, help, choices, group titles) that the
    web catalogues translate (not those the settings model carries in Swedish itself)."""
    return form_texts(flow.Settings)


def settings_fields(
    flow: type[Flow],
    values: Mapping[str, Any],
    translate: Callable[[str], str] = str,
    *,
    language: str = "en",
) -> list[dict[str, Any]]:
    """The inputs of a flow's settings form, from its settings model's JSON schema; labels,
    help and choices in ``language`` (see ``web/settings_form.py``)."""
    return form_fields(flow.Settings, values, translate, language=language, prefix=PREFIX)


def shared_settings_of(flow: type[Flow]) -> str | None:
    """The flow whose settings ``flow`` uses (a family's one settings form), if another's."""
    return flow.settings_flow


def settings_view(
    request: Request, flow: type[Flow], values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The flow's settings form in the request's language, in its model's groups."""
    return settings_groups(
        flow.Settings,
        values,
        lambda text: gettext(request, text),
        language=language_of(request),
        prefix=PREFIX,
    )


def _flows_view(
    request: Request,
    context: WebContext,
    tenant_id: int,
    posted: tuple[str, dict[str, Any], bool, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The flows of the tenant's families, grouped by family (in sweep order within each)."""
    groups: dict[str, dict[str, Any]] = {}
    for each in context.services.flow_config.tenant_flows(tenant_id):
        flow, config, enabled = each.flow, each.config, each.enabled
        values: Mapping[str, Any] = config.settings if config else {}
        errors: dict[str, str] = {}
        if posted is not None and posted[0] == flow.name:
            _, values, enabled, errors = posted
        shared = shared_settings_of(flow)
        family = family_of(flow)
        group = groups.setdefault(
            family, {"family": family, "title": family_title(request, family), "flows": []}
        )
        group["flows"].append(
            {
                "name": flow.name,
                "title": _title(request, flow.name),
                "family": family,
                "base": flow.base,
                "direction": flow.direction,
                "description": flow_about(flow.__doc__, lambda text: gettext(request, text)),
                "enabled": enabled,
                # a flow that runs with another flow's settings shows none: they are changed
                # (and shown) on the flow that holds them
                "groups": [] if shared else settings_view(request, flow, values),
                "settings_flow": shared,
                "settings_flow_title": _title(request, shared) if shared else "",
                "errors": errors,
            }
        )
    return list(groups.values())


def _title(request: Request, flow_name: str) -> str:
    """A flow's title in the request's language ("Employees to Fortnox")."""
    return flow_title(flow_name, lambda text: gettext(request, text))


def _refused(request: Request, flow_name: str, refusal: Conflict) -> str:
    """Why the switch was refused, in the request's language."""
    flow = web_context(request).services.flow_config.flow(flow_name)
    if refusal.code == "base_flow":
        return gettext(
            request,
            "%(flow)s is a base flow of the %(family)s family: it is always on.",
            flow=_title(request, flow_name),
            family=family_title(request, family_of(flow)),
        )
    if refusal.code == "flows_exclusive":
        return gettext(
            request,
            "%(flow)s cannot run beside %(other)s: turn that one off first.",
            flow=_title(request, flow_name),
            other=", ".join(_title(request, name) for name in flow.excludes),
        )
    return gettext(
        request,
        "%(flow)s belongs to the %(family)s family, which this tenant does not use.",
        flow=_title(request, flow_name),
        family=family_title(request, family_of(flow)),
    )


@router.get("/tenants/{tenant_id}/flows", response_class=HTMLResponse)
def flows(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Every flow of the tenant's families: on or off (base flows always on), its settings."""
    context = web_context(request)
    tenant = tenant_of(request, tenant_id)
    return tenant_page(
        request,
        "flows.html",
        user=user,
        tenant=tenant,
        tab="flows",
        families=_flows_view(request, context, tenant_id),
    )


@router.post("/tenants/{tenant_id}/flows/{flow_name}", response_class=HTMLResponse)
async def save_flow(request: Request, tenant_id: TenantId, flow_name: str, user: User) -> Response:
    """Save one flow's on/off and settings; errors are shown by their fields, nothing saved."""
    context = web_context(request)
    form = await request.form()
    enabled = str(form.get("enabled", "false")) == "true"
    settings: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith(PREFIX) and isinstance(value, str):
            settings[key.removeprefix(PREFIX)] = value  # the last value (checkbox after hidden)
    cleaned = {key: value for key, value in settings.items() if value != ""}
    ensure_tenant(request, tenant_id)
    try:
        shared = shared_settings_of(context.services.flow_config.flow(flow_name))
        context.services.flow_config.change(  # a shared form's settings are saved elsewhere
            tenant_id,
            flow_name,
            enabled=enabled,
            settings=None if shared else cleaned,
            replace=not shared,
        )
    except NotFound:
        flash(request, gettext(request, "There is no flow %(name)s.", name=flow_name), "error")
        return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/flows", status_code=303)
    except Conflict as exc:  # nothing saved
        flash(request, _refused(request, flow_name, exc), "error")
        return RedirectResponse(
            f"{root(request)}/tenants/{tenant_id}/flows#flow-{flow_name}", status_code=303
        )
    except ValidationError as exc:  # the transaction was rolled back: nothing saved
        errors = {  # an error of the form as a whole keeps its key, the others their input's
            (key if key == "__all__" else PREFIX + key): value
            for key, value in field_errors(exc, error_words(request)).items()
        }
        posted = (flow_name, settings, enabled, errors)
        return tenant_page(
            request,
            "flows.html",
            user=user,
            tenant=tenant_of(request, tenant_id),
            tab="flows",
            status_code=400,
            families=_flows_view(request, context, tenant_id, posted),
        )
    title = _title(request, flow_name)
    flash(request, gettext(request, "Saved the settings of %(flow)s.", flow=title))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/flows#flow-{flow_name}", status_code=303
    )
