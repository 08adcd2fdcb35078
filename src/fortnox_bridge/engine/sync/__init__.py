"""One run for one tenant: plan, apply, commit.

``runner`` walks the flows in sweep order and hands each to the strategy of its kind (push,
derived, pull, import), which live in ``pushing``, ``deriving``, ``pulling`` and ``importing``;
``planning``, ``merge``, ``existing`` and ``first_sync`` are the pure or read-only decisions
they share. ``context`` loads what a run needs of a tenant, ``probe`` the cheap read before a
sweep, ``preflight`` the checks before writing; ``recording``, ``change_status``,
``write_back`` and ``conflicts`` keep and settle what a run did. Kept together because a change
to how one kind is applied usually touches planning and recording too.
"""
