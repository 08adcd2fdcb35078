"""The ``fortnox-bridge`` command.

:mod:`.app` is the root command; every other module of this package declares one command or
command group (its options and help, nothing more) and imports only the standard library, typer,
:mod:`.options` and :mod:`.errors`, so that ``fortnox-bridge --help`` stays fast. What a command
does is in :mod:`.work`, imported inside the command when it runs. The store, the clock, the
sandbox or Fortnox, the service, the jobs and the HTTP app come from the composition root,
:mod:`fortnox_bridge.runtime`, built the same way for every command, for ``serve`` and ``worker``
and for the benchmarks.
"""
