"""The PAXml 2.0 document model: staff, time, salary and schedule rows, codes.

``None`` means "element absent" and ``""`` "element present but empty": PAXml gives absence a
meaning (a person element left out means "leave unchanged in the payroll system"), so the two
must not be confused. Dates are ``date``; dateTimes and times stay text (``2022-09-20T09:49:30.
0374174+02:00`` has more fractional digits than ``datetime`` keeps) but are checked on reading;
amounts are ``Decimal``. Sections this model does not cover (travel, payslips, balances) are kept
as :class:`RawElement` trees and written back unchanged.

Each class lists its XML children in ``FIELDS``: ``(element, attribute, kind)``, in the XSD's
declaration order; reader and writer both use these tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

Fields = tuple[tuple[str, str, str], ...]
"""``(element, attribute, kind)``; kinds: str, date, datetime, time, decimal, int, bool."""


class RawElement(NamedTuple):
    """An XML element kept verbatim: tag, attributes, text, children."""

    tag: str
    attributes: tuple[tuple[str, str], ...] = ()
    text: str = ""
    children: tuple[RawElement, ...] = ()


class ResultUnitRef(NamedTuple):
    """``<resenhet dim="6" id="P120"/>``: a cost centre (dim 1), project (dim 6), ..."""

    dim: int
    id: str


class DatedAmount(NamedTuple):
    """``<manlon datum="2010-01-01">25000</manlon>``: an amount valid from a date."""

    amount: Decimal
    date: dt.date | None = None


class PersonAmount(NamedTuple):
    """``<personbelopp><belopp id="P01">125</belopp></personbelopp>``."""

    id: str
    amount: Decimal
    date: dt.date | None = None


@dataclass
class Header:
    """``<header>``: version, format, export date, company and contact details."""

    version: str = "2.0"
    format: str | None = None
    datum: str | None = None
    new_export: tuple[dt.date, dt.date | None, dt.date | None] | None = None
    company_id: str | None = None
    company_orgnr: str | None = None
    company_name: str | None = None
    extra_address: str | None = None
    postal_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    website: str | None = None
    contact_person: str | None = None
    hr_manager: str | None = None
    approver: str | None = None
    phone: str | None = None
    fax: str | None = None
    program_name: str | None = None
    program_license: str | None = None
    info: str | None = None

    FIELDS: ClassVar[Fields] = (
        ("format", "format", "str"),
        ("version", "version", "str"),
        ("datum", "datum", "datetime"),
        ("foretagid", "company_id", "str"),
        ("foretagorgnr", "company_orgnr", "str"),
        ("foretagnamn", "company_name", "str"),
        ("extraadress", "extra_address", "str"),
        ("postadress", "postal_address", "str"),
        ("postnr", "postal_code", "str"),
        ("ort", "city", "str"),
        ("land", "country", "str"),
        ("epost", "email", "str"),
        ("hemsida", "website", "str"),
        ("kontaktperson", "contact_person", "str"),
        ("personalansvarig", "hr_manager", "str"),
        ("attestansvarig", "approver", "str"),
        ("telefon", "phone", "str"),
        ("telefax", "fax", "str"),
        ("programnamn", "program_name", "str"),
        ("programlicens", "program_license", "str"),
        ("info", "info", "str"),
    )


@dataclass
class Dimension:
    """``<dimension dim="6" namn="Projekt"/>``."""

    dim: int
    name: str
    info: str | None = None


@dataclass
class ResultUnit:
    """``<resultatenhet dim="6" id="P120" namn="Hyllie BRF"/>``: an object of a dimension."""

    dim: int
    id: str
    name: str
    info: str | None = None
    delete: bool | None = None


@dataclass
class Code:
    """``<kod id="ÖT1" namn="Övertid"/>``: the sender's name for a time or salary code."""

    id: str
    name: str
    info: str | None = None


@dataclass
class TimeEvent:
    """``<klar>`` (reported up to) or ``<attesterat>`` (approved up to) before a ``tidtrans``."""

    kind: str
    postid: int | None = None
    anstid: str | None = None
    persnr: str | None = None
    date: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass
class TimeTransaction:
    """``<tidtrans>``: absence, presence or a supplement, by ``tidkod``."""

    code: str
    anstid: str | None = None
    persnr: str | None = None
    postid: int | None = None
    date: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    start: str | None = None
    end: str | None = None
    hours: Decimal | None = None
    extent: Decimal | None = None
    child: str | None = None
    collection_id: str | None = None
    vacation_basis: bool | None = None
    account: str | None = None
    customer: str | None = None
    result_units: tuple[ResultUnitRef, ...] | None = None
    info: str | None = None
    events: tuple[TimeEvent, ...] = ()

    FIELDS: ClassVar[Fields] = (
        ("tidkod", "code", "str"),
        ("datum", "date", "date"),
        ("datumfrom", "date_from", "date"),
        ("datumtom", "date_to", "date"),
        ("starttid", "start", "datetime"),
        ("sluttid", "end", "datetime"),
        ("timmar", "hours", "decimal"),
        ("omfattning", "extent", "decimal"),
        ("barn", "child", "str"),
        ("samlingsid", "collection_id", "str"),
        ("semgrund", "vacation_basis", "bool"),
        ("kontonr", "account", "str"),
        ("kundnr", "customer", "str"),
        ("resenheter", "result_units", "units"),
        ("info", "info", "str"),
    )


