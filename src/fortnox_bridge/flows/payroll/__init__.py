"""The ``payroll`` family (seed 000): time and absence to Fortnox salary data."""
