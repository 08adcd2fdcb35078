"""Records as Fortnox sends them: every declared field present, unset ones shown as Fortnox shows
them (``null``, ``""`` or ``0`` depending on the field, recorded in the declarations), numbers as
strings where the real API sends strings, and ``API_NORIGHT`` for fields the company hides.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fortnox_bridge.fortnox.models.base import API_NORIGHT, FortnoxModel
from fortnox_bridge.sandbox.fields import WireField
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record


def render(ctx: Ctx, record: Record) -> Record:
    """The full record as ``GET /3/<resource>/{id}`` answers it."""
    resource = ctx.resource
    spec = resource.spec
    # Start from the unset record (computed once per resource) and convert only what is set:
    # records set a handful of their up to a hundred fields.
    blank = blank_record(resource)
    out = dict(blank)
    for name in resource.blank_nested:
        out[name] = _fresh(blank[name])
    for name, value in record.items():
        wire = resource.fields.get(name)
        if wire is not None and name not in spec.absent and name != "@url":
            out[name] = convert(wire, value, spec_blank(resource, name, wire), resource, name)
        elif name in spec.extra_fields:
            out[name] = value
    if resource.id_field is not None and resource.id_field in record:
        out["@url"] = resource.url(str(record[resource.id_field]))
    else:
        out.pop("@url", None)  # records without an id of their own (settings, schedule days)
    spec.rules.derive(ctx, record, out)
    _hide(ctx, out)
    return out


def blank_record(resource: Resource) -> Record:
    """Every rendered field of ``resource`` as it shows when unset (cached on the resource)."""
    if resource.blank is None:
        spec = resource.spec
        blank: Record = {}
        for name, wire in resource.fields.items():
            if name not in spec.absent:
                blank[name] = convert(wire, None, spec_blank(resource, name, wire), resource, name)
        for name, value in spec.extra_fields.items():
            if "." not in name:
                blank[name] = value
        resource.blank = blank
        resource.blank_nested = tuple(k for k, v in blank.items() if isinstance(v, dict | list))
    return resource.blank


def _fresh(value: Any) -> Any:
    """A copy of a nested blank, so no answer shares (and could change) the cached one."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def list_item(ctx: Ctx, record: Record) -> Record:
    """The record as a list answer shows it: a subset, typed as Fortnox types list items."""
    resource = ctx.resource
    spec = resource.spec
    full = render(ctx, record)
    item: Record = {}
    for name in resource.list_fields:
        value = full.get(name)
        kind = resource.list_kinds.get(name, "str")
        if value is not None and value != API_NORIGHT:
            if name in spec.list_strings or (kind == "str" and _is_number(value)):
                value = number_text(value)
        elif value is None and spec.list_empty_strings and kind == "str":
            value = ""
        item[name] = value
    item.update(spec.list_constants)
    spec.rules.list_item(ctx, record, full, item)
    return item


def spec_blank(resource: Resource, name: str, wire: WireField) -> Any:
    """What ``name`` shows when the record does not set it."""
    spec = resource.spec
    if name in spec.blanks:
        return spec.blanks[name]
    if wire.kind == "str":
        return spec.string_blank
    if wire.kind in ("num", "int"):
        return spec.number_blank
    if wire.kind == "bool":
        return False
    if wire.kind == "list":
        return []
    return None


def convert(wire: WireField, value: Any, blank: Any, resource: Resource, path: str) -> Any:
    """``value`` in the JSON type Fortnox uses for ``wire`` (``blank`` when unset)."""
    if wire.kind == "object" and wire.nested is not None:
        return _nested(wire.nested, value if isinstance(value, dict) else {}, resource, path, None)
    if wire.kind == "list":
        if not isinstance(value, list):
            return blank
        if wire.nested is None:
            return list(value)
        return [
            _nested(wire.nested, v, resource, path, "row") for v in value if isinstance(v, dict)
        ]
    if value is None:
        return blank
    return scalar(wire.kind, value)


def scalar(kind: str, value: Any) -> Any:
    """A stored scalar as the wire kind ``kind`` shows it."""
    if value == API_NORIGHT:
        return value
    if kind == "str":
        if isinstance(value, bool):
            return "true" if value else "false"
        return number_text(value) if _is_number(value) else value
    if kind in ("num", "int"):
        number = to_number(value)
        if number is None:
            return value
        return int(number) if kind == "int" else number
    if kind == "bool" and isinstance(value, str):
        return value.strip().lower() == "true"
    return value


def to_number(value: Any) -> int | float | None:
    """``value`` as an int (when whole) or float; ``None`` if it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(repr(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def number_text(value: Any) -> Any:
    """A number as Fortnox writes it in a string: ``"1"``, ``"1.12"`` (never ``"1.0"``)."""
    number = to_number(value)
    return value if number is None else str(number)


def _nested(
    model: type[FortnoxModel], value: Record, resource: Resource, path: str, style: str | None
) -> Record:
    """A nested object or a row: unset fields are ``null`` in objects; in rows they follow the
    field's kind (``""``, ``0``, ``false``) as recorded invoice and order rows show."""
    out: Record = {}
    blanks = resource.spec.blanks
    for name, wire in resource.fields_of(model).items():
        if name == "@url":
            continue
        key = f"{path}.{name}"
        if key in resource.spec.absent:
            continue
        if key in blanks:
            blank = blanks[key]
        elif style == "row":
            blank = {"str": "", "num": 0, "int": 0, "bool": False, "list": []}.get(wire.kind)
        else:
            blank = None
        out[name] = convert(wire, value.get(name), blank, resource, key)
    for key, blank in resource.spec.extra_fields.items():
        prefix, _, name = key.rpartition(".")
        if prefix == path:
            out[name] = value.get(name, blank)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _hide(ctx: Ctx, out: Record) -> None:
    hidden = ctx.company.settings.noright_fields.get(ctx.resource.single_key)
    for name in hidden or ():
        if name in out:
            out[name] = API_NORIGHT
