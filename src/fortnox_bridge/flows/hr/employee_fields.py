"""Host employee ↔ Fortnox employee fields, shared by ``hr.employee.push`` and ``.pull``.

Seed 001 "Supported fields": e-mail, given and family name, phone, address, employment start and
end. Fortnox's ``EmployeeId`` (the employment id) is Fortnox's: it is the link, never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Host field → Fortnox field (snake_case model names).
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
}
FORTNOX_FIELDS = frozenset(FIELDS.values())
_BACK = {fortnox: host for host, fortnox in FIELDS.items()}


def to_fortnox(record: Mapping[str, Any]) -> dict[str, Any]:
    """Host employee payload → Fortnox employee fields; empty values are left out."""
    fields = {fortnox: record.get(host) for host, fortnox in FIELDS.items()}
    return {key: value for key, value in fields.items() if value not in (None, "")}


def to_host(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fortnox employee fields → host payload fields (``None`` removes a host field)."""
    return {_BACK[name]: value for name, value in fields.items() if name in _BACK}


def reference(external_id: str, record: Mapping[str, Any] | None) -> str:
    """``employee emp-7 (karin.ek@example.se)``."""
    email = (record or {}).get("email")
    return f"employee {external_id} ({email})" if email else f"employee {external_id}"
