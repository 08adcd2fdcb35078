"""The ``service`` family: a field-service application's customer, article and price registers
kept in step with Fortnox, its service, work and sales orders sent as Fortnox orders or
invoices, and the invoiced status brought back."""
