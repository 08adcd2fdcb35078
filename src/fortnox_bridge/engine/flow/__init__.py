"""What a flow is, apart from running it.

``base`` declares a flow (``Flow``, its settings, mappings and kinds), ``registry`` finds every
flow once (``discover_flows()``), ``entities`` and ``mapping_kinds`` describe what a host hands
over and what a mapping may hold, ``sources`` is where a flow reads Fortnox, ``results`` what a
run reports and ``periods`` whole-period intervals. These are the vocabulary of the other
engine packages and import none of them, so a flow module (``flows/``) needs nothing else.
"""
