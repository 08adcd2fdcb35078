"""The form Fortnox vouchers take in the bridge once the voucher import has read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class HostVoucherRow(BaseModel):
    """One row of an imported voucher, as Fortnox booked it when the bridge read it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account: int = Field(ge=1000, le=9999, description="The account (BAS number).")
    debit: Decimal = Field(default=Decimal(0), description="The debit amount (SEK).")
    credit: Decimal = Field(default=Decimal(0), description="The credit amount (SEK).")
    project: str | None = Field(default=None, description="Fortnox's project number, if any.")
    cost_center: str | None = Field(default=None, description="The cost centre's code, if any.")
    note: str | None = Field(
        default=None,
        max_length=100,
        description="The row's transaction information in Fortnox (free text on the row).",
    )
    removed: bool = Field(
        default=False, description="Fortnox marks a row removed by a correction; it stays listed."
    )


class VoucherImage(BaseModel):
    """The image of a voucher (the scanned supplier invoice), fetched once from Fortnox; its
    bytes are at ``GET /api/v1/vouchers/{id}/image``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The file's name in Fortnox.")
    content_type: str = Field(description="The file's media type, e.g. application/pdf.")
    size: int = Field(ge=0, description="The file's size in bytes.")


class HostVoucher(BaseModel):
    """A Fortnox voucher with at least one row on a project, as the voucher import keeps it.

    Fortnox owns vouchers; the bridge keeps what it imported: rows added in Fortnox later are
    added, existing rows are never updated, and removals are reported instead of applied.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    series: str = Field(min_length=1, max_length=1, description="The voucher series, e.g. D.")
    number: int = Field(ge=1, description="The voucher's number in its series and year.")
    year: int = Field(ge=1, description="Fortnox's id of the voucher's financial year.")
    date: dt.date = Field(description="The voucher's transaction date.")
    description: str | None = Field(default=None, max_length=200)
    reference_type: str | None = Field(
        default=None, description="What booked it: SUPPLIERINVOICE, INVOICE, MANUAL, ..."
    )
    reference_number: str | None = Field(
        default=None, description="The number of what booked it (a supplier invoice's, say)."
    )
    rows: list[HostVoucherRow] = Field(description="The rows in the order Fortnox lists them.")
    image: VoucherImage | None = Field(
        default=None,
        description="The scanned supplier invoice of a voucher booked from one, once fetched.",
    )
