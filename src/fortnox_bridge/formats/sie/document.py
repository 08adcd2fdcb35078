"""The SIE document model: a whole file as one object, built from the streaming reader's records.

:func:`read_document` reads a file into a :class:`Document`; :func:`~.writer.write_document`
writes one back. The document keeps what the file says, not how it was spelled: quoting,
whitespace, record order within a group, ``#FORMAT`` and ``#KSUMMA`` are the writer's business.
Unknown labels are kept in :attr:`Document.unknown` and otherwise ignored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, NamedTuple

from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.checksum import ChecksumResult
from fortnox_bridge.formats.sie.reader import SieReader


@dataclass
class Company:
    """Who the file is about: #FNAMN, #ORGNR, #FNR, #FTYP, #BKOD and #ADRESS."""

    name: str = ""
    org_number: str = ""
    org_sequence: str = ""
    org_activity: str = ""
    company_id: str = ""
    company_type: str = ""
    industry_code: str = ""
    address: r.Address | None = None


@dataclass
class AccountInfo:
    """An account of the chart: ``#KONTO`` with its ``#KTYP``, ``#ENHET`` and ``#SRU`` codes."""

    number: str
    name: str = ""
    type: str = ""
    unit: str = ""
    sru: list[str] = field(default_factory=list)


@dataclass
class DimensionInfo:
    """A dimension (``#DIM``), or a sub-dimension (``#UNDERDIM``) when ``parent`` is set."""

    number: int
    name: str
    parent: int | None = None


@dataclass
class Document:
    """Everything a SIE file of type 1, 2, 3, 4E or 4I can hold."""

    flag: int = 0
    program: r.Program | None = None
    generated: r.Generated | None = None
    sie_type: int | None = None
    comment: str | None = None
    company: Company = field(default_factory=Company)
    financial_years: list[r.FinancialYear] = field(default_factory=list)
    tax_year: int | None = None
    coverage: dt.date | None = None
    chart_type: str | None = None
    currency: str | None = None
    accounts: dict[str, AccountInfo] = field(default_factory=dict)
    dimensions: dict[int, DimensionInfo] = field(default_factory=dict)
    objects: dict[tuple[int, str], str] = field(default_factory=dict)
    balances: list[r.Balance] = field(default_factory=list)
    object_balances: list[r.ObjectBalance] = field(default_factory=list)
    period_balances: list[r.PeriodBalance] = field(default_factory=list)
    vouchers: list[r.Voucher] = field(default_factory=list)
    unknown: list[r.UnknownRecord] = field(default_factory=list)

    @property
    def variant(self) -> str:
        """``"1"``, ``"2"``, ``"3"``, ``"4E"`` or ``"4I"``.

        Files say only ``#SIETYP 4``; a type-4 file with balances is an export (4E), one with
        only vouchers an import file (4I). No ``#SIETYP`` means type 1.
        """
        sie_type = self.sie_type or 1
        if sie_type != 4:
            return str(sie_type)
        return "4E" if self.balances or self.period_balances or self.object_balances else "4I"

    def year(self, index: int = 0) -> r.FinancialYear | None:
        """The financial year with ``index`` (0 current, -1 previous), if declared."""
        return next((year for year in self.financial_years if year.year == index), None)


class ReadResult(NamedTuple):
    """A document with what the reader found out on the way."""

    document: Document
    findings: list[Finding]
    encoding: str
    checksum: ChecksumResult


