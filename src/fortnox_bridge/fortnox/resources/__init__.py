"""One module per Fortnox resource; each wraps the HTTP calls of that resource."""
