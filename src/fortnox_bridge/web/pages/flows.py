"""A tenant's flows (on/off and settings, the form made from each flow's settings model) and
mappings (absence types → Fortnox absence cause codes, PAXml codes of projects and absence
types, and re-writing absences under a changed mapping)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from fortnox_bridge.api.control import save_flow_config
from fortnox_bridge.api.ingest import EntityWriter, Incoming
from fortnox_bridge.engine.errors import EngineError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.maintenance.rewriting import rewrite_records
from fortnox_bridge.engine.sync.context import is_enabled_by_default
from fortnox_bridge.flows.hr.absence_causes import CAUSE_CODES, MAPPING_KIND, default_cause
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.absences import absences_to_rewrite
from fortnox_bridge.flows.payroll.codes import VALID_CODES
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Mapping as MappingRow
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.forms import field_errors
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, tenant_or_404, tenant_page
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root, web_context
from fortnox_bridge.web.status import tenant_light

router = APIRouter()
#: Settings fields are posted as ``setting-<name>`` (never clashing with ``enabled``).
PREFIX = "setting-"
EXCLUDE = "exclude"


# -- flows -------------------------------------------------------------------------------------


def settings_texts(flow: type[Flow]) -> list[str]:
    """The texts a flow's settings form shows (labels, help, choices): each is translated."""
    texts = []
    for name, spec in flow.Settings.model_json_schema().get("properties", {}).items():
        texts.append(_label(name, spec))
        texts.extend(text for text in (spec.get("description"),) if text)
        texts.extend(spec.get("choices", {}).values())
    return texts


def _label(name: str, spec: Mapping[str, Any]) -> str:
    return str(spec.get("title", name.replace("_", " ").capitalize()))


def settings_fields(
    flow: type[Flow], values: Mapping[str, Any], translate: Callable[[str], str] = str
) -> list[dict[str, Any]]:
    """The inputs of a flow's settings form, from its settings model's JSON schema; labels,
    help and choices (a field's ``choices`` in the schema names them) through ``translate``."""
    schema = flow.Settings.model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, spec in schema.get("properties", {}).items():
        options = [s for s in spec.get("anyOf", [spec]) if s.get("type") != "null"]
        main = options[0] if options else spec
        kind, choices = "text", []
        if "enum" in main:
            named = spec.get("choices", {})
            kind = "select"
            choices = [(str(v), translate(named.get(v, str(v)))) for v in main["enum"]]
        elif main.get("type") == "boolean":
            kind = "checkbox"
        elif main.get("type") in ("integer", "number"):
            kind = "number"
        elif main.get("format") == "date":
            kind = "date"
        value = values.get(name, spec.get("default"))
        limits = []
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in main:
                limits.append(f'{attr}="{main[key]}"')
        if main.get("type") == "number":
            limits.append('step="any"')
        fields.append(
            {
                "name": name,
                "input": PREFIX + name,
                "label": translate(_label(name, spec)),
                "help": translate(spec["description"]) if spec.get("description") else "",
                "kind": kind,
                "choices": choices,
                "value": value,
                "required": name in required,
                "attrs": " ".join(limits),
            }
        )
    return fields


