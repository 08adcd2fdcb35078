"""``/3/suppliers``: numbered from a series unless the client gives a ``SupplierNumber``; no
DELETE (the catalogue offers none). Country names and the list item's ``Phone`` follow the same
rules as customers'."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.customer import CustomerRules

RESOURCE = ResourceSpec(
    module="supplier",
    scope="supplier",
    # No recorded not-found answer for suppliers: the sandbox's own code.
    not_found=(2990111, "Kan inte hitta leverantören."),
    location="suppliers",
    id=IdRule("SupplierNumber", max_length=1024, allowed="\\w+/.\\-–"),
    read_only=frozenset({"Country", "VisitingCountry"}),
    defaults={"Active": True, "Currency": "SEK"},
    string_blank=None,
    filters={
        "active": lambda ctx, r: bool(r.get("Active", True)),
        "inactive": lambda ctx, r: not r.get("Active", True),
    },
    search={
        "suppliernumber": "SupplierNumber",
        "name": "Name",
        "zipcode": "ZipCode",
        "city": "City",
        "email": "Email",
        "phone1": "Phone1",
        "phone2": "Phone2",
        "organisationnumber": "OrganisationNumber",
    },
    sort={"suppliernumber": "SupplierNumber", "name": "Name"},
    lastmodified=True,
    rules=CustomerRules(),
)
