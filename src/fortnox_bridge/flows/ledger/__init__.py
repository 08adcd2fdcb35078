"""The ``ledger`` family: each financial year's general ledger read from Fortnox (as a SIE 4
file would give it) with the documents behind its vouchers. It reads only."""

#: What the family reads from Fortnox (``FortnoxClient`` attributes), for the scopes a tenant's
#: consent asks for: financial years, vouchers and the SIE export (bookkeeping), the files
#: connected to vouchers (connectfile, the scope of every file connection) and the files
#: themselves (archive). Customer invoices are read as the files connected to their vouchers,
#: so the invoice scope is not asked for: Fortnox refuses the whole approval of a company
#: without the licence of an asked-for scope.
READS = ("financial_years", "vouchers", "supplier_invoice_file_connections", "archive")
