"""The ``payroll`` family: time and absence to Fortnox salary data."""
