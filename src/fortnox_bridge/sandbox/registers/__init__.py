"""The generic register engine: declarations in, Fortnox-shaped endpoints out."""
