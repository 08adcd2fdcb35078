"""The ``projects`` family: a project application's projects to Fortnox, registers back."""
