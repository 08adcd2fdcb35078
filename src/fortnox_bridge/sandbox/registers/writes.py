"""Request bodies checked against the generated models, and the create/update merge rules.

Fortnox accepts numbers as strings and strings as numbers, answers unknown field names with 2001399,
keeps a field when it receives ``""`` and blanks it only for ``"API_BLANK"``. Read-only fields
are ignored, so a client may send back a record it read.
"""

from __future__ import annotations

import copy
import re
import uuid
from datetime import date
from typing import Any

from fortnox_bridge.fortnox.characters import character_rule
from fortnox_bridge.fortnox.models.base import API_BLANK
from fortnox_bridge.sandbox.fields import WireField
from fortnox_bridge.sandbox.messages import (
    ALPHANUMERIC,
    BAD_CHARACTERS,
    BOOLEAN,
    INVALID_DATE,
    INVALID_ID,
    NOT_ALLOWED,
    NUMERIC,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_FIELD,
    refuse,
    refuse_code,
)
from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, Record


def read_fields(resource: Resource, body: Record) -> Record:
    """The writable fields of a request body, typed and checked against the model's limits."""
    spec = resource.spec
    unknown = sorted(k for k in body if k not in resource.fields and k not in spec.extra_fields)
    if unknown:
        raise refuse(UNKNOWN_FIELD, fields=", ".join(unknown))
    out: Record = {}
    for name, value in body.items():
        if name == "@url" or name in spec.read_only or name not in resource.fields:
            continue
        if name == resource.id_field:
            out[name] = value if value is None or isinstance(value, str) else str(value)
            continue
        cleaned = clean(resource, resource.fields[name], name, value)
        if cleaned is not None:
            out[name] = cleaned
    return out


def clean(resource: Resource, wire: WireField, path: str, value: Any) -> Any:
    """One value checked and typed for storage; ``None`` means "not sent"."""
    if value is None or value == API_BLANK:
        return value
    if wire.kind == "object" and wire.nested is not None:
        if not isinstance(value, dict):
            raise refuse(NOT_ALLOWED, field=path, value=_show(value))
        return _clean_nested(resource, wire, path, value)
    if wire.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise refuse(NOT_ALLOWED, field=path, value=_show(value))
        if wire.nested is None:
            return value
        return [_clean_nested(resource, wire, path, item) for item in value]
    return _scalar(resource, wire, path, value)


def _clean_nested(resource: Resource, wire: WireField, path: str, value: Record) -> Record:
    assert wire.nested is not None
    fields = resource.fields_of(wire.nested)
    extras = {k.rpartition(".")[2] for k in resource.spec.extra_fields if k.startswith(path + ".")}
    unknown = sorted(k for k in value if k not in fields and k not in extras)
    if unknown:
        raise refuse(UNKNOWN_FIELD, fields=", ".join(f"{path}.{k}" for k in unknown))
    out: Record = {}
    for name, item in value.items():
        if name in fields:
            cleaned = clean(resource, fields[name], f"{path}.{name}", item)
            if cleaned is not None:
                out[name] = cleaned
    return out


def _scalar(resource: Resource, wire: WireField, path: str, value: Any) -> Any:
    kind, limits = wire.kind, wire.limits
    if kind in ("num", "int"):
        if value == "":
            return None
        number = to_number(value)
        if number is None or (kind == "int" and not isinstance(number, int)):
            raise refuse_code(NUMERIC, f"Värdet för {path} måste vara numeriskt.")
        _range(path, number, limits)
        return number
    if kind == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise refuse_code(BOOLEAN, f"Värdet för {path} måste vara true eller false.")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise refuse_code(ALPHANUMERIC, f"Värdet för {path} måste vara en text.")
    text = value if isinstance(value, str) else str(to_number(value))
    if kind in ("date", "datetime"):
        return _date(path, text, kind) if text else None
    return _text(resource, path, text, limits)


