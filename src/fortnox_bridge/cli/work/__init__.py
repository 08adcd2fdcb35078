"""What the commands do, imported only when a command runs (``fortnox-bridge --help`` loads none
of it).

One module per command or group, named like its declaration in :mod:`fortnox_bridge.cli`, and
what they share: :mod:`.runtime` (settings, data directory, error reporting), :mod:`.output`,
:mod:`.files` and :mod:`.logs`; the composition root :mod:`.stack` with :mod:`.jobs` and
:mod:`.http`; the demo's records in :mod:`.demo_data`.
"""
