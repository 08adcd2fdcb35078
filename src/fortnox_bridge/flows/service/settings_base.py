"""The parts the service family's settings are made of: the groups, the choices in words,
list settings given as one text, and the field maker that carries both languages."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

#: The settings groups, in the order the form shows them: key → (English, Swedish) title.
GROUPS: dict[str, tuple[str, str]] = {
    "registers": ("Customers, articles and prices", "Kunder, artiklar och priser"),
    "document": ("The Fortnox order or invoice", "Ordern eller fakturan i Fortnox"),
    "rows": ("Rows", "Rader"),
    "references": ("References", "Referenser"),
    "delivery": ("Delivery", "Leverans"),
    "cost_centers": ("Cost centres", "Kostnadsställen"),
}

#: A register's direction of synchronisation, in words.
SYNC_CHOICES = {
    "both": "Both ways",
    "to_fortnox": "To Fortnox only",
    "from_fortnox": "From Fortnox only",
    "off": "Not synchronised",
}
#: When an order counts as invoiced, in words.
INVOICED_CHOICES = {
    "sent": "When the invoice is sent from Fortnox",
    "booked": "When the invoice is booked in Fortnox",
    "invoiced": "When the order has become an invoice in Fortnox",
}
SyncDirection = Literal["both", "to_fortnox", "from_fortnox", "off"]
_CODE = re.compile(r"^[\w+/.\-]+$")


def split_list(value: Any) -> Any:
    """A list setting given as one text (``"12;13;14"``, or ``"12, 13"`` as the admin form
    shows it) → its items, blanks dropped; a list is kept as it is."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in re.split(r"[;,]", value) if item.strip()]
    return value


def _codes(value: list[str]) -> list[str]:
    bad = [item for item in value if not _CODE.match(item)]
    if bad:
        raise ValueError(
            f"{', '.join(repr(b) for b in bad)} is no article number or code: use letters, "
            "digits and + / . - _ only, separated by ; (12;13;14)"
        )
    return list(dict.fromkeys(value))


CodeList = Annotated[list[str], BeforeValidator(split_list), AfterValidator(_codes)]


def setting(
    default: Any,
    group: str,
    title: str,
    description: str,
    sv: tuple[str, str],
    **extra: Any,
) -> Any:
    """A settings field with its group (key and English title: the admin form heads each group
    with it), English and Swedish label and help; ``extra`` goes to ``Field`` (limits) except
    ``choices``, which names enum values in the schema."""
    schema: dict[str, Any] = {
        "group": group,
        "group_title": GROUPS[group][0],
        "sv": {"title": sv[0], "description": sv[1]},
    }
    if "choices" in extra:
        schema["choices"] = extra.pop("choices")
    return Field(default, title=title, description=description, json_schema_extra=schema, **extra)
