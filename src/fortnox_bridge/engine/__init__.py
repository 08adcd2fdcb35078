"""The sync engine, in sub-packages by concern (each ``__init__`` imports nothing, so importing
one part never loads the others):

- ``flow/`` — what a flow is (``Flow`` and its kinds), finding flows once, host entities,
  mapping kinds, where flows read Fortnox's data, and what runs report. Depends on nothing else
  of the engine but ``errors``.
- ``sync/`` — one run for one tenant: its context, planning, one strategy per flow kind (push,
  derived, pull, import), recording the run and settling the host's changes.
- ``maintenance/`` — operations a person starts on what was written: re-sync of an interval,
  re-writing derived records, repairing duplicates.
- ``tenancy/`` — a tenant's Fortnox connection: its lifecycle, encrypted tokens, clients, and
  the one-writer lease.
- ``jobs/`` — deciding to run something and running it: dispatch, the embedded scheduler, the
  distributed queue, the worker's service and its metrics.
- ``outbox/`` — what leaves the bridge: events, webhooks (and where they may go), e-mail.
- ``errors`` — the engine's errors, shared by every part.
"""
