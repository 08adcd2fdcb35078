"""One module per emulated Fortnox resource: its routes and its business rules."""
