"""The ``ledger`` family: each financial year's general ledger read from Fortnox (as a SIE 4
file would give it) with the documents behind its vouchers. It reads only."""

#: What the family reads from Fortnox (``FortnoxClient`` attributes), for the scopes a tenant's
#: consent asks for: financial years, vouchers and the SIE export (bookkeeping), the files
#: connected to vouchers (connectfile, as the supplier invoices' file connections), the files
#: themselves (archive) and the customer invoices printed as PDF (invoice).
READS = (
    "financial_years",
    "vouchers",
    "supplier_invoice_file_connections",
    "archive",
    "invoices",
)
