"""Per-resource rules the generic register engine cannot derive from the models."""
