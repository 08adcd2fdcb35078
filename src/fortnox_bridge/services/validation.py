"""Validation of host records at the edge: the entity's model, then Fortnox's own limits.

The models of the flow families (``flows/<family>/records.py``) check types, required fields,
their own lengths, patterns, enums and dates, and refuse unknown fields. On top of that, every
host field that becomes a Fortnox field (as its entity declares, ``HostEntity.fortnox_fields``)
is checked against the limits Fortnox's OpenAPI document gives that field (``wire_limits`` of
the generated models: maximum and minimum length, allowed values, numeric range) and against the
characters Fortnox accepts in it (``fortnox/characters.py``), so a value Fortnox would refuse is
refused here, with the field's path, before anything is stored.

Every text field of every host record, whether it goes to Fortnox or not, is refused when it
holds a character that breaks files and screens downstream: control characters (line feed,
carriage return and tab aside; a NUL makes every PAXml export of the tenant invalid XML), lone
surrogates, Unicode non-characters and bidirectional overrides (which make text display in
another order than it is stored). External ids are checked by :func:`check_external_id`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ValidationError

from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.flow.fortnox_fields import FortnoxField
from fortnox_bridge.fortnox.characters import describe
from fortnox_bridge.services.issues import FieldIssue, json_path, pydantic_issues

#: Lengths above this are the OpenAPI document's way of saying "no limit".
_NO_LIMIT = 1_000_000
#: The characters an external id may hold (at most :data:`EXTERNAL_ID_MAX` of them).
EXTERNAL_ID_CHARACTERS = "A-Za-z0-9._:@~-"
EXTERNAL_ID_MAX = 200
_EXTERNAL_ID = re.compile(f"[{EXTERNAL_ID_CHARACTERS}]+")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_external_id(value: str) -> str:
    """``value`` when it can be an external id, else a ``ValueError`` that says why.

    An external id is 1–200 of ``A-Z a-z 0-9 . _ : @ ~ -``, and not only dots: it is a path
    segment of the API (``/employees/{external_id}``), where ``/``, spaces, ``%`` and ``.``
    or ``..`` alone would name another address.
    """
    if not value:
        raise ValueError("the external id is empty; give the host application's id")
    if len(value) > EXTERNAL_ID_MAX:
        raise ValueError(
            f"the external id has {len(value)} characters; at most {EXTERNAL_ID_MAX} are allowed"
        )
    if not _EXTERNAL_ID.fullmatch(value):
        bad = next(ch for ch in value if not _EXTERNAL_ID.fullmatch(ch))
        raise ValueError(
            f"the external id holds {describe(bad)}; external ids take only letters A-Z and "
            "a-z, digits and . _ : @ ~ - (no spaces, no /)"
        )
    if not value.strip("."):
        raise ValueError("the external id is only dots; add a letter or digit")
    return value


#: An external id as a type: ``Annotated[str, ...]`` that runs :func:`check_external_id`.
ExternalIdText = Annotated[str, AfterValidator(check_external_id)]


def unsafe_character(text: str) -> tuple[int, str] | None:
    """``(position, character)`` of the first character no text field may hold, or ``None``."""
    for position, character in enumerate(text):
        if character in "\n\r\t":
            continue
        code = ord(character)
        if (
            unicodedata.category(character) in ("Cc", "Cs")
            or character in _BIDI_CONTROLS
            or 0xFDD0 <= code <= 0xFDEF
            or code & 0xFFFE == 0xFFFE
        ):
            return position, character
    return None


def unsafe_text_issues(value: Any, location: tuple[str | int, ...] = ()) -> list[FieldIssue]:
    """The text fields of a JSON value (nested too) that hold a character none may hold."""
    if isinstance(value, str):
        found = unsafe_character(value)
        if found is None:
            return []
        position, character = found
        return [
            FieldIssue(
                json_path(location),
                f"the text holds {describe(character)} at character {position + 1}: remove it "
                "(no text field takes control characters other than line breaks and tabs, "
                "bidirectional overrides or non-characters)",
                "unsafe_character",
            )
        ]
    if isinstance(value, Mapping):
        return [
            issue
            for key, item in value.items()
            for issue in unsafe_text_issues(item, (*location, str(key)))
        ]
    if isinstance(value, list):
        return [
            issue
            for index, item in enumerate(value)
            for issue in unsafe_text_issues(item, (*location, index))
        ]
    return []


@cache
def fortnox_fields_of(entity: str) -> Mapping[str, FortnoxField]:
    """Host field → the Fortnox field it becomes, as the entity's family declares it."""
    for declared in discover_entities():
        if declared.entity == entity:
            return declared.fortnox_fields
    return {}


