"""How a resource is declared: one :class:`ResourceSpec` per resource module, plus optional
:class:`Rules` for what the generic register engine cannot know.

The engine takes field names, kinds, limits, required fields, wrapper keys, paths and operations
from the generated models and the catalogue; a declaration adds only Fortnox's behaviour: the
scope, the id series, defaults filled in on create, how unset fields are shown, list filters and
search parameters, the not-found answer and the ``Location`` word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from fortnox_bridge.sandbox.company import Company, Register

if TYPE_CHECKING:
    from fortnox_bridge.sandbox.registers.resource import Resource
    from fortnox_bridge.sandbox.state import SandboxState

Record = dict[str, Any]
#: A create default: a value, or a function of the request context and the new record.
Default = Any
EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class IdRule:
    """How records of a resource are identified.

    ``kind``: ``series`` (next free number unless the client gives one), ``given`` (the client
    must send it), ``uuid`` (generated, lower-case with dashes) or ``serial`` (generated integer,
    never sent by the client).
    """

    field: str
    kind: str = "series"
    max_length: int | None = None
    #: Allowed characters as a regular-expression character class body, e.g. ``A-Za-z0-9``.
    allowed: str | None = None
    #: ``(code, message)`` when a number is used again after a delete (customers: 2000637).
    reserved: tuple[int, str] | None = None
    #: ``(code, message)`` when a PUT tries to change the id.
    immutable: tuple[int, str] = (2000729, "{field} kan inte ändras.")


@dataclass(frozen=True)
class Action:
    """``PUT|GET /3/<resource>/{id}/<name>``."""

    method: str
    handler: Callable[[Ctx, str, Record], Response]


@dataclass
class Ctx:
    """What a rule sees of the request it runs in."""

    state: SandboxState
    company: Company
    resource: Resource
    request: Request | None
    now: datetime
    #: Every resource by catalogue module, for rules that create other records.
    resources: Mapping[str, Resource] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """The sandbox's date."""
        return self.now.date()

    def register(self, name: str) -> Register:
        """Another register of the same company (``"customers"``)."""
        return self.company.register(name)

    def record(self, register: str, record_id: str) -> Record | None:
        """A record of another register, or ``None``."""
        return self.company.register(register).records.get(record_id)

    def switch(self, module: str) -> Ctx:
        """The same request seen from another resource (``"invoice"``)."""
        return Ctx(self.state, self.company, self.resources[module], self.request, self.now,
                   self.resources)  # fmt: skip


class Rules:
    """Per-resource behaviour beyond declarations; every hook is optional."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Check and complete ``record`` (the merged result) before it is stored; ``old`` is the
        stored record on an update, ``None`` on a create. Raise a
        :class:`~fortnox_bridge.sandbox.errors.FortnoxStyleError` to refuse."""

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """Fill computed fields of the rendered record ``out`` (``FullName``, ``Country``)."""

    def list_item(self, ctx: Ctx, record: Record, full: Record, item: Record) -> None:
        """Adjust a rendered list item (fields only list items have)."""

    def narrow(
        self, ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
    ) -> list[tuple[str, Record]]:
        """Apply list parameters only this resource has (``financialyears?date=``)."""
        return rows

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """Refuse a PUT of ``record`` (e.g. a booked invoice)."""

    def check_delete(self, ctx: Ctx, record: Record) -> None:
        """Refuse a DELETE of ``record``."""

    def dated(self, record: Record) -> date | None:
        """The date a financial year and the locked period are checked against, if any."""
        return None

    def actions(self) -> Mapping[str, Action]:
        """Named actions (``bookkeep``, ``cancel``, ...)."""
        return EMPTY

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """Routes for resources that are not plain registers (schedule times, settings)."""
        return []


@dataclass(frozen=True)
class ResourceSpec:
    """The declaration of one resource (``fortnox_bridge.sandbox.resources.<module>``)."""

    #: The catalogue module (``"customer"``): paths, wrapper keys, models, operations.
    module: str
    scope: str
    #: ``(code, message)`` of the PascalCase 404 answer.
    not_found: tuple[int, str]
    #: Fortnox's ``Location`` word on 201 (a bare collection word).
    location: str = ""
    id: IdRule | None = None
    read_only: frozenset[str] = frozenset()
    #: Required on create; ``None`` takes the model's ``wire_required``.
    required: tuple[str, ...] | None = None
    defaults: Mapping[str, Default] = field(default_factory=dict)
    #: What an unset field shows; dotted keys reach into rows and nested objects.
    blanks: Mapping[str, Any] = field(default_factory=dict)
    string_blank: Any = ""
    number_blank: Any = None
    #: Fields real Fortnox sends that the document does not declare, with their unset value.
    extra_fields: Mapping[str, Any] = field(default_factory=dict)
    #: Declared fields the live API does not send (never seen in recorded answers); dotted for rows.
    absent: frozenset[str] = frozenset()
    #: Explicit list-item fields (default: the list model's fields).
    list_fields: tuple[str, ...] | None = None
    #: List-item fields sent as strings although the single record has numbers.
    list_strings: frozenset[str] = frozenset()
    #: List-item fields with a fixed value whatever the record holds.
    list_constants: Mapping[str, Any] = field(default_factory=dict)
    #: Unset text fields of list items are ``""`` (the single record shows ``null``).
    list_empty_strings: bool = False
    filters: Mapping[str, Callable[[Ctx, Record], bool]] = field(default_factory=dict)
    #: Search parameter → field (case-insensitive substring match).
    search: Mapping[str, str] = field(default_factory=dict)
    #: Search parameter → field, matched exactly (ids, dates).
    exact_search: Mapping[str, str] = field(default_factory=dict)
    #: ``sortby`` value → field.
    sort: Mapping[str, str] = field(default_factory=dict)
    #: The field ``fromdate``/``todate`` filter on.
    date_field: str | None = None
    lastmodified: bool = False
    #: Text fields Fortnox cuts to this length instead of refusing (recorded for invoice rows).
    truncate: Mapping[str, int] = field(default_factory=dict)
    #: Fields whose document enum is out of date; the rules check them instead (recorded: orders
    #: accept ``HVAC`` and answer ``COOKING`` with 2003157, neither in the order-row enum).
    free_enums: frozenset[str] = frozenset()
    delete_answer: str = "empty"  # "empty" → 204; "record" → 200 with the deleted record
    rules: Rules = field(default_factory=Rules)
