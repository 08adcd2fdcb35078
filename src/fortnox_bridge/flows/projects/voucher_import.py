"""``projects.voucher.pull``: Fortnox vouchers on projects → the bridge (``/3/vouchers``).

Fortnox owns vouchers and gives them no ``lastmodified``: a voucher's rows come only with a read
of that one voucher. The import therefore reads in a bounded way each sweep (the engine's
``ledger`` strategy, ``engine/sync/ledger_import.py``):

- per chosen series, one list request for the highest voucher number of the current financial
  year; each voucher numbered above the highest seen is read once;
- a voucher with a row on a project is imported; one without is *pending* and read again every
  sweep (the oldest looked-at first, at most ``pending_per_sweep``) until it has one;
- imported vouchers are read again in turns (the least recently checked first, at most
  ``recheck_per_sweep``): rows added in Fortnox are added to the bridge's voucher; rows removed
  in Fortnox and vouchers cancelled are reported as problems and the bridge keeps what it
  imported;
- a voucher booked from a supplier invoice brings its image: the file connected to the supplier
  invoice, fetched once when the voucher is imported (or, while the invoice has no file yet, at
  the voucher's later re-checks).

This module holds the declaration and the pure rules; the reading is the engine's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator

from fortnox_bridge.engine.flow.base import FlowSettings
from fortnox_bridge.engine.flow.ledger import LedgerFlow
from fortnox_bridge.flows.projects.voucher_records import HostVoucher

#: The series imported unless the tenant chooses: the usual Swedish letters of manual vouchers
#: (A), customer invoices (B) and supplier invoices (D).
DEFAULT_SERIES = ("A", "B", "D")
#: Fortnox's ``ReferenceType`` of a voucher booked from a supplier invoice.
SUPPLIER_INVOICE = "SUPPLIERINVOICE"
#: Fortnox voucher row field → the bridge's row field.
ROW_FIELDS = {
    "account": "account",
    "debit": "debit",
    "credit": "credit",
    "project": "project",
    "cost_center": "cost_center",
    "transaction_information": "note",
}
#: The voucher fields the import reads (Fortnox names, snake case).
HEAD = {
    "voucher_series": "series",
    "voucher_number": "number",
    "year": "year",
    "transaction_date": "date",
    "description": "description",
    "reference_type": "reference_type",
    "reference_number": "reference_number",
}


class VoucherImportSettings(FlowSettings):
    """Settings of ``projects.voucher.pull``."""

    series: list[str] = Field(
        default=list(DEFAULT_SERIES),
        min_length=1,
        title="Voucher series imported",
        description="The letters of the voucher series whose vouchers are imported (one "
        "character each), e.g. A, B and D.",
    )
    from_date: date | None = Field(
        default=None,
        title="Vouchers dated from",
        description="Vouchers dated before this day are not imported (empty: every voucher of "
        "the current financial year).",
    )
    pending_per_sweep: int = Field(
        default=200,
        ge=0,
        le=5000,
        title="Vouchers without a project looked at per sweep",
        description="At most this many vouchers still without a row on a project are read "
        "again each sweep, the longest-waiting first (one request each).",
    )
    recheck_per_sweep: int = Field(
        default=20,
        ge=0,
        le=5000,
        title="Imported vouchers checked per sweep",
        description="At most this many imported vouchers are read again each sweep for rows "
        "added or removed in Fortnox, the least recently checked first (one request each).",
    )

    @field_validator("series", mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        """The settings form sends one text: ``"A, B, D"`` (commas or blanks between)."""
        if isinstance(value, str):
            return [item for item in value.replace(",", " ").split() if item]
        return value

    @field_validator("series")
    @classmethod
    def _one_letter_each(cls, value: list[str]) -> list[str]:
        cleaned = [item.strip().upper() for item in value]
        for item in cleaned:
            if len(item) != 1:
                raise ValueError(f"a voucher series is one character, not {item!r}")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a voucher series is named twice")
        return cleaned


class VoucherImport(LedgerFlow):
    """Imports the vouchers of the chosen series that have a row on a project."""

    name: ClassVar[str] = "projects.voucher.pull"
    entity: ClassVar[str] = "voucher"
    resource: ClassVar[str] = "vouchers"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "voucher_number"
    record_model: ClassVar[type[BaseModel]] = HostVoucher
    Settings: ClassVar[type[FlowSettings]] = VoucherImportSettings
    # A Fortnox document: read after the exports, so a supplier invoice the sweep booked (its
    # voucher in series D) is imported in the same sweep.
    order: ClassVar[int] = 310
    #: A base flow: runs for every tenant of the projects family.
    base: ClassVar[bool] = True
    pull_fields: ClassVar[frozenset[str]] = frozenset(HEAD) | {"voucher_rows"}
    # The image of a voucher booked from a supplier invoice: the file connected to the invoice
    # (connectfile), read from the archive.
    reads: ClassVar[tuple[str, ...]] = ("supplier_invoice_file_connections", "archive")
    #: A voucher created or changed in Fortnox is read at once (by year, series and number).
    topics: ClassVar[tuple[str, ...]] = ("vouchers",)

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """Only vouchers dated from the tenant's first day (every one when none is set)."""
        settings = self.settings
        assert isinstance(settings, VoucherImportSettings)
        when = fields.get("transaction_date")
        return settings.from_date is None or not when or str(when) >= str(settings.from_date)

    def ready(self, fields: Mapping[str, Any]) -> bool:
        """Whether the voucher has a row (not removed) on a project: else it waits."""
        return any(row.get("project") and not row.get("removed") for row in _rows(fields))

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A Fortnox voucher (snake-case fields) → the bridge's voucher."""
        out = {host: fields.get(name) for name, host in HEAD.items()}
        out["rows"] = [host_row(row) for row in _rows(fields)]
        return out

    def document_source(self, fields: Mapping[str, Any]) -> str | None:
        """A voucher booked from a supplier invoice brings the invoice's scanned file."""
        number = fields.get("reference_number")
        if fields.get("reference_type") == SUPPLIER_INVOICE and number not in (None, ""):
            return str(number)
        return None

    def describe_row(self, row: Mapping[str, Any]) -> str:
        """A row in words for a problem."""
        return describe_row(row)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``voucher A 17 (2026)``: series, number and the year of its date."""
        if record and record.get("series") and record.get("number"):
            when = str(record.get("date") or "")[:4]
            suffix = f" ({when})" if when else ""
            return f"voucher {record['series']} {record['number']}{suffix}"
        return f"voucher {external_id}"


def host_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One Fortnox voucher row → the bridge's row."""
    out = {host: row.get(name) for name, host in ROW_FIELDS.items()}
    for amount in ("debit", "credit"):
        out[amount] = float(out.get(amount) or 0)
    out["removed"] = bool(row.get("removed"))
    return {key: value for key, value in out.items() if value not in (None, "")}


def describe_row(row: Mapping[str, Any]) -> str:
    """``account 4010, debit 1000.00, project P1``: a row in words for a problem."""
    parts = [f"account {row.get('account')}"]
    for amount in ("debit", "credit"):
        if float(row.get(amount) or 0):
            parts.append(f"{amount} {float(row[amount]):.2f}")
    if row.get("project"):
        parts.append(f"project {row['project']}")
    return ", ".join(parts)


def _rows(fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = fields.get("voucher_rows") or []
    return [dict(row) for row in rows if isinstance(row, Mapping)]
