"""``/3/termsofpayments``: terms of payment."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.terms_of_payment import TermsOfPayment
from fortnox_bridge.fortnox.resources.base import Resource, describe


class TermsOfPaymentResource(Resource[TermsOfPayment, TermsOfPayment]):
    """TermsOfPayment operations."""

    description = describe("terms_of_payment")
    model = TermsOfPayment
    list_model = TermsOfPayment
