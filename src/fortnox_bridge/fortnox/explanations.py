"""English explanations and fixes for Fortnox error codes (the Swedish message is kept as sent).

Codes and meanings from the Fortnox error-code documentation and recorded traffic; the
explanation and fix texts are ours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """What a Fortnox error code means and what the user can do about it."""

    explanation: str
    fix: str


_TABLE: dict[int, Explanation] = {
    1000003: Explanation("Fortnox had an internal error.", "Try again later; if it persists, contact Fortnox support."),
    1000030: Explanation("The request asked for a response type Fortnox does not serve.", "Send 'Accept: application/json'."),
    1000031: Explanation("The request body has a content type Fortnox does not accept.", "Send 'Content-Type: application/json'."),
    2000106: Explanation("A value must be alphanumeric.", "Remove characters other than letters and digits from the field."),
    2000108: Explanation("A value must be numeric.", "Send a number in the field."),
    2000134: Explanation("A value must be a boolean.", "Send true or false in the field."),
    2000310: Explanation("The legacy access token or client secret is invalid.", "Reconnect the integration with OAuth2."),
    2000311: Explanation("The legacy access token or client secret is missing.", "Reconnect the integration with OAuth2."),
    2000359: Explanation("A value contains characters Fortnox does not allow.", "Remove the special characters (allowed: letters, digits, space and common punctuation)."),
    2000423: Explanation("The account does not exist in Fortnox.", "Create the account in Fortnox's chart of accounts or choose an existing one."),
    2000428: Explanation("The article does not exist in Fortnox.", "Create the article in Fortnox or correct the article number."),
    2000429: Explanation("The terms of payment do not exist in Fortnox.", "Create the terms of payment in Fortnox or choose existing ones."),
    2000432: Explanation("The unit does not exist in Fortnox.", "Create the unit in Fortnox or correct the unit code."),
    2000433: Explanation("The customer does not exist in Fortnox.", "Create the customer in Fortnox or correct the customer number."),
    2000434: Explanation("The invoice does not exist in Fortnox.", "Check the invoice number."),
    2000436: Explanation("The employee does not exist in Fortnox.", "Create the employee in Fortnox or correct the employee id."),
    2000439: Explanation("The order does not exist in Fortnox.", "Check the order number."),
    2000587: Explanation("The list filter is not one Fortnox knows.", "Use a filter value the resource supports (for example active or inactive)."),
    2000588: Explanation("A request parameter is invalid.", "Correct the parameter (page, limit ≤ 500, dates as YYYY-MM-DD)."),
    2000637: Explanation("The customer number is already used, also by a deleted customer.", "Choose another customer number; numbers stay reserved after deletion."),
    2000663: Explanation("The integration is not authorised for this part of Fortnox (scope).", "Reconnect the integration and approve the missing permission."),
    2000729: Explanation("A valid identifier was not provided.", "Send an identifier of the allowed length and characters."),
    2001101: Explanation("The company has no active licence for this part of Fortnox.", "Ask the Fortnox administrator to add the module licence (for example Lön or Bokföring)."),
    2001103: Explanation("The company has no integration licence.", "Ask the Fortnox administrator to activate the integration licence (Administrate users → Add licences → Integration)."),
    2001161: Explanation("The project does not exist in Fortnox.", "Create the project in Fortnox or correct the project number."),
    2001265: Explanation("A predefined account is invalid, missing or inactive.", "Check the predefined accounts in Fortnox's settings."),
    2001427: Explanation("The integration may not create accruals.", "Ask the Fortnox administrator for the permission, or leave out the accrual."),
    2001304: Explanation("The account could not be found.", "Create the account in Fortnox or choose an existing one."),
    2001392: Explanation("The request body is empty or has the wrong shape.", "Send the record wrapped in its resource name, for example {\"Customer\": {...}}."),
    2001399: Explanation("A field name is not one Fortnox knows.", "Remove or rename the field."),
    2001740: Explanation("Fortnox could not read the XML body.", "Send JSON instead."),
    2002115: Explanation("The JSON body has a syntax error.", "Send valid JSON."),
    2002462: Explanation("The account number must have 4 digits.", "Use a 4-digit BAS account number."),
    2002980: Explanation("A housework row has a type that does not allow other costs.", "Use a housework type that allows other costs, or remove the row's other-cost type."),
    2003157: Explanation("The tax reduction for the chosen housework type has been discontinued.", "Choose a housework type that still gives a tax reduction."),
    2003330: Explanation("The integration may not list payments.", "Ask the Fortnox administrator for the permission."),
    2004021: Explanation("The tax reduction type does not match the housework type.", "Choose a housework type of the document's tax reduction type (ROT, RUT or green)."),
    2004052: Explanation("The account's VAT code conflicts with the predefined account (EasyVat).", "Choose an account with a matching VAT code."),
    2004167: Explanation("A custom VAT rate needs an explicit account when EasyVat is enabled.", "Set the account on the row."),
}  # fmt: skip

_BY_STATUS: dict[int, Explanation] = {
    401: Explanation("Fortnox did not accept the access token.", "The bridge refreshes the token; if that fails, reconnect the integration."),
    403: Explanation("Fortnox refused access to this part of the API.", "Check the integration's permissions and the company's licences."),
    404: Explanation("The record does not exist in Fortnox.", "Check the id; it may have been deleted in Fortnox."),
    429: Explanation("Too many requests: Fortnox allows 25 per 5 seconds per company.", "Nothing to do: the bridge waits and tries again."),
    500: Explanation("Fortnox had an internal error.", "Try again later."),
    503: Explanation("Fortnox is temporarily unavailable.", "Try again later."),
}  # fmt: skip

UNKNOWN = Explanation(
    "Fortnox refused the request.", "Read the Swedish message from Fortnox; correct the record."
)


def explain(code: int | None, status: int) -> Explanation:
    """The explanation of a Fortnox error: by code when known, else by HTTP status."""
    if code is not None and code in _TABLE:
        return _TABLE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return _BY_STATUS[500]
    return UNKNOWN


def known_codes() -> frozenset[int]:
    """Every code the table explains."""
    return frozenset(_TABLE)
