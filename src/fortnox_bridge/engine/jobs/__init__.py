"""Deciding to run something and running it.

``dispatch`` is the seam (a ``Job`` and where it is submitted), ``scheduler`` the embedded
interval and debounce loop, ``queue`` the distributed mode (procrastinate), ``service`` what a
worker does for a tenant (sweeps, pushes, dry runs, maintenance) and ``metrics`` what it
reports to Prometheus. The top of the engine: it may use every other part.
"""