class DocumentBuilder:
    """Collects records into a :class:`Document` (the document keeps every voucher)."""

    def __init__(self, log: FindingLog) -> None:
        self.document = Document()
        self._log = log

    def add(self, line: int, record: r.Record) -> None:
        """Add one record read at ``line``."""
        handler = getattr(self, f"_add_{type(record).__name__}", None)
        if handler is None:  # pragma: no cover - every record type has a handler
            raise TypeError(f"no handler for {type(record).__name__}")
        handler(line, record)

    def _account(self, number: str) -> AccountInfo:
        account = self.document.accounts.get(number)
        if account is None:
            account = self.document.accounts[number] = AccountInfo(number)
        return account

    def _add_Flag(self, line: int, record: r.Flag) -> None:
        self.document.flag = record.value

    def _add_Program(self, line: int, record: r.Program) -> None:
        self.document.program = record

    def _add_Generated(self, line: int, record: r.Generated) -> None:
        self.document.generated = record

    def _add_SieType(self, line: int, record: r.SieType) -> None:
        if record.value not in (1, 2, 3, 4):
            self._log.report(
                Severity.ERROR,
                "SIE-TYPE",
                f"#SIETYP {record.value} is not a SIE type (1-4)",
                line,
                9,
                "write #SIETYP 1, 2, 3 or 4",
            )
        self.document.sie_type = record.value

    def _add_Comment(self, line: int, record: r.Comment) -> None:
        self.document.comment = record.text

    def _add_CompanyType(self, line: int, record: r.CompanyType) -> None:
        self.document.company.company_type = record.value

    def _add_CompanyId(self, line: int, record: r.CompanyId) -> None:
        self.document.company.company_id = record.value

    def _add_OrgNumber(self, line: int, record: r.OrgNumber) -> None:
        company = self.document.company
        company.org_number, company.org_sequence, company.org_activity = record

    def _add_IndustryCode(self, line: int, record: r.IndustryCode) -> None:
        self.document.company.industry_code = record.value

    def _add_Address(self, line: int, record: r.Address) -> None:
        self.document.company.address = record

    def _add_CompanyName(self, line: int, record: r.CompanyName) -> None:
        self.document.company.name = record.value

    def _add_FinancialYear(self, line: int, record: r.FinancialYear) -> None:
        self.document.financial_years.append(record)

    def _add_TaxYear(self, line: int, record: r.TaxYear) -> None:
        self.document.tax_year = record.value

    def _add_Coverage(self, line: int, record: r.Coverage) -> None:
        self.document.coverage = record.date

    def _add_ChartType(self, line: int, record: r.ChartType) -> None:
        self.document.chart_type = record.value

    def _add_Currency(self, line: int, record: r.Currency) -> None:
        self.document.currency = record.value

    def _add_Account(self, line: int, record: r.Account) -> None:
        account = self._account(record.number)
        if account.name and account.name != record.name:
            self._log.report(
                Severity.WARNING,
                "SIE-DUPLICATE-ACCOUNT",
                f"#KONTO {record.number} declared twice; the later name {record.name!r} is kept",
                line,
                1,
                "declare each account once",
            )
        account.name = record.name

    def _add_AccountType(self, line: int, record: r.AccountType) -> None:
        self._account(record.account).type = record.type

    def _add_AccountUnit(self, line: int, record: r.AccountUnit) -> None:
        self._account(record.account).unit = record.unit

    def _add_SruCode(self, line: int, record: r.SruCode) -> None:
        self._account(record.account).sru.append(record.code)

    def _add_Dimension(self, line: int, record: r.Dimension) -> None:
        self.document.dimensions[record.number] = DimensionInfo(record.number, record.name)

    def _add_SubDimension(self, line: int, record: r.SubDimension) -> None:
        self.document.dimensions[record.number] = DimensionInfo(*record)

    def _add_DimensionObject(self, line: int, record: r.DimensionObject) -> None:
        self.document.objects[record.dimension, record.object_id] = record.name

    def _add_Balance(self, line: int, record: r.Balance) -> None:
        self.document.balances.append(record)

    def _add_ObjectBalance(self, line: int, record: r.ObjectBalance) -> None:
        self.document.object_balances.append(record)

    def _add_PeriodBalance(self, line: int, record: r.PeriodBalance) -> None:
        self.document.period_balances.append(record)

    def _add_Voucher(self, line: int, record: r.Voucher) -> None:
        self.document.vouchers.append(record)

    def _add_UnknownRecord(self, line: int, record: r.UnknownRecord) -> None:
        self.document.unknown.append(record)


def read_document(
    stream: IO[bytes], *, strict: bool = False, encoding: str | None = None
) -> ReadResult:
    """Read a whole SIE file into a :class:`Document`.

    Lenient by default: repairs are listed in the result's findings. With ``strict=True`` the
    first violation raises :class:`~fortnox_bridge.formats.errors.SieSyntaxError`.
    """
    reader = SieReader(stream, strict=strict, encoding=encoding)
    builder = DocumentBuilder(reader.findings)
    for line, record in reader.located():
        builder.add(line, record)
    return ReadResult(
        builder.document,
        reader.findings.findings,
        reader.encoding or "cp437",
        reader.checksum,
    )
