"""SIE 1–4 (types 1, 2, 3, 4E, 4I): streaming reader, document model, writer, validation.

Typical use::

    from fortnox_bridge.formats.sie import SieReader, read_document, write_document

    with open("export.se", "rb") as stream:          # streaming: constant memory
        for record in SieReader(stream):
            ...
    with open("export.se", "rb") as stream:          # the whole file as a Document
        result = read_document(stream)
    with open("copy.se", "wb") as stream:
        write_document(result.document, stream, checksum=True)
"""

from fortnox_bridge.formats.sie.checksum import ChecksumResult, ChecksumStatus
from fortnox_bridge.formats.sie.document import (
    AccountInfo,
    Company,
    DimensionInfo,
    Document,
    DocumentBuilder,
    ReadResult,
    read_document,
)
from fortnox_bridge.formats.sie.reader import SieReader
from fortnox_bridge.formats.sie.records import (
    Account,
    AccountType,
    AccountUnit,
    Address,
    Balance,
    ChartType,
    Comment,
    CompanyId,
    CompanyName,
    CompanyType,
    Coverage,
    Currency,
    Dimension,
    DimensionObject,
    FinancialYear,
    Flag,
    Generated,
    IndustryCode,
    ObjectBalance,
    ObjectList,
    OrgNumber,
    PeriodBalance,
    Program,
    Record,
    SieType,
    SruCode,
    SubDimension,
    TaxYear,
    UnknownRecord,
    Voucher,
    VoucherRow,
)
from fortnox_bridge.formats.sie.writer import SieWriter, Substitution, write_document

__all__ = [
    "Account",
    "AccountInfo",
    "AccountType",
    "AccountUnit",
    "Address",
    "Balance",
    "ChartType",
    "ChecksumResult",
    "ChecksumStatus",
    "Comment",
    "Company",
    "CompanyId",
    "CompanyName",
    "CompanyType",
    "Coverage",
    "Currency",
    "Dimension",
    "DimensionInfo",
    "DimensionObject",
    "Document",
    "DocumentBuilder",
    "FinancialYear",
    "Flag",
    "Generated",
    "IndustryCode",
    "ObjectBalance",
    "ObjectList",
    "OrgNumber",
    "PeriodBalance",
    "Program",
    "ReadResult",
    "Record",
    "SieReader",
    "SieType",
    "SieWriter",
    "SruCode",
    "SubDimension",
    "Substitution",
    "TaxYear",
    "UnknownRecord",
    "Voucher",
    "VoucherRow",
    "read_document",
    "write_document",
]
