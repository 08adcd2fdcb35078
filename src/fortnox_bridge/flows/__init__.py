"""Flow families: one package per family, one module per flow (see ``engine/flow/base.py``)."""
