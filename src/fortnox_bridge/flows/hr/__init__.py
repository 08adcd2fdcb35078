"""The ``hr`` family: employees both ways, absences to Fortnox."""
