"""``/3/inbox`` and ``/api/fileattachments/attachments-v1``: the inbox's folders and files
(multipart upload, at most 5 MB a file) and the files attached to invoices, orders and offers
(:mod:`~fortnox_bridge.sandbox.rules.inbox`)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.inbox import InboxRules

RESOURCE = ResourceSpec(
    module="inbox",
    scope="inbox",
    # No recorded not-found answer for the inbox: the sandbox's own code.
    not_found=(2990146, "Kan inte hitta filen eller mappen."),
    rules=InboxRules(),
)
