"""Error codes and Swedish messages the sandbox answers with.

Codes below 2990000 are Fortnox's own (its error-code documentation and recorded traffic);
where a message was recorded it is copied, otherwise the wording is the sandbox's. Codes
2990001 and up are the sandbox's own, for rules whose real code nobody has recorded (they are
listed in ``docs/sandbox.md``); clients should not rely on their numbers.
"""

from __future__ import annotations

from fortnox_bridge.sandbox.errors import FortnoxStyleError

# Documented codes.
ALPHANUMERIC = 2000106
NUMERIC = 2000108
BOOLEAN = 2000134
BAD_CHARACTERS = (2000359, "Värdet innehåller ej tillåtna tecken: {field}.")
INVALID_FILTER = (2000587, "Ett ogiltigt filter har använts.")  # recorded
INVALID_PARAMETER = (2000588, "Ogiltig parameter i anropet.")
NUMBER_TAKEN = (2000637, "Numret {value} är upptaget och kan inte användas igen.")
INVALID_ID = 2000729
UNKNOWN_FIELD = (2001399, "Ogiltigt fältnamn: {fields}.")
ACCOUNT_MISSING = (2001304, "Kunde inte hitta konto {value}.")  # FAQ wording
# Recorded housework answers (VCR orders/housework_*).
HOUSEWORK_OTHERCOSTS = (
    2002980,
    "Kan inte sätta typen övrig kostnad på en rad markerad som husarbete.",
)
HOUSEWORK_DISCONTINUED = (2003157, "Skattereduktion för den valda typen av husarbete har upphört.")
HOUSEWORK_MISMATCH = (
    2004021,
    "Dokument med skattereduktionstypen '{reduction}' får inte innehålla rader med "
    "husarbetestypen '{work}'.",
)

# The sandbox's own codes (no recorded Fortnox code).
REQUIRED = (2990001, "Fältet {field} måste anges.")
TOO_LONG = (2990002, "Fältet {field} får vara högst {limit} tecken.")
NOT_ALLOWED = (2990003, "Ogiltigt värde för {field}: {value}.")
INVALID_DATE = (2990004, "Ogiltigt datum för {field}: {value}.")
NO_FINANCIAL_YEAR = (2990005, "Det finns inget räkenskapsår för datumet {value}.")
LOCKED_PERIOD = (2990006, "Perioden är låst till och med {end}; datumet {value} kan inte användas.")
YEAR_OVERLAPS = (2990007, "Räkenskapsåret överlappar ett befintligt räkenskapsår.")
DOCUMENT_LOCKED = (2990008, "Dokumentet är {state} och kan inte ändras.")
ACTION_REFUSED = (2990009, "Åtgärden kan inte utföras: {reason}.")
UNKNOWN_REFERENCE = (2990010, "{what} {value} finns inte.")
NO_EMAIL_ADDRESS = (
    2990011,
    "Dokumentet kan inte skickas med e-post: mottagarens e-postadress saknas.",
)


def refuse(rule: tuple[int, str], status: int = 400, **values: object) -> FortnoxStyleError:
    """A lower-case ``ErrorInformation`` error (validation answers use lower-case keys)."""
    code, message = rule
    return FortnoxStyleError(status, code, message.format(**values))


def refuse_code(code: int, message: str) -> FortnoxStyleError:
    """A lower-case ``ErrorInformation`` 400 with an explicit code and message."""
    return FortnoxStyleError(400, code, message)


def not_found(rule: tuple[int, str]) -> FortnoxStyleError:
    """The PascalCase 404 Fortnox sends for unknown ids (recorded)."""
    code, message = rule
    return FortnoxStyleError(404, code, message, pascal=True)