def fortnox_issues(
    fields: Mapping[str, FortnoxField], payload: Mapping[str, Any]
) -> list[FieldIssue]:
    """The values of ``payload`` that break a Fortnox limit of the field they become."""
    issues: list[FieldIssue] = []
    for name, target in fields.items():
        value = payload.get(name)
        if value is None:
            continue
        problem = _limit_problem(target, target.limits, value)
        if problem is not None:
            message, kind = problem
            issues.append(FieldIssue(json_path((name,)), message, kind))
    return issues


def _limit_problem(
    target: FortnoxField, limits: Mapping[str, Any], value: Any
) -> tuple[str, str] | None:
    if isinstance(value, str):
        longest = int(limits.get("maxLength", _NO_LIMIT))
        shortest = int(limits.get("minLength", 0))
        if len(value) > longest:
            return (
                f"Fortnox takes at most {longest} characters in {target.label}, which this field "
                f"becomes; this value has {len(value)}: shorten it",
                "fortnox_max_length",
            )
        if len(value) < shortest:
            return (
                f"Fortnox needs at least {shortest} characters in {target.label}, which this "
                f"field becomes; this value has {len(value)}",
                "fortnox_min_length",
            )
        refused = target.characters.first_refused(value) if target.characters else None
        if target.characters is not None and refused is not None:
            position, character = refused
            return (
                f"Fortnox refuses {describe(character)} (character {position + 1}) in "
                f"{target.label}, which this field becomes; it takes "
                f"{target.characters.allows}",
                "fortnox_characters",
            )
    allowed = limits.get("enum")
    if allowed and str(value) not in allowed:
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        return (
            f"Fortnox accepts only these values in {target.label}, which this field becomes: "
            f"{shown}",
            "fortnox_enum",
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in limits and value < limits["minimum"]:
            return (
                f"Fortnox needs at least {limits['minimum']} in {target.label}",
                "fortnox_minimum",
            )
        if "maximum" in limits and value > limits["maximum"]:
            return (
                f"Fortnox takes at most {limits['maximum']} in {target.label}",
                "fortnox_maximum",
            )
    return None


class RecordValidator:
    """Turns a host record as sent into the payload the mirror keeps, or field-level issues."""

    def __init__(self, entity: str, model: type[BaseModel]) -> None:
        self.entity = entity
        self.model = model
        #: The host fields whose Fortnox field has limits, with those limits (read once).
        self.fortnox_fields = {
            name: target
            for name, target in fortnox_fields_of(entity).items()
            if target.limits or target.characters
        }

    def payload(self, data: Any) -> tuple[dict[str, Any] | None, list[FieldIssue]]:
        """The stored form of ``data`` (JSON values, no ``null`` fields), or its issues."""
        try:
            record = self.model.model_validate(data)
        except ValidationError as exc:
            return None, pydantic_issues(exc)
        return self.checked(record)

    def checked(self, record: BaseModel) -> tuple[dict[str, Any] | None, list[FieldIssue]]:
        """The stored form of a record the model already accepted, or its Fortnox issues."""
        payload = record.model_dump(mode="json", exclude_none=True)
        issues = unsafe_text_issues(payload)
        unsafe = {issue.path for issue in issues}
        issues += [
            issue
            for issue in fortnox_issues(self.fortnox_fields, payload)
            if issue.path not in unsafe  # one message per field: the first thing to fix
        ]
        return (None, issues) if issues else (payload, [])
