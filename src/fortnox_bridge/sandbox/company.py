"""One Fortnox company (a tenant): its registers, number series, settings and licences.

Records are stored as the wire fields that are set (``"Phone1"`` is absent once blanked with
``API_BLANK``); rendering fills in what Fortnox shows for unset fields. Every change goes through
:class:`Register` so the persistence layer knows what to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

#: Told of every change of a record: ``(register, record id, old, new)``; ``old`` is ``None``
#: for a new record, ``new`` ``None`` for a deleted one.
ChangeHook = Callable[[str, str, "dict[str, Any] | None", "dict[str, Any] | None"], None]

#: Licences a company holds by default: every scope's product module.
DEFAULT_LICENCES_SET = frozenset(
    {
        "article", "archive", "bookkeeping", "companyinformation", "connectfile", "costcenter",
        "currency", "customer", "inbox", "invoice", "noxfinansinvoice", "offer", "order",
        "payment", "price", "print", "profile", "project", "salary", "settings", "supplier",
        "supplierinvoice", "timereporting",
    }
)  # fmt: skip
DEFAULT_LICENCES = tuple(sorted(DEFAULT_LICENCES_SET))


@dataclass
class Register:
    """The records of one resource in one company, with its number series."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    modified: dict[str, str] = field(default_factory=dict)
    next_number: int = 1
    #: Every id ever used: numbers stay reserved after a delete (2000637).
    used: set[str] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set, repr=False, compare=False)
    #: The series moved without a record changing (document row ids, voucher numbers).
    series_dirty: bool = field(default=False, repr=False, compare=False)
    #: Told of each put and remove (the company's change hook, set by :meth:`Company.register`).
    on_change: Callable[[str, dict[str, Any] | None, dict[str, Any] | None], None] | None = field(
        default=None, repr=False, compare=False
    )

    def put(self, record_id: str, record: dict[str, Any], modified: str) -> None:
        """Store ``record`` under ``record_id``, stamped ``modified``."""
        old = self.records.get(record_id)
        self.records[record_id] = record
        self.modified[record_id] = modified
        self.used.add(record_id)
        self.dirty.add(record_id)
        if self.on_change is not None:
            self.on_change(record_id, old, record)

    def remove(self, record_id: str) -> None:
        """Delete a record; its id stays used."""
        old = self.records.pop(record_id, None)
        self.modified.pop(record_id, None)
        self.dirty.add(record_id)
        if self.on_change is not None and old is not None:
            self.on_change(record_id, old, None)

    def take_number(self) -> str:
        """The next free number of the series (never one used before)."""
        while str(self.next_number) in self.used:
            self.next_number += 1
        number = str(self.next_number)
        self.next_number += 1
        self.series_dirty = True
        return number


@dataclass
class CompanySettings:
    """What the control API can change about a company besides its registers."""

    locked_period_end: date | None = None
    #: Per wrapper key (``"Employee"``), the fields answered as ``API_NORIGHT``.
    noright_fields: dict[str, list[str]] = field(default_factory=dict)
    #: Without the API licence every call answers 2001103.
    api_licence: bool = True
    #: A booked customer invoice makes its voucher in ``/3/vouchers`` with its PDF connected, as
    #: Fortnox does; ``False`` books only the invoice (the sandbox's behaviour before).
    invoice_vouchers: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "locked_period_end": self.locked_period_end.isoformat()
            if self.locked_period_end
            else None,
            "noright_fields": {k: list(v) for k, v in self.noright_fields.items()},
            "api_licence": self.api_licence,
            "invoice_vouchers": self.invoice_vouchers,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompanySettings:
        """Inverse of :meth:`to_dict`."""
        end = data.get("locked_period_end")
        return cls(
            locked_period_end=date.fromisoformat(end) if end else None,
            noright_fields={k: list(v) for k, v in data.get("noright_fields", {}).items()},
            api_licence=bool(data.get("api_licence", True)),
            invoice_vouchers=bool(data.get("invoice_vouchers", True)),
        )


@dataclass
class Company:
    """One Fortnox company (a tenant of the developer apps)."""

    tenant_id: int
    name: str
    licences: list[str]
    registers: dict[str, Register] = field(default_factory=dict)
    settings: CompanySettings = field(default_factory=CompanySettings)
    #: Company information and settings fields (``/3/companyinformation``, ``/3/settings/company``).
    profile: dict[str, Any] = field(default_factory=dict)
    dirty: bool = field(default=True, repr=False, compare=False)
    #: Told of every record change (the sandbox's event log); ``None`` changes go untold.
    watch: ChangeHook | None = field(default=None, repr=False, compare=False)

    def register(self, name: str) -> Register:
        """The register of resource ``name`` (created empty on first use)."""
        register = self.registers.get(name)
        if register is None:
            register = self.registers[name] = Register()
            self.dirty = True
        if register.on_change is None:
            register.on_change = lambda record_id, old, new: self._changed(
                name, record_id, old, new
            )
        return register

    def _changed(
        self, name: str, record_id: str, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        if self.watch is not None:
            self.watch(name, record_id, old, new)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Changes made inside tell nobody (a company's starting records)."""
        watch, self.watch = self.watch, None
        try:
            yield
        finally:
            self.watch = watch

    @property
    def employees(self) -> dict[str, dict[str, Any]]:
        """The employee records by ``EmployeeId``."""
        return self.register("employees").records

    def header(self) -> dict[str, Any]:
        """Name, licences, settings and profile, JSON-ready (registers are stored apart)."""
        return {
            "tenant_id": self.tenant_id,
            "name": self.name,
            "licences": list(self.licences),
            "settings": self.settings.to_dict(),
            "profile": dict(self.profile),
        }

    @classmethod
    def from_header(cls, data: dict[str, Any]) -> Company:
        """Inverse of :meth:`header`."""
        return cls(
            tenant_id=int(data["tenant_id"]),
            name=str(data["name"]),
            licences=list(data["licences"]),
            settings=CompanySettings.from_dict(data.get("settings", {})),
            profile=dict(data.get("profile", {})),
        )
