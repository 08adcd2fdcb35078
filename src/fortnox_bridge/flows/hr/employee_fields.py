"""Host employee ↔ Fortnox employee fields, shared by ``hr.employee.push`` and ``.pull``.

The supported fields: e-mail, employment id, given and family name, phone, address, bank
account, employment start and end; the personal identity number besides. Fortnox's
``EmployeeId`` (the employment id) is sent only when the bridge creates the employee; after that
it is Fortnox's and never written again (it is the link to the Fortnox record, and the host
learns the id Fortnox assigned from the change operation's ``fortnox_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fortnox_bridge.engine.flow.base import Lookup
from fortnox_bridge.flows.hr.validation import format_personal_identity_number

#: Host field → Fortnox field (snake_case model names), compared both ways.
FIELDS: dict[str, str] = {
    "email": "email",
    "given_name": "first_name",
    "family_name": "last_name",
    "phone": "phone1",
    "address_line1": "address1",
    "address_line2": "address2",
    "postal_code": "post_code",
    "city": "city",
    "country": "country",
    "employment_start": "employment_date",
    "employment_end": "employed_to",
    "bank_clearing_number": "clearing_no",
    "bank_account_number": "bank_account_no",
}
#: Host field → Fortnox field, written by the push only: the employment id on create (see
#: ``CREATE_ONLY``); Fortnox keeps personal identity numbers in several spellings (with or without
#: century and dash), so the host's checked value is the one that counts.
PUSH_ONLY: dict[str, str] = {
    "employment_id": "employee_id",
    "personal_identity_number": "personal_identity_number",
}
#: Fortnox fields sent only when the bridge creates the employee (Fortnox never changes them
#: afterwards, or they are the employee's Fortnox-side setup).
CREATE_ONLY = frozenset({"employee_id", "schedule_id"})
FORTNOX_FIELDS = frozenset(FIELDS.values())
_BACK = {fortnox: host for host, fortnox in FIELDS.items()}


def to_fortnox(record: Mapping[str, Any]) -> dict[str, Any]:
    """Host employee payload → Fortnox employee fields; empty values are left out."""
    fields = {fortnox: record.get(host) for host, fortnox in {**FIELDS, **PUSH_ONLY}.items()}
    number = fields.get("personal_identity_number")
    if number:
        fields["personal_identity_number"] = format_personal_identity_number(str(number))
    return {key: value for key, value in fields.items() if value not in (None, "")}


def to_host(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fortnox employee fields → host payload fields (``None`` removes a host field)."""
    return {_BACK[name]: value for name, value in fields.items() if name in _BACK}


def reference(external_id: str, record: Mapping[str, Any] | None) -> str:
    """``employee emp-7 (karin.ek@example.se)``."""
    email = (record or {}).get("email")
    return f"employee {external_id} ({email})" if email else f"employee {external_id}"


def manager_email(employee_id: str | None, lookup: Lookup) -> list[str]:
    """The e-mail address of the manager of host employee ``employee_id``, when known."""
    if not employee_id:
        return []
    employee = lookup("employee", str(employee_id)) or {}
    manager_id = employee.get("manager")
    manager = lookup("employee", str(manager_id)) if manager_id else None
    email = (manager or {}).get("email")
    return [str(email)] if email else []