@dataclass
class SalaryTransaction:
    """``<lonetrans>``: a salary row by standard ``lonkod`` or the receiver's ``lonart``."""

    anstid: str | None = None
    persnr: str | None = None
    postid: int | None = None
    salary_code: str | None = None
    pay_type: str | None = None
    description: str | None = None
    comment: str | None = None
    date: dt.date | None = None
    date_from: str | None = None
    date_to: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    expense_category: str | None = None
    vat: Decimal | None = None
    collection_id: str | None = None
    account: str | None = None
    customer: str | None = None
    result_units: tuple[ResultUnitRef, ...] | None = None
    info: str | None = None

    FIELDS: ClassVar[Fields] = (
        ("lonkod", "salary_code", "str"),
        ("lonart", "pay_type", "str"),
        ("benamning", "description", "str"),
        ("kommentar", "comment", "str"),
        ("datum", "date", "date"),
        ("datumfrom", "date_from", "datetime"),
        ("datumtom", "date_to", "datetime"),
        ("antal", "quantity", "decimal"),
        ("apris", "unit_price", "decimal"),
        ("belopp", "amount", "decimal"),
        ("varugrupp", "expense_category", "str"),
        ("moms", "vat", "decimal"),
        ("samlingsid", "collection_id", "str"),
        ("kontonr", "account", "str"),
        ("kundnr", "customer", "str"),
        ("resenheter", "result_units", "units"),
        ("info", "info", "str"),
    )


class ScheduleDay(NamedTuple):
    """``<dag datum="2012-06-02" timmar="8"/>``: scheduled hours, or start and end times."""

    date: dt.date
    start: str | None = None
    end: str | None = None
    hours: Decimal | None = None


@dataclass
class Schedule:
    """``<schema anstid="101">`` with its days."""

    anstid: str | None = None
    persnr: str | None = None
    days: list[ScheduleDay] = field(default_factory=list)


@dataclass
class Person:
    """``<person>``: an employee. Elements left out mean "leave unchanged" in the receiver."""

    anstid: str | None = None
    persnr: str | None = None
    delete: bool | None = None
    first_name: str | None = None
    last_name: str | None = None
    extra_address: str | None = None
    postal_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    mobile_phone: str | None = None
    home_phone: str | None = None
    work_phone: str | None = None
    work_email: str | None = None
    home_email: str | None = None
    staff_type: str | None = None
    category: str | None = None
    position: str | None = None
    position_code: str | None = None
    employment_form: str | None = None
    vacation_agreement: str | None = None
    bank_clearing: str | None = None
    bank_account: str | None = None
    employed_from: dt.date | None = None
    employed_to: dt.date | None = None
    salary_form: str | None = None
    paid_current_period: bool | None = None
    hourly_wage: DatedAmount | None = None
    monthly_salary: DatedAmount | None = None
    person_amounts: tuple[PersonAmount, ...] | None = None
    person_texts: tuple[tuple[str, str], ...] | None = None
    employment_rate: DatedAmount | None = None
    vacation_days: Decimal | None = None
    tax_table: Decimal | None = None
    tax_column: int | None = None
    tax_adjustment: tuple[tuple[str, str], ...] | None = None
    garnishment: tuple[tuple[str, str], ...] | None = None
    result_units: tuple[ResultUnitRef, ...] | None = None
    info: str | None = None

    FIELDS: ClassVar[Fields] = (
        ("fornamn", "first_name", "str"),
        ("efternamn", "last_name", "str"),
        ("extraadress", "extra_address", "str"),
        ("postadress", "postal_address", "str"),
        ("postnr", "postal_code", "str"),
        ("ort", "city", "str"),
        ("land", "country", "str"),
        ("mobiltelefon", "mobile_phone", "str"),
        ("hemtelefon", "home_phone", "str"),
        ("arbetstelefon", "work_phone", "str"),
        ("epostarb", "work_email", "str"),
        ("eposthem", "home_email", "str"),
        ("personaltyp", "staff_type", "str"),
        ("kategori", "category", "str"),
        ("befattning", "position", "str"),
        ("befattningskod", "position_code", "str"),
        ("anstform", "employment_form", "str"),
        ("semesteravtal", "vacation_agreement", "str"),
        ("bankclearing", "bank_clearing", "str"),
        ("bankkonto", "bank_account", "str"),
        ("anstdatum", "employed_from", "date"),
        ("avgdatum", "employed_to", "date"),
        ("lonform", "salary_form", "str"),
        ("innevarande", "paid_current_period", "bool"),
        ("timlon", "hourly_wage", "dated"),
        ("manlon", "monthly_salary", "dated"),
        ("personbelopp", "person_amounts", "amounts"),
        ("persontexter", "person_texts", "texts"),
        ("sysgrad", "employment_rate", "dated"),
        ("semesterdagar", "vacation_days", "decimal"),
        ("skattetabell", "tax_table", "decimal"),
        ("skattekolumn", "tax_column", "int"),
        ("skattejamkning", "tax_adjustment", "attributes"),
        ("loneutmatning", "garnishment", "attributes"),
        ("resenheter", "result_units", "units"),
        ("info", "info", "str"),
    )


@dataclass
class PaxmlDocument:
    """A whole PAXml file."""

    header: Header = field(default_factory=Header)
    dimensions: list[Dimension] = field(default_factory=list)
    result_units: list[ResultUnit] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    time_transactions: list[TimeTransaction] = field(default_factory=list)
    salary_transactions: list[SalaryTransaction] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    other_sections: list[RawElement] = field(default_factory=list)


def person_key(record: Any) -> str:
    """``anstid 101`` or ``persnr 198210101237`` — how findings name the person."""
    if getattr(record, "anstid", None):
        return f"anstid {record.anstid}"
    if getattr(record, "persnr", None):
        return f"persnr {record.persnr}"
    return "no person"
