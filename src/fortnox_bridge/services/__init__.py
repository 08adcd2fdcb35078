"""Application services: the bridge's use cases, called by the API, the web UI and the command
line alike.

One module per noun (re-sync, flow configuration, connection, ...); each service is a plain
class whose constructor takes what it needs. :mod:`fortnox_bridge.services.root` builds them
all once; refusals are the errors of :mod:`fortnox_bridge.services.errors`.
"""
