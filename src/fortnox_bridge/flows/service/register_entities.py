"""The host entities of the service family's registers: customers, articles, prices and time
reports. Named with the family's prefix (``service_customer``): entity names are shared by every
family, and the projects family's customers are other records."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.flow.fortnox_fields import fortnox_fields
from fortnox_bridge.flows.service.price_sync import BACKUP
from fortnox_bridge.flows.service.register_records import (
    HostServiceArticle,
    HostServiceCustomer,
    HostServicePrice,
    HostTimeReport,
)

ENTITIES: tuple[HostEntity, ...] = (
    HostEntity(
        entity="service_customer",
        collection="service-customers",
        model=HostServiceCustomer,
        family="service",
        description="Customers of a field-service application, kept in step with Fortnox "
        "customers (matched by customer number) in the direction the tenant chose.",
        reference_fields=("number", "name"),
        fortnox_fields=fortnox_fields(
            "customers",
            {
                "name": "name",
                "address1": "address1",
                "address2": "address2",
                "zip_code": "zip_code",
                "city": "city",
                "phone": "phone1",
                "organisation_number": "organisation_number",
                "country_code": "country_code",
                "delivery_name": "delivery_name",
                "delivery_address1": "delivery_address1",
                "delivery_zip_code": "delivery_zip_code",
                "delivery_city": "delivery_city",
                "your_reference": "your_reference",
            },
        ),
    ),
    HostEntity(
        entity="service_article",
        collection="service-articles",
        model=HostServiceArticle,
        family="service",
        description="Articles of a field-service application, kept in step with Fortnox "
        "articles (matched by article number); inactive articles are not synchronised.",
        reference_fields=("number", "description"),
        fortnox_fields=fortnox_fields(
            "articles", {"number": "article_number", "description": "description"}
        ),
    ),
    HostEntity(
        entity="service_price",
        collection="service-prices",
        model=HostServicePrice,
        family="service",
        description="Article prices in a Fortnox price list (from quantity 0), synchronised "
        "both ways when the tenant turns price sync on; the prices the host had then are kept "
        "as a CSV file (backup.csv).",
        reference_fields=("article_number", "price_list"),
        backup=BACKUP,
    ),
    HostEntity(
        entity="time_report",
        collection="time-reports",
        model=HostTimeReport,
        family="service",
        description="Hours technicians reported, sent as Fortnox attendance transactions when "
        "the tenant turns time reports on.",
        reference_fields=("employee_number", "date", "code"),
    ),
)
"""The service family's register entities."""
