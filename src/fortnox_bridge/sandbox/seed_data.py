"""The data behind the seeds: a BAS chart, standard terms and units, and the demo company."""

from __future__ import annotations

from typing import Any

# A BAS-style chart (the accounts a small Swedish company uses; BAS 2024 numbers and names).
_CHART = (
    (1220, "Inventarier och verktyg"), (1250, "Datorer"), (1460, "Lager av handelsvaror"),
    (1510, "Kundfordringar"), (1630, "Avräkning för skatter och avgifter (skattekonto)"),
    (1910, "Kassa"), (1930, "Företagskonto"), (2010, "Eget kapital"),
    (2081, "Aktiekapital"), (2099, "Årets resultat"), (2440, "Leverantörsskulder"),
    (2610, "Utgående moms, 25 %"), (2620, "Utgående moms, 12 %"), (2630, "Utgående moms, 6 %"),
    (2640, "Ingående moms"), (2650, "Redovisningskonto för moms"),
    (2710, "Personalskatt"), (2731, "Avräkning lagstadgade sociala avgifter"),
    (2920, "Upplupna semesterlöner"), (3001, "Försäljning inom Sverige, 25 % moms"),
    (3002, "Försäljning inom Sverige, 12 % moms"), (3003, "Försäljning inom Sverige, 6 % moms"),
    (3004, "Försäljning inom Sverige, momsfri"), (3105, "Försäljning varor till land utanför EU"),
    (3106, "Försäljning varor till annat EU-land, momspliktig"),
    (3108, "Försäljning varor till annat EU-land, momsfri"),
    (3740, "Öres- och kronutjämning"), (4000, "Inköp av varor från Sverige"),
    (5010, "Lokalhyra"), (5410, "Förbrukningsinventarier"), (6110, "Kontorsmateriel"),
    (6212, "Mobiltelefon"), (6230, "Datakommunikation"), (6570, "Bankkostnader"),
    (7010, "Löner till kollektivanställda"), (7210, "Löner till tjänstemän"),
    (7331, "Skattefria bilersättningar"), (7510, "Arbetsgivaravgifter"),
    (8310, "Ränteintäkter från omsättningstillgångar"), (8410, "Räntekostnader för skulder"),
    (8999, "Årets resultat"),
    # What booking supplier invoices and project costs reaches for.
    (1790, "Övriga förutbetalda kostnader och upplupna intäkter"),
    (2890, "Övriga kortfristiga skulder"), (3041, "Försäljning tjänster inom Sverige, 25 % moms"),
    (4010, "Inköp material och varor"), (5460, "Förbrukningsmaterial"), (6540, "IT-tjänster"),
    (6550, "Konsultarvoden"),
)  # fmt: skip
#: The VAT codes of the sales accounts (25, 12 and 6 % and exempt).
_VAT_CODES = {3001: "MP1", 3002: "MP2", 3003: "MP3", 3004: "MF", 3041: "MP1"}
ACCOUNTS: tuple[dict[str, Any], ...] = tuple(
    {"Number": number, "Description": name, "Active": True}
    | ({"VATCode": _VAT_CODES[number]} if number in _VAT_CODES else {})
    for number, name in sorted(_CHART)
)
TERMS_OF_PAYMENT: tuple[dict[str, Any], ...] = tuple(
    {"Code": str(days), "Description": f"{days} dagar"} for days in (0, 10, 15, 20, 30, 45, 60)
)
UNITS: tuple[dict[str, Any], ...] = (
    {"Code": "st", "Description": "Styck", "CodeEnglish": "pcs"},
    {"Code": "tim", "Description": "Timmar", "CodeEnglish": "h"},
    {"Code": "förp", "Description": "Förpackning", "CodeEnglish": "pack"},
    {"Code": "kg", "Description": "Kilogram", "CodeEnglish": "kg"},
    {"Code": "m", "Description": "Meter", "CodeEnglish": "m"},
    {"Code": "dag", "Description": "Dagar", "CodeEnglish": "days"},
)
#: The price list every new company has (the default of customers and documents).
PRICE_LISTS: tuple[dict[str, Any], ...] = (
    {"Code": "A", "Description": "Grundprislista", "Comments": "", "PreSelected": True},
)
EMPTY_PROFILE: dict[str, Any] = {
    "OrganizationNumber": "", "Address": "", "City": "", "ZipCode": "", "CountryCode": "SE",
    "Country": "Sverige", "Email": "", "UserName": "Sandbox Användare",
    "UserEmail": "user@sandbox.test",
}  # fmt: skip
DEMO_PROFILE: dict[str, Any] = {
    "OrganizationNumber": "556677-8899", "Address": "Storgatan 12", "City": "Uppsala",
    "ZipCode": "753 20", "Email": "info@exempel.se", "Phone1": "018-12 34 56",
    "VATNumber": "SE556677889901", "BG": "123-4567", "ContactFirstName": "Astrid",
    "ContactLastName": "Lindqvist", "Domicile": "Uppsala", "WWW": "https://exempel.se",
    "UserName": "Astrid Lindqvist", "UserEmail": "astrid.lindqvist@exempel.se",
}  # fmt: skip
COST_CENTERS: tuple[dict[str, Any], ...] = (
    {"Code": "ADM", "Description": "Administration", "Active": True},
    {"Code": "SALJ", "Description": "Försäljning", "Active": True},
    {"Code": "PROD", "Description": "Produktion", "Active": True},
)
PROJECTS: tuple[dict[str, Any], ...] = (
    {"ProjectNumber": "1", "Description": "Kontorsflytt Uppsala", "Status": "ONGOING",
     "StartDate": "2025-09-01", "ProjectLeader": "Astrid Lindqvist"},
    {"ProjectNumber": "2", "Description": "Webbshop 2.0", "Status": "NOTSTARTED",
     "ProjectLeader": "Nils Bergström"},
)  # fmt: skip
EMPLOYEES: tuple[dict[str, Any], ...] = (
    {"EmployeeId": "1", "FirstName": "Astrid", "LastName": "Lindqvist",
     "Email": "astrid.lindqvist@exempel.se", "City": "Uppsala", "ScheduleId": "HEL",
     "EmploymentDate": "2019-03-01", "MonthlySalary": "41500", "CostCenter": "ADM",
     "PersonalIdentityNumber": "19850312-2384", "JobTitle": "Ekonomiansvarig",
     "EmploymentForm": "TV", "SalaryForm": "MAN", "PersonelType": "TJM"},
    {"EmployeeId": "2", "FirstName": "Nils", "LastName": "Bergström",
     "Email": "nils.bergstrom@exempel.se", "City": "Västerås", "ScheduleId": "HEL",
     "EmploymentDate": "2021-08-16", "MonthlySalary": "38200", "CostCenter": "PROD",
     "PersonalIdentityNumber": "19910704-5517", "JobTitle": "Montör",
     "EmploymentForm": "TV", "SalaryForm": "MAN", "PersonelType": "ARB"},
)  # fmt: skip
_CUSTOMER_DEFAULTS: dict[str, Any] = {
    "Active": True, "Currency": "SEK", "PriceList": "A", "Type": "COMPANY", "VATType": "SEVAT",
    "TermsOfPayment": "30", "CountryCode": "SE",
}  # fmt: skip
CUSTOMERS: tuple[dict[str, Any], ...] = tuple(
    {**_CUSTOMER_DEFAULTS, **row}
    for row in (
        {"CustomerNumber": "1", "Name": "Bygg & Montage i Uppsala AB", "City": "Uppsala",
         "ZipCode": "753 30", "Address1": "Kungsgatan 44", "Email": "faktura@byggmontage.se",
         "OrganisationNumber": "556123-4567"},
        {"CustomerNumber": "2", "Name": "Västerås Fastighetsservice AB", "City": "Västerås",
         "ZipCode": "722 15", "Address1": "Stora Torget 3", "Email": "ekonomi@vfs.se",
         "OrganisationNumber": "556234-5678"},
        {"CustomerNumber": "3", "Name": "Karin Ek", "Type": "PRIVATE", "City": "Lund",
         "ZipCode": "222 21", "Address1": "Bantorget 5", "Email": "karin.ek@example.se"},
        {"CustomerNumber": "4", "Name": "Nordic Tools Oy", "City": "Helsingfors",
         "CountryCode": "FI", "Currency": "EUR", "VATType": "EUREVERSEDVAT",
         "VATNumber": "FI12345678", "Email": "billing@nordictools.fi"},
    )
)  # fmt: skip
ARTICLES: tuple[dict[str, Any], ...] = tuple(
    {"Active": True, "VAT": 25, "SalesAccount": 3001, "PurchaseAccount": 4000,
     "EUAccount": 3108, "EUVATAccount": 3106, "ExportAccount": 3105, **row}
    for row in (
        {"ArticleNumber": "101", "Description": "Hammare", "Type": "STOCK", "Unit": "st",
         "PurchasePrice": 89, "QuantityInStock": 40},
        {"ArticleNumber": "102", "Description": "Skruvdragare 18 V", "Type": "STOCK",
         "Unit": "st", "PurchasePrice": 1190, "QuantityInStock": 12},
        {"ArticleNumber": "103", "Description": "Träskruv 4x40, 200 st", "Type": "STOCK",
         "Unit": "förp", "PurchasePrice": 59, "QuantityInStock": 150},
        {"ArticleNumber": "201", "Description": "Montagearbete", "Type": "SERVICE",
         "Unit": "tim", "Housework": True, "HouseworkType": "CONSTRUCTION"},
        {"ArticleNumber": "202", "Description": "Konsulttimme", "Type": "SERVICE", "Unit": "tim"},
        {"ArticleNumber": "301", "Description": "Frakt", "Type": "SERVICE", "Unit": "st"},
    )
)  # fmt: skip
#: Voucher series of the demo company (the usual Swedish letters): general, customer invoices,
#: supplier invoices.
VOUCHER_SERIES: tuple[dict[str, Any], ...] = (
    {"Code": "A", "Description": "Redovisning", "Manual": True},
    {"Code": "B", "Description": "Kundfakturor", "Manual": False},
    {"Code": "D", "Description": "Leverantörsfakturor", "Manual": False},
)
EXPENSES: tuple[dict[str, Any], ...] = (
    {"Code": "1", "Text": "Utlägg kontorsmateriel", "Account": 6110},
    {"Code": "2", "Text": "Utlägg mobiltelefon", "Account": 6212},
)