def _text(resource: Resource, path: str, text: str, limits: dict[str, Any]) -> str:
    if text == "":
        return text
    rule = character_rule(resource.single_key, path)
    if rule is not None and rule.first_refused(text) is not None:
        raise refuse(BAD_CHARACTERS, field=path)
    limit = resource.spec.truncate.get(path)
    if limit is not None:
        return text[:limit]  # Fortnox cuts these instead of refusing (recorded)
    if "maxLength" in limits and len(text) > limits["maxLength"]:
        raise refuse(TOO_LONG, field=path, limit=limits["maxLength"])
    if len(text) < limits.get("minLength", 0):
        raise refuse(NOT_ALLOWED, field=path, value=text)
    if "enum" in limits and text not in limits["enum"] and path not in resource.spec.free_enums:
        raise refuse(NOT_ALLOWED, field=path, value=text)
    return text


def _date(path: str, text: str, kind: str) -> str:
    try:
        if kind == "date":
            date.fromisoformat(text)
            if len(text) != 10:
                raise ValueError(text)
    except ValueError:
        raise refuse(INVALID_DATE, field=path, value=text) from None
    return text


def _range(path: str, number: float, limits: dict[str, Any]) -> None:
    low, high = limits.get("minimum"), limits.get("maximum")
    if (low is not None and number < low) or (high is not None and number > high):
        raise refuse(NOT_ALLOWED, field=path, value=number)


def new_record(ctx: Ctx, sent: Record) -> Record:
    """A created record: the defaults, then what was sent (``API_BLANK`` leaves a field unset)."""
    record: Record = {}
    for name, default in ctx.resource.spec.defaults.items():
        record[name] = default(ctx) if callable(default) else copy.deepcopy(default)
    for name, value in sent.items():
        if value == API_BLANK:
            record.pop(name, None)
        elif isinstance(value, dict) and isinstance(record.get(name), dict):
            record[name] = merge(record[name], value)
        else:
            record[name] = value
    return record


def merge(record: Record, sent: Record) -> Record:
    """A partial update: sent fields change, ``API_BLANK`` blanks, ``""`` keeps the old value."""
    merged = copy.deepcopy(record)
    for name, value in sent.items():
        if value == API_BLANK:
            merged.pop(name, None)
        elif value == "":
            continue  # recorded: PUT {"Comments": ""} left the comment as it was
        elif isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = merge(merged[name], value)
        else:
            merged[name] = copy.deepcopy(value)
    return merged


def require(resource: Resource, record: Record) -> None:
    """Refuse a record that lacks a required field."""
    for name in resource.required:
        if name != resource.id_field and record.get(name) in (None, ""):
            raise refuse(REQUIRED, field=name)


def assign_id(ctx: Ctx, rule: IdRule, sent: Record) -> str:
    """The id of a new record: given (checked) or the next of the series."""
    register = ctx.register(ctx.resource.name)
    given = sent.get(rule.field)
    if rule.kind == "uuid":
        return str(uuid.uuid4())
    if rule.kind == "serial" or (rule.kind == "series" and given in (None, "")):
        return register.take_number()
    if given in (None, ""):
        raise refuse_code(INVALID_ID, f"Ett giltigt id måste anges i {rule.field}.")
    text = str(given)
    check_id_text(rule, text)
    if text in register.records:
        if rule.reserved is not None:
            raise refuse(rule.reserved, value=text)
        raise refuse_code(INVALID_ID, f"{rule.field} {text} används redan.")
    if text in register.used and rule.reserved is not None:
        raise refuse(rule.reserved, value=text)
    return text


def check_id_text(rule: IdRule, text: str) -> None:
    """Length and character rules of a client-chosen id."""
    if rule.max_length is not None and not 1 <= len(text) <= rule.max_length:
        raise refuse_code(INVALID_ID, f"{rule.field} måste vara 1–{rule.max_length} tecken.")
    if rule.allowed is not None and not re.fullmatch(f"[{rule.allowed}]+", text):
        raise refuse(BAD_CHARACTERS, field=rule.field)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
