"""What more than one flow family needs; it imports no family, so the families stay independent."""
