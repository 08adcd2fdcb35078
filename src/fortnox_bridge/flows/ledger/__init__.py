"""The ``ledger`` family: a company's general ledger per financial year from Fortnox (or from an
uploaded SIE 4 file), with the documents behind the vouchers, for an analysis product to read."""
