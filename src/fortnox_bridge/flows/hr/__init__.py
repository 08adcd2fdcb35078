"""The ``hr`` family (seed 001): employees both ways, absences to Fortnox."""
