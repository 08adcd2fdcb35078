"""What each webhook event means, in the page's language (the settings page's tooltips).

The meanings are ``engine/outbox/events.py``'s (the API documents them in English); each is
marked here so the Swedish catalogue must hold it, and the template translates it with
``_(meaning)``. ``tests/unit/web/test_record_texts.py`` keeps this list equal to the engine's.
"""

from __future__ import annotations

from fortnox_bridge.web.i18n import N_

EVENT_MEANINGS: tuple[str, ...] = (
    N_("A record came from Fortnox for the first time (imported into the mirror)."),
    N_("A pull stored a change made in Fortnox in the mirror (origin fortnox)."),
    N_("A record Fortnox owns was deleted in Fortnox, so in the mirror too."),
    N_("A field changed on both sides and waits for a decision (policy ask)."),
    N_("A host change accepted by the API reached Fortnox."),
    N_("Fortnox refused a host change; the data says why and how to fix it."),
    N_(
        "A host change is held back before Fortnox (an employee not in Fortnox yet, a locked "
        "period, a code with no mapping); the message says why. It is sent once the cause is "
        "fixed, and ends as succeeded or failed."
    ),
    N_(
        "A financial year's general ledger changed in the bridge (read from Fortnox or an "
        "uploaded SIE file); the data counts the vouchers added, changed and removed."
    ),
    N_("A voucher new in Fortnox was added to a year the bridge held."),
    N_("A voucher changed in Fortnox was changed in the bridge."),
    N_("A voucher gone from Fortnox was removed from the bridge."),
    N_("Documents behind a year's vouchers were fetched or linked."),
    N_(
        "The connection came back after a disconnection: the bridge proposes re-syncing the "
        "interval since the break (GET /api/v1/resync/proposal)."
    ),
)
