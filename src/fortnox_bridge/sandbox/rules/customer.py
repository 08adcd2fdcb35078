"""Customer rules: country names from country codes; the list item's ``Phone``."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules

#: Swedish names Fortnox shows for country codes (recorded: ``SE`` → ``Sverige``).
COUNTRY_NAMES = {
    "SE": "Sverige", "NO": "Norge", "DK": "Danmark", "FI": "Finland", "IS": "Island",
    "DE": "Tyskland", "GB": "Storbritannien", "US": "USA", "FR": "Frankrike", "ES": "Spanien",
    "IT": "Italien", "NL": "Nederländerna", "BE": "Belgien", "PL": "Polen", "EE": "Estland",
    "LV": "Lettland", "LT": "Litauen", "AT": "Österrike", "CH": "Schweiz", "IE": "Irland",
    "PT": "Portugal", "CN": "Kina", "JP": "Japan", "CA": "Kanada", "AU": "Australien",
}  # fmt: skip
COUNTRY_FIELDS = (
    ("CountryCode", "Country"),
    ("DeliveryCountryCode", "DeliveryCountry"),
    ("VisitingCountryCode", "VisitingCountry"),
)


class CustomerRules(Rules):
    """Read-only country names follow the codes; list items carry ``Phone`` (= ``Phone1``)."""

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """Fill ``Country``, ``DeliveryCountry`` and ``VisitingCountry``."""
        for code_field, name_field in COUNTRY_FIELDS:
            code = record.get(code_field)
            if code:
                out[name_field] = COUNTRY_NAMES.get(str(code).upper(), str(code).upper())

    def list_item(self, ctx: Ctx, record: Record, full: Record, item: Record) -> None:
        """List items name the phone ``Phone`` (recorded)."""
        item["Phone"] = full.get("Phone1") or ""
