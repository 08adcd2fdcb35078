"""Real time from Fortnox: its WebSocket topics, one connection per Fortnox app.

``protocol`` the commands and frames (pure), ``directory`` the app's connected tenants and
their tokens, ``leader`` who of the bridge's processes connects (a lease in the store),
``intake`` an event made a durable job with its offset, ``fetch`` what the job does,
``listener`` the connection itself, ``service`` the listeners of every app under their leases.
"""
