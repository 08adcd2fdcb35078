"""``/3/vouchers``: list (per financial year), ``sublist`` and ``sublist/{series}``, one voucher
by ``{series}/{number}`` (``?financialyear=``), create. No update or delete. The rules and the
routes are in ``rules.voucher``."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.voucher import VoucherRules

RESOURCE = ResourceSpec(
    module="voucher",
    scope="bookkeeping",
    # No recorded not-found answer for vouchers: the sandbox's own code.
    not_found=(2990121, "Kan inte hitta verifikationen."),
    location="vouchers",
    read_only=frozenset({"VoucherNumber", "Year", "ApprovalState", "ReferenceNumber"}),
    required=("Description", "TransactionDate", "VoucherSeries"),
    defaults={"ApprovalState": 0, "ReferenceType": "MANUAL", "Comments": ""},
    blanks={"VoucherRows.Removed": False},
    date_field="TransactionDate",
    exact_search={"costcenter": "CostCenter"},
    rules=VoucherRules(),
)
