"""What each SIE label holds: its fields in order, and which record they make.

A signature is a string of field kinds, required ones before ``|``, optional ones after it:

====  ==============================================================
``i``  integer (year index, dimension, flag, SIE type, tax year)
``d``  date ``YYYYMMDD``
``p``  period ``YYYYMM``
``a``  amount (two decimals at most)
``q``  quantity (any decimals)
``n``  account number (digits)
``s``  string (ids, series, codes, short texts)
``t``  a text: always quoted when written; as the record's last field, surplus unquoted
       words join it (lenient)
``o``  object list ``{dimension object ...}``
====  ==============================================================

The writer uses the same table, so reading and writing cannot disagree on field order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from fortnox_bridge.formats.sie import records as r


class Signature(NamedTuple):
    """How to read and write one label."""

    make: Callable[..., Any]
    prefix: tuple[str, ...]  # leading record values not in the file (the kind of a balance)
    required: str
    optional: str

    @property
    def kinds(self) -> str:
        """All field kinds, required then optional."""
        return self.required + self.optional


def _sig(make: Callable[..., Any], spec: str, *prefix: str) -> Signature:
    required, _, optional = spec.partition("|")
    return Signature(make, prefix, required, optional)


SIGNATURES: dict[str, Signature] = {
    "#FLAGGA": _sig(r.Flag, "i"),
    "#PROGRAM": _sig(r.Program, "t|s"),
    "#GEN": _sig(r.Generated, "d|t"),
    "#SIETYP": _sig(r.SieType, "i"),
    "#PROSA": _sig(r.Comment, "t"),
    "#FTYP": _sig(r.CompanyType, "s"),
    "#FNR": _sig(r.CompanyId, "t"),
    "#ORGNR": _sig(r.OrgNumber, "|sss"),
    "#BKOD": _sig(r.IndustryCode, "s"),
    "#ADRESS": _sig(r.Address, "|tttt"),
    "#FNAMN": _sig(r.CompanyName, "t"),
    "#RAR": _sig(r.FinancialYear, "idd"),
    "#TAXAR": _sig(r.TaxYear, "i"),
    "#OMFATTN": _sig(r.Coverage, "d"),
    "#KPTYP": _sig(r.ChartType, "s"),
    "#VALUTA": _sig(r.Currency, "s"),
    "#KONTO": _sig(r.Account, "nt"),
    "#KTYP": _sig(r.AccountType, "ns"),
    "#ENHET": _sig(r.AccountUnit, "ns"),
    "#SRU": _sig(r.SruCode, "ns"),
    "#DIM": _sig(r.Dimension, "it"),
    "#UNDERDIM": _sig(r.SubDimension, "iti"),
    "#OBJEKT": _sig(r.DimensionObject, "ist"),
    "#IB": _sig(r.Balance, "ina|q", "IB"),
    "#UB": _sig(r.Balance, "ina|q", "UB"),
    "#RES": _sig(r.Balance, "ina|q", "RES"),
    "#OIB": _sig(r.ObjectBalance, "inoa|q", "OIB"),
    "#OUB": _sig(r.ObjectBalance, "inoa|q", "OUB"),
    "#PSALDO": _sig(r.PeriodBalance, "ipnoa|q", "PSALDO"),
    "#PBUDGET": _sig(r.PeriodBalance, "ipnoa|q", "PBUDGET"),
    "#VER": _sig(r.Voucher, "ssd|tdt"),
    "#TRANS": _sig(r.VoucherRow, "noa|dtqt", "TRANS"),
    "#RTRANS": _sig(r.VoucherRow, "noa|dtqt", "RTRANS"),
    "#BTRANS": _sig(r.VoucherRow, "noa|dtqt", "BTRANS"),
}
"""Every label the reader turns into a typed record (``#FORMAT`` and ``#KSUMMA`` are handled by
the reader itself: they describe the file, not its content)."""

ROW_LABELS = frozenset({"#TRANS", "#RTRANS", "#BTRANS"})
KNOWN_LABELS = frozenset(SIGNATURES) | {"#FORMAT", "#KSUMMA"}

LABEL_OF_KIND = {sig.prefix[0]: label for label, sig in SIGNATURES.items() if sig.prefix}
"""``"IB"`` → ``"#IB"``, ``"TRANS"`` → ``"#TRANS"``, ... (for the writer)."""

LABEL_OF_RECORD: dict[type, str] = {
    sig.make: label  # type: ignore[misc]
    for label, sig in SIGNATURES.items()
    if not sig.prefix
}
"""Record class → label, for records without a kind (the writer)."""