def demo_vouchers(year: int) -> list[dict[str, Any]]:
    """The demo company's vouchers of ``year`` (last year's books, so a new voucher of this
    year is still number 1): general (A), a customer invoice (B) and a supplier invoice with its
    payment (D), costs and income put on the seeded projects."""
    rows = {
        ("A", 1, f"{year}-10-03", "Förbrukningsmaterial Kontorsflytt"): (
            (5460, 1200, 0, "1", "PROD"), (1930, 0, 1200, None, None)),
        ("A", 2, f"{year}-10-17", "Konsultarvode Webbshop 2.0"): (
            (6550, 5000, 0, "2", "SALJ"), (1930, 0, 5000, None, None)),
        ("B", 1, f"{year}-10-31", "Kundfaktura 1, Bygg & Montage i Uppsala AB"): (
            (1510, 12500, 0, None, None), (3041, 0, 10000, "1", "PROD"),
            (2610, 0, 2500, None, None)),
        ("D", 1, f"{year}-11-05", "Leverantörsfaktura 1, material Kontorsflytt"): (
            (4010, 8000, 0, "1", "PROD"), (2640, 2000, 0, None, None),
            (2440, 0, 10000, None, None)),
        ("D", 2, f"{year}-12-04", "Betalning leverantörsfaktura 1"): (
            (2440, 10000, 0, None, None), (1930, 0, 10000, None, None)),
    }  # fmt: skip
    return [
        {
            "VoucherSeries": series, "VoucherNumber": number, "Description": text,
            "TransactionDate": day, "ApprovalState": 0, "ReferenceType": "MANUAL",
            "Comments": "",
            "VoucherRows": [
                {"Account": account, "Debit": debit, "Credit": credit, "Removed": False,
                 "Description": _ACCOUNT_NAMES[account]}
                | ({"Project": project} if project else {})
                | ({"CostCenter": center} if center else {})
                for account, debit, credit, project, center in lines
            ],
        }
        for (series, number, day, text), lines in rows.items()
    ]  # fmt: skip


_ACCOUNT_NAMES = dict(_CHART)
