"""A tenant's Fortnox connection and who may use it.

``connections`` is the lifecycle (pending → active → needs re-auth / revoked) and
``reconnect`` the re-sync proposed after a reconnect; ``crypto`` and ``token_vault`` keep the
tokens encrypted and refreshes single-flight; ``clients`` builds a Fortnox client per
connection; ``writer`` and ``workers`` make sure at most one job writes to a tenant at a time.
Grouped because all of it is per-tenant state outside a single run.
"""
