"""``service.service_article.push`` and ``service.service_article.pull``: the field-service
application's articles and Fortnox's, kept in step in the direction the setting ``articles``
chooses (``both``, ``to_fortnox``, ``from_fortnox`` or ``off``).

Articles are matched by article number. Inactive articles are not synchronised: an inactive
host article is not sent (it is skipped, not a problem), and Fortnox is read for its active
articles only, so an article made inactive in Fortnox is not imported and no longer compared.
``disable_article_creation`` stops every write of articles from the host to Fortnox (Fortnox's
articles still come to the host when the direction reads them). A deleted host article is made
inactive in Fortnox: its number may be on orders and invoices. Number, description, unit, type
and VAT are compared three ways; whether an article is hidden is the host's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.service.directions import (
    RegisterPull,
    RegisterPush,
    fortnox_fields,
    host_fields,
)
from fortnox_bridge.flows.service.register_records import HostServiceArticle

#: Host article field → Fortnox article field.
FIELDS = {
    "number": "article_number",
    "description": "description",
    "unit": "unit",
    "vat": "vat",
}


def to_fortnox(record: Mapping[str, Any]) -> dict[str, Any]:
    """Host article → Fortnox article fields; an inactive article is not sent."""
    if not record.get("active", True):
        raise Excluded("inactive articles are not synchronised")
    fields = fortnox_fields(FIELDS, record)
    if fields["vat"] is not None:
        fields["vat"] = format(Decimal(str(fields["vat"])).normalize(), "f")
    fields["active"] = True  # only active articles are sent and read
    return {key: value for key, value in fields.items() if value not in (None, "")}


def to_host(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fortnox article fields → host fields (only those given; ``None`` removes one)."""
    return host_fields(FIELDS, fields)


class ArticlePush(RegisterPush):
    """Creates and updates Fortnox articles from the field-service application's."""

    name: ClassVar[str] = "service.service_article.push"
    entity: ClassVar[str] = "service_article"
    register: ClassVar[str] = "articles"
    standalone: ClassVar[bool] = True
    resource: ClassVar[str] = "articles"
    fortnox_id_field: ClassVar[str] = "article_number"
    record_model: ClassVar[type[BaseModel]] = HostServiceArticle
    order: ClassVar[int] = 206
    natural_key: ClassVar[tuple[str, ...]] = ("article_number",)
    natural_key_search: ClassVar[Mapping[str, str]] = {"article_number": "articlenumber"}
    create_only: ClassVar[frozenset[str]] = frozenset({"article_number"})

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host article → Fortnox article fields."""
        return to_fortnox(record)

    def paused(self) -> str | None:
        """Off unless the setting ``articles`` sends them, and while article creation is
        disabled."""
        if getattr(self.settings, "disable_article_creation", False):
            return "the setting disable_article_creation is on"
        return super().paused()

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``article a-7 (S-1 Filterbyte)``."""
        if not record:
            return f"article {external_id}"
        return f"article {external_id} ({record.get('number')} {record.get('description')})"


class ArticlePull(RegisterPull):
    """Reads Fortnox's active articles and reconciles them with the host's."""

    name: ClassVar[str] = "service.service_article.pull"
    entity: ClassVar[str] = "service_article"
    register: ClassVar[str] = "articles"
    standalone: ClassVar[bool] = True
    resource: ClassVar[str] = "articles"
    fortnox_id_field: ClassVar[str] = "article_number"
    record_model: ClassVar[type[BaseModel]] = HostServiceArticle
    counterpart: ClassVar[str | None] = ArticlePush.name
    pull_fields: ClassVar[frozenset[str]] = frozenset({*FIELDS.values(), "type", "active"})
    natural_key: ClassVar[tuple[str, ...]] = ("article_number",)
    #: An article changed in Fortnox is compared at once (its article number).
    topics: ClassVar[tuple[str, ...]] = ("articles",)
    order: ClassVar[int] = 151

    def pull_params(self) -> dict[str, Any]:
        """Only active articles (a partial read: nothing left out is taken as deleted)."""
        return {"filter": "active"}

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """An article inactive in Fortnox (read at an event) is left alone."""
        return fields.get("active") is not False

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox article fields → host article fields (``active`` stays the host's)."""
        return to_host(fields)

    def import_new(self, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """An active article from Fortnox as a host article."""
        return {k: v for k, v in to_host(fields).items() if v is not None}
