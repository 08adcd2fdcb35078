"""The mappings page's generic sections: one per mapping kind the flows declare that the page
has no section of its own for, made from the kind's declaration alone (what its local and
Fortnox values are in words, and the values it allows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

from fastapi import Request

from fortnox_bridge.services.mappings import KindMappings, MappingRefused, TenantMappings
from fortnox_bridge.web.render import gettext


def local_input(kind: str) -> str:
    """The form field of the local value of ``kind``."""
    return f"{kind}-local"


def fortnox_input(kind: str) -> str:
    """The form field of the Fortnox value of ``kind``."""
    return f"{kind}-fortnox"


def _in_words(request: Request, texts: Sequence[str]) -> str:
    """The declarations' words in the request's language, joined by "or"."""
    translated = [gettext(request, text) for text in texts]
    return reduce(
        lambda one, other: gettext(request, "%(one)s or %(other)s", one=one, other=other),
        translated,
    )


def section(
    request: Request, kind: KindMappings, posted: Mapping[str, str] | None
) -> dict[str, Any]:
    """What the template shows of ``kind``: its heading, the tenant's mappings and the form (with
    what was posted, when the form comes back with errors)."""
    local, fortnox = _in_words(request, kind.local), _in_words(request, kind.fortnox)
    heading = gettext(request, "%(local)s → %(fortnox)s", local=local, fortnox=fortnox)
    given = posted or {}
    return {
        "kind": kind.kind,
        "heading": heading[:1].upper() + heading[1:],
        "local": local,
        "fortnox": fortnox,
        "rows": [
            (value, None if mapped.excluded else mapped.fortnox_value)
            for value, mapped in kind.mapped.items()
        ],
        "local_values": kind.local_values,
        "fortnox_values": kind.fortnox_values,
        "local_input": local_input(kind.kind),
        "fortnox_input": fortnox_input(kind.kind),
        "local_value": given.get(local_input(kind.kind), ""),
        "fortnox_value": given.get(fortnox_input(kind.kind), ""),
    }


def missing(request: Request, kind: str, local: str, fortnox: str) -> dict[str, str]:
    """Errors of the fields left empty."""
    errors = {}
    for name, value in ((local_input(kind), local), (fortnox_input(kind), fortnox)):
        if not value:
            errors[name] = gettext(request, "Enter or choose a value.")
    return errors


def save(
    request: Request,
    store: TenantMappings,
    tenant_id: int,
    kind: KindMappings | None,
    local: str,
    fortnox: str,
) -> dict[str, str]:
    """Save the mapping; the errors why it is refused (nothing is saved), or none."""
    if kind is None:
        return {
            "__all__": gettext(request, "No flow reads mappings of this kind (reload the page).")
        }
    refused = store.save(tenant_id, kind.kind, local, fortnox)
    return {} if refused is None else _refusal(request, kind, refused, local, fortnox)


def _refusal(
    request: Request,
    kind: KindMappings,
    refused: MappingRefused,
    local: str,
    fortnox: str,
) -> dict[str, str]:
    """Why the mapping is refused, in the request's language, next to the field at fault."""
    if refused.part == "kind":
        return {
            "__all__": gettext(request, "No flow reads mappings of this kind (reload the page).")
        }
    if refused.part == "local_value":
        what = _in_words(request, kind.local)
        return {
            local_input(kind.kind): gettext(
                request,
                "%(value)s is not %(what)s; choose one from the list.",
                value=local,
                what=what,
            )
        }
    what = _in_words(request, kind.fortnox)
    return {
        fortnox_input(kind.kind): gettext(
            request,
            "%(value)s is not %(what)s that %(local)s can be mapped to.",
            value=fortnox,
            what=what,
            local=local,
        )
    }