def _flows_view(
    request: Request,
    context: WebContext,
    session: Session,
    tenant_id: int,
    posted: tuple[str, dict[str, Any], bool, dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    configs = FlowConfigRepository(session).for_tenant(tenant_id)
    rows = []
    for flow in context.flows:
        config = configs.get(flow.name)
        enabled = config.enabled if config else is_enabled_by_default(flow)
        values: Mapping[str, Any] = config.settings if config else {}
        errors: dict[str, str] = {}
        if posted is not None and posted[0] == flow.name:
            _, values, enabled, errors = posted
        doc = (flow.__doc__ or "").strip().split("\n\n", 1)[0].replace("\n", " ")
        rows.append(
            {
                "name": flow.name,
                "family": flow.name.split(".", 1)[0],
                "direction": flow.direction,
                "description": doc,
                "enabled": enabled,
                "fields": settings_fields(flow, values, lambda text: gettext(request, text)),
                "errors": errors,
            }
        )
    return rows


@router.get("/tenants/{tenant_id}/flows", response_class=HTMLResponse)
def flows(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Every flow of the tenant: on or off, and its settings."""
    context = web_context(request)
    with context.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        return tenant_page(
            request,
            "flows.html",
            user=user,
            tenant=tenant,
            tab="flows",
            light=tenant_light(request, session, tenant_id),
            flows=_flows_view(request, context, session, tenant_id),
        )


@router.post("/tenants/{tenant_id}/flows/{flow_name}", response_class=HTMLResponse)
async def save_flow(request: Request, tenant_id: TenantId, flow_name: str, user: User) -> Response:
    """Save one flow's on/off and settings; errors are shown by their fields, nothing saved."""
    context = web_context(request)
    flow = next((f for f in context.flows if f.name == flow_name), None)
    form = await request.form()
    enabled = str(form.get("enabled", "false")) == "true"
    settings: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith(PREFIX) and isinstance(value, str):
            settings[key.removeprefix(PREFIX)] = value  # the last value (checkbox after hidden)
    cleaned = {key: value for key, value in settings.items() if value != ""}
    ensure_tenant(request, tenant_id)
    if flow is None:
        flash(request, gettext(request, "There is no flow %(name)s.", name=flow_name), "error")
        return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/flows", status_code=303)
    try:
        with context.sessions.begin() as session:
            save_flow_config(
                session,
                flow,
                tenant_id,
                enabled=enabled,
                settings=cleaned,
                now=context.clock.now(),
                replace=True,
            )
    except ValidationError as exc:  # the transaction was rolled back: nothing saved
        errors = {PREFIX + key: value for key, value in field_errors(exc).items()}
        with context.sessions.begin() as session:
            tenant = tenant_or_404(request, session, tenant_id)
            return tenant_page(
                request,
                "flows.html",
                user=user,
                tenant=tenant,
                tab="flows",
                status_code=400,
                light=tenant_light(request, session, tenant_id),
                flows=_flows_view(
                    request, context, session, tenant_id, (flow.name, settings, enabled, errors)
                ),
            )
    flash(request, gettext(request, "Saved the settings of %(flow)s.", flow=flow_name))
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/flows#flow-{flow_name}", status_code=303
    )


# -- mappings ----------------------------------------------------------------------------------


def _cause_rows(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    mapped = MappingRepository(session).for_tenant(tenant_id).get(MAPPING_KIND, {})
    rows = []
    for record in MirrorRepository(session).live(tenant_id, "absence_type"):
        code, name = str(record.payload.get("code", "")), str(record.payload.get("name", ""))
        current = mapped.get(code)
        value = "" if current is None else EXCLUDE if current.excluded else current.fortnox_value
        rows.append(
            {
                "id": record.external_id,
                "code": code,
                "name": name,
                "default": default_cause(code, name),
                "value": value or "",
                "input": f"cause-{record.external_id}",
            }
        )
    return sorted(rows, key=lambda row: (row["name"].lower(), row["code"]))


def _paxml_rows(session: Session, tenant_id: int) -> list[dict[str, Any]]:
    mirror = MirrorRepository(session)
    rows = []
    for entity in ("project", "absence_type"):
        for record in mirror.live(tenant_id, entity):
            payload = record.payload
            label = str(payload.get("name") or payload.get("number") or payload.get("code") or "")
            rows.append(
                {
                    "entity": entity,
                    "id": record.external_id,
                    "name": label,
                    "value": str(payload.get("paxml_code") or ""),
                    "input": f"paxml-{entity}-{record.external_id}",
                }
            )
    return rows


def _mappings_page(
    request: Request,
    user: Any,
    tenant_id: int,
    *,
    posted: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
    errors_of: str = "",
    status_code: int = 200,
) -> Response:
    context = web_context(request)
    with context.sessions.begin() as session:
        tenant = tenant_or_404(request, session, tenant_id)
        causes = _cause_rows(session, tenant_id)
        paxml = _paxml_rows(session, tenant_id)
        for row in [*causes, *paxml]:
            if posted is not None and row["input"] in posted:
                row["value"] = posted[row["input"]]
        to_rewrite = len(absences_to_rewrite(session, tenant_id))
        return tenant_page(
            request,
            "mappings.html",
            user=user,
            tenant=tenant,
            tab="mappings",
            status_code=status_code,
            light=tenant_light(request, session, tenant_id),
            causes=causes,
            cause_codes=sorted(CAUSE_CODES),
            paxml=paxml,
            paxml_codes=VALID_CODES,
            to_rewrite=to_rewrite,
            errors=errors or {},
            errors_of=errors_of,
            engine=context.hooks.service is not None,
        )


@router.get("/tenants/{tenant_id}/mappings", response_class=HTMLResponse)
def mappings(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Absence cause codes, PAXml codes, and re-writing under a changed mapping."""
    return _mappings_page(request, user, tenant_id)


@router.post("/tenants/{tenant_id}/mappings/causes", response_class=HTMLResponse)
async def save_causes(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Map each absence type to a cause code, leave it to the default, or exclude it."""
    context = web_context(request)
    form = await request.form()
    posted = {key: str(value) for key, value in form.items() if key.startswith("cause-")}
    errors: dict[str, str] = {}
    with context.sessions.begin() as session:
        tenant_or_404(request, session, tenant_id)
        rows = {row["input"]: row for row in _cause_rows(session, tenant_id)}
    for key, value in posted.items():
        if key not in rows:
            errors["__all__"] = gettext(request, "There is no such absence type (reload the page).")
        elif value not in ("", EXCLUDE) and value not in CAUSE_CODES:
            errors[key] = gettext(
                request,
                "%(value)s is not a Fortnox absence cause code; choose one from the list.",
                value=value,
            )
    if errors:
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=errors,
            errors_of="causes",
            status_code=400,
        )
    now = context.clock.now()
    changed = 0
    with context.sessions.begin() as session:
        repo = MappingRepository(session)
        for key, value in posted.items():
            row = rows[key]
            if value == row["value"]:
                continue
            changed += 1
            if value == "":
                session.execute(
                    delete(MappingRow).where(
                        MappingRow.tenant_id == tenant_id,
                        MappingRow.kind == MAPPING_KIND,
                        MappingRow.local_value == row["code"],
                    )
                )
            elif value == EXCLUDE:
                repo.put(tenant_id, MAPPING_KIND, row["code"], None, excluded=True, now=now)
            else:
                repo.put(tenant_id, MAPPING_KIND, row["code"], value, now=now)
    flash(
        request,
        gettext(request, "Saved the absence cause codes (%(count)s changed).", count=changed),
    )
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/mappings", status_code=303)


@router.post("/tenants/{tenant_id}/mappings/paxml", response_class=HTMLResponse)
async def save_paxml(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Set the PAXml code of projects and absence types (through the host record write, so
    change events and pushes follow as for the API's ``PATCH``)."""
    context = web_context(request)
    form = await request.form()
    posted = {key: str(value) for key, value in form.items() if key.startswith("paxml-")}
    errors: dict[str, str] = {}
    with context.sessions.begin() as session:
        tenant_or_404(request, session, tenant_id)
        rows = {row["input"]: row for row in _paxml_rows(session, tenant_id)}
    for key, value in posted.items():
        if key not in rows:
            errors["__all__"] = gettext(request, "There is no such record (reload the page).")
        elif value and value not in VALID_CODES:
            errors[key] = gettext(
                request, "%(value)s is not a PAXml code; choose one from the list.", value=value
            )
    if errors:
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=errors,
            errors_of="paxml",
            status_code=400,
        )
    changes: dict[str, list[Incoming]] = {}
    for key, value in posted.items():
        row = rows[key]
        if value != row["value"]:
            patch = {"paxml_code": value or None}
            incoming = Incoming(
                len(changes.get(row["entity"], [])), row["id"], "patch", patch=patch
            )
            changes.setdefault(row["entity"], []).append(incoming)
    written = _write_patches(context, tenant_id, changes)
    failed = {
        f"paxml-{entity}-{outcome.external_id}": "; ".join(
            issue.message for issue in outcome.issues
        )
        for entity, outcomes in written.items()
        for outcome in outcomes
        if outcome.status == "rejected"
    }
    if failed:
        return _mappings_page(
            request,
            user,
            tenant_id,
            posted=posted,
            errors=failed,
            errors_of="paxml",
            status_code=400,
        )
    count = sum(len(outcomes) for outcomes in written.values())
    flash(request, gettext(request, "Saved the PAXml codes (%(count)s changed).", count=count))
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}/mappings#paxml", status_code=303)


def _write_patches(
    context: WebContext, tenant_id: int, changes: dict[str, list[Incoming]]
) -> dict[str, list[Any]]:
    """Write merge patches of host records as the API does, and tell the engine."""
    entities = discover_entities()
    by_name = {entity.entity: entity for entity in entities}
    written: dict[str, list[Any]] = {}
    for name, incoming in changes.items():
        writer = EntityWriter(by_name[name], entities, context.flows)
        outcomes = writer.write(context.sessions, tenant_id, incoming, now=context.clock.now())
        written[name] = outcomes
        on_change = context.hooks.on_change
        if on_change is not None and (writer.push_flows or writer.built_by):
            for outcome in outcomes:
                if outcome.changed:
                    on_change(tenant_id, name, outcome.external_id)
    return written


@router.post("/tenants/{tenant_id}/mappings/rewrite", response_class=HTMLResponse)
async def rewrite(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Re-write the absences whose Fortnox transactions do not follow the current mapping."""
    context = web_context(request)
    with context.sessions.begin() as session:
        tenant_or_404(request, session, tenant_id)
        chosen = absences_to_rewrite(session, tenant_id)
    service = context.hooks.service
    back = RedirectResponse(f"{root(request)}/tenants/{tenant_id}/mappings", status_code=303)
    if service is None:
        flash(
            request,
            gettext(
                request,
                "The sync engine is not running beside this page; start "
                "the bridge with 'fortnox-bridge serve'.",
            ),
            "error",
        )
        return back
    if not chosen:
        flash(request, gettext(request, "Nothing to re-write: every absence follows the mapping."))
        return back
    source = service.clients.source(tenant_id)
    try:
        async with service.writers.hold(tenant_id, "re-write", wait=False):
            summary = await rewrite_records(
                context.sessions,
                context.clock,
                context.flows,
                tenant_id=tenant_id,
                flow_name=AbsencePush.name,
                source=source,
                external_ids=chosen,
            )
    except (EngineError, FortnoxError) as exc:
        flash(
            request,
            gettext(request, "The re-write did not run: %(error)s", error=str(exc)),
            "error",
        )
        return back
    finally:
        await source.aclose()
    if summary.error:
        flash(
            request,
            gettext(request, "The re-write stopped: %(error)s", error=summary.error),
            "error",
        )
    else:
        flash(
            request,
            gettext(
                request,
                "Re-wrote %(count)s absence(s) under the new mapping (run %(run)s).",
                count=len(chosen),
                run=summary.run_id,
            ),
            "success" if summary.status == "succeeded" else "warning",
        )
    return back
