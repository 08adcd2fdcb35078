"""What leaves the bridge besides Fortnox writes: the event catalogue and bus (``events``),
webhooks to host endpoints (``webhooks``) and where they may connect (``outbound``), and e-mail
to a tenant's recipients (``notify``, templates in ``templates/``, with ``concerned`` naming who
else hears about a refusal).
"""
