"""``/3/voucherfileconnections``: a file of the archive connected to a voucher, by the file's
archive ``Id`` (``FileId``) and the voucher's ``VoucherSeries`` and ``VoucherNumber``.

The voucher is looked up in the financial year the request names: ``?financialyear=<Id>`` (as
the other bookkeeping calls), ``?financialyeardate=<a date of the year>`` (what Fortnox's support
gives for a year other than the current one), else the current year. ``VoucherDescription``,
``VoucherYear`` (the year's ``Id``) and the file's ``Name`` (which Fortnox sends, the OpenAPI
document does not declare) are filled in.

Guesses (no recorded answers): the list narrows by ``voucheryear``, ``voucherseries`` and
``vouchernumber`` (exactly) and ``voucherdescription`` (a substring); an unknown file or voucher
is refused with the sandbox's own code below, as is an unknown connection; a file is connected to
one voucher at a time (a second connection of it is refused with 2000729).
"""

from __future__ import annotations

from fortnox_bridge.sandbox.messages import INVALID_DATE, NO_FINANCIAL_YEAR, refuse
from fortnox_bridge.sandbox.registers.ops import financial_year, parse_date
from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, Record, ResourceSpec, Rules
from fortnox_bridge.sandbox.rules.ledger import chosen_year

NOT_CONNECTABLE = (2990153, "Filen {file} kan inte kopplas till verifikationen: {reason}.")
FILES = "inbox"  # the archive's and the inbox's files share one register
VOUCHERS = "vouchers"


class VoucherFileConnectionRules(Rules):
    """Checks the file and the voucher; fills the read-only fields."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """The file and the voucher (in the year the request names) must exist."""
        file_id = str(record.get("FileId") or "")
        found = ctx.record(FILES, file_id)
        if found is None:
            raise refuse(NOT_CONNECTABLE, file=file_id, reason="filen finns inte")
        year = _year(ctx)
        series, number = str(record["VoucherSeries"]), str(record["VoucherNumber"])
        voucher = ctx.record(VOUCHERS, f"{year['Id']}/{series}/{number}")
        if voucher is None:
            reason = f"verifikation {series}{number} finns inte i räkenskapsår {year['Id']}"
            raise refuse(NOT_CONNECTABLE, file=file_id, reason=reason)
        record.update(
            VoucherNumber=number,
            VoucherYear=int(year["Id"]),
            VoucherDescription=voucher.get("Description"),
            Name=found.get("Name"),
        )


def _year(ctx: Ctx) -> Record:
    params = ctx.request.query_params if ctx.request is not None else {}
    raw = params.get("financialyeardate")
    if raw is None or "financialyear" in params:
        return chosen_year(ctx)
    day = parse_date(raw)
    if day is None:
        raise refuse(INVALID_DATE, field="financialyeardate", value=raw)
    year = financial_year(ctx, day)
    if year is None:
        raise refuse(NO_FINANCIAL_YEAR, value=day.isoformat())
    return year


RESOURCE = ResourceSpec(
    module="voucher_file_connection",
    scope="connectfile",
    # No recorded not-found answer: the sandbox's own code.
    not_found=(2990154, "Kan inte hitta filkopplingen."),
    location="voucherfileconnections",
    id=IdRule("FileId", kind="given"),
    read_only=frozenset({"VoucherDescription", "VoucherYear", "Name"}),
    required=("FileId", "VoucherNumber", "VoucherSeries"),
    extra_fields={"Name": None},
    list_fields=(
        "@url",
        "FileId",
        "Name",
        "VoucherDescription",
        "VoucherNumber",
        "VoucherSeries",
        "VoucherYear",
    ),
    search={"voucherdescription": "VoucherDescription"},
    exact_search={
        "vouchernumber": "VoucherNumber",
        "voucherseries": "VoucherSeries",
        "voucheryear": "VoucherYear",
    },
    rules=VoucherFileConnectionRules(),
)
