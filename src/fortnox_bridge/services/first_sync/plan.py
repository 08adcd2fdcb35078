"""Building a first-synchronization plan from both sides' employees: one item per pair,
host-only and Fortnox-only employee and duplicate, with its differences, details and notes,
and the plan's counts. The matching itself is the hr family's (``flows/hr/first_sync_plan.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.sources import first_error
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.first_sync_plan import (
    Duplicate,
    FortnoxRow,
    HostRow,
    Matching,
    differences,
    label,
)

ENTITY = "employee"
#: Host field → Fortnox field of the values a plan compares (the employment id is not compared:
#: it flows from Fortnox to the host only).
COMPARED = {h: f for h, f in employee_fields.FIELDS.items() if h != "employment_id"}


def fortnox_fields(pull: Flow, record: Mapping[str, Any]) -> dict[str, Any]:
    """The Fortnox fields a plan keeps: compared, written by the push only, and state."""
    names = set(pull.pull_fields) | set(employee_fields.PUSH_ONLY.values())
    names |= {pull.fortnox_id_field, "inactive"}
    return {
        name: normalise(record.get(name))
        for name in sorted(names)
        if normalise(record.get(name)) is not None
    }


def plan_items(
    push: Flow,
    pull: Flow,
    host: Sequence[HostRow],
    listed: Sequence[FortnoxRow],
    matching: Matching,
    full: Mapping[str, dict[str, Any]],
    taken: set[str],
) -> list[dict[str, Any]]:
    """One item per pair, host-only and Fortnox-only employee and duplicate, as stored."""
    hosts = {row.external_id: row for row in host}
    remote = {row.fortnox_id: row for row in listed}
    items: list[dict[str, Any]] = []
    for external_id, fortnox_id, how in matching.pairs:
        items.append(_pair(push, hosts[external_id], fortnox_id, full[fortnox_id], how))
    for external_id in matching.host_only:
        items.append(_host_only(hosts[external_id], remote))
    for fortnox_id in matching.fortnox_only:
        items.append(_fortnox_only(pull, fortnox_id, full[fortnox_id], taken))
    for duplicate in matching.duplicates:
        items.append(_duplicate(duplicate, hosts, remote))
    return items


def _row(kind: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": kind,
        "external_id": None,
        "fortnox_id": None,
        "matched_by": None,
        "label": "",
        "host": {},
        "fortnox": {},
        "differences": {},
        "details": {},
        "notes": [],
        "decision": None,
        "status": "pending",
        "outcome": {},
        "error": None,
    }
    base.update(values)
    base["label"] = str(base["label"])[:400]
    return base


def _pair(
    push: Flow, row: HostRow, fortnox_id: str, fortnox: dict[str, Any], how: str
) -> dict[str, Any]:
    payload = dict(row.payload)
    found = differences(push.map(payload), fortnox, COMPARED)
    details: dict[str, Any] = {}
    notes: list[str] = []
    if how == "employment_id":
        notes.append(
            "matched by employment id: the e-mail is missing, different or shared by several "
            "employees"
        )
    if row.employment_id != fortnox_id:
        details["employment_id"] = {"host": row.employment_id, "fortnox": fortnox_id}
        notes.append(f"the host's employment id becomes Fortnox's EmployeeId {fortnox_id}")
    if fortnox.get("email") is None:
        notes.append("no e-mail in Fortnox")
    if fortnox.get("inactive"):
        notes.append("inactive in Fortnox")
    return _row(
        "pair",
        external_id=row.external_id,
        fortnox_id=fortnox_id,
        matched_by=how,
        label=label(payload.get("given_name"), payload.get("family_name"), payload.get("email")),
        host=payload,
        fortnox=fortnox,
        differences=found,
        details=details,
        notes=notes,
    )


def _host_only(row: HostRow, remote: Mapping[str, FortnoxRow]) -> dict[str, Any]:
    payload = dict(row.payload)
    details: dict[str, Any] = {}
    notes: list[str] = []
    wanted = row.employment_id
    if wanted is not None and wanted in remote:
        other = remote[wanted].fields
        details["id_taken"] = wanted
        notes.append(
            f"employment id {wanted} is used in Fortnox by "
            f"{label(other.get('first_name'), other.get('last_name'), other.get('email'))}: "
            "Fortnox assigns another one, which comes back to the host"
        )
    elif wanted is None:
        notes.append("no employment id: Fortnox assigns one, which comes back to the host")
    return _row(
        "host_only",
        external_id=row.external_id,
        label=label(payload.get("given_name"), payload.get("family_name"), payload.get("email")),
        host=payload,
        details=details,
        notes=notes,
    )


def _fortnox_only(
    pull: Flow, fortnox_id: str, fortnox: dict[str, Any], taken: set[str]
) -> dict[str, Any]:
    external_id = f"fortnox-{fortnox_id}"
    details: dict[str, Any] = {"external_id": external_id}
    notes: list[str] = []
    try:
        host_payload(pull, fortnox)
    except ValidationError as exc:
        details["cannot_create"] = (
            f"it cannot become a host employee: {first_error(exc)}; correct it in Fortnox and "
            "make a new plan"
        )
        notes.append(details["cannot_create"])
    if external_id in taken:
        details["cannot_create"] = f"the host already has an employee with the id {external_id}"
        notes.append(details["cannot_create"])
    if fortnox.get("email") is None:
        notes.append("no e-mail in Fortnox: it could not be matched by e-mail")
    if fortnox.get("inactive"):
        notes.append("inactive in Fortnox")
    return _row(
        "fortnox_only",
        fortnox_id=fortnox_id,
        label=label(fortnox.get("first_name"), fortnox.get("last_name"), fortnox.get("email")),
        fortnox=fortnox,
        details=details,
        notes=notes,
    )


def _duplicate(
    duplicate: Duplicate, hosts: Mapping[str, HostRow], remote: Mapping[str, FortnoxRow]
) -> dict[str, Any]:
    members: list[dict[str, Any]] = []
    for member in duplicate.members:
        if duplicate.side == "host":
            row = hosts[member]
            given, family, email = (
                row.payload.get(k) for k in ("given_name", "family_name", "email")
            )
            linked = row.linked
        else:
            fields = remote[member].fields
            given, family, email = (fields.get(k) for k in ("first_name", "last_name", "email"))
            linked = remote[member].linked
        members.append({"id": member, "label": label(given, family, email), "linked": linked})
    where = "the host" if duplicate.side == "host" else "Fortnox"
    field_name = duplicate.field.replace("_", " ")
    return _row(
        "duplicate",
        label=f"{field_name} {duplicate.value} is shared by {len(members)} employees in {where}",
        details={
            "side": duplicate.side,
            "field": duplicate.field,
            "value": duplicate.value,
            "members": members,
        },
        notes=[
            f"make the {field_name} unique in {where} and make a new plan, or mark this "
            "duplicate skip to leave these employees out of this synchronization"
        ],
    )


def host_payload(pull: Flow, fortnox: Mapping[str, Any]) -> dict[str, Any]:
    """A Fortnox employee as a host employee payload, its ``EmployeeId`` as the employment id
    (raises ``ValidationError``)."""
    mapped = {k: v for k, v in pull.unmap(fortnox).items() if v is not None}
    if "employment_id" in pull.record_model.model_fields and fortnox.get(pull.fortnox_id_field):
        mapped["employment_id"] = str(fortnox[pull.fortnox_id_field])
    validated = pull.record_model.model_validate(mapped)
    return validated.model_dump(mode="json", exclude_none=True)


def plan_counts(
    host: Sequence[HostRow],
    listed: Sequence[FortnoxRow],
    matching: Matching,
    items: Sequence[Mapping[str, Any]],
) -> dict[str, int]:
    """What the plan found, by kind."""
    pairs = [item for item in items if item["kind"] == "pair"]
    fortnox_only = [item for item in items if item["kind"] == "fortnox_only"]
    return {
        "host": len(host),
        "fortnox": len(listed),
        "linked_before": sum(1 for row in host if row.linked),
        "pairs": len(pairs),
        "pairs_by_email": sum(1 for p in matching.pairs if p[2] == "email"),
        "pairs_by_employment_id": sum(1 for p in matching.pairs if p[2] == "employment_id"),
        "pairs_with_differences": sum(1 for item in pairs if item["differences"]),
        "differences": sum(len(item["differences"]) for item in pairs),
        "host_only": len(matching.host_only),
        "fortnox_only": len(matching.fortnox_only),
        "duplicates": len(matching.duplicates),
        "fortnox_without_email": sum(1 for row in listed if not row.linked and row.email is None),
        "cannot_create": sum(1 for item in fortnox_only if "cannot_create" in item["details"]),
    }
