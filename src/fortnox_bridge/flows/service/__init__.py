"""The ``service`` family: a field-service application's customer, article and price registers
kept in step with Fortnox, its service, work and sales orders sent as Fortnox orders or
invoices, and the invoiced status brought back."""

#: A tenant that chooses the family sweeps hourly unless it set an interval of its own: its
#: registers change slowly, and Fortnox's topics bring customer and article edits at once.
SWEEP_INTERVAL_MINUTES = 60
