"""Words a person reads instead of the bridge's internal names: flows, run kinds and statuses,
item actions and outcomes, webhook events.

Every table is English marked for translation; :func:`label` looks a name up and translates it,
and an unknown name is shown tidied (``some_name`` → "Some name") rather than hidden. The pages
call the functions below, and templates reach them as ``flow_title``, ``flow_about`` and
``label`` (see ``render.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fortnox_bridge.web.i18n import N_

Translate = Callable[[str], str]

#: A short title per flow: what moves, and which way.
FLOW_TITLES: Mapping[str, str] = {
    "hr.employee.push": N_("Employees to Fortnox"),
    "hr.employee.pull": N_("Employees from Fortnox"),
    "hr.absence.push": N_("Absence to Fortnox"),
    "payroll.attendance.push": N_("Reported time to Fortnox (salary)"),
    "payroll.absence.push": N_("Reported absence to Fortnox (salary)"),
    "projects.cost_center.pull": N_("Cost centres from Fortnox"),
    "projects.account.pull": N_("Accounts from Fortnox"),
    "projects.project_supplier.pull": N_("Suppliers from Fortnox"),
    "projects.project_supplier.push": N_("Suppliers to Fortnox"),
    "projects.project_customer.push": N_("Customers to Fortnox (projects)"),
    "projects.construction_project.push": N_("Projects to Fortnox"),
    "projects.work_order.push": N_("Work orders to Fortnox as projects"),
    "projects.change_order.push": N_("Change orders to Fortnox as projects"),
    "projects.supplier_invoice.push": N_("Supplier invoices to Fortnox"),
    "projects.supplier_invoice.pull": N_("Paid supplier invoices from Fortnox"),
    "projects.customer_invoice.push": N_("Customer invoices to Fortnox"),
    "projects.customer_invoice.pull": N_("Paid customer invoices from Fortnox"),
    "projects.voucher.pull": N_("Project vouchers from Fortnox"),
    "ledger.year.pull": N_("General ledger from Fortnox"),
    "service.service_customer.push": N_("Customers to Fortnox (service)"),
    "service.service_customer.pull": N_("Customers from Fortnox (service)"),
    "service.service_article.push": N_("Articles to Fortnox"),
    "service.service_article.pull": N_("Articles from Fortnox"),
    "service.service_price.push": N_("Prices to Fortnox"),
    "service.service_price.pull": N_("Prices from Fortnox"),
    "service.service_order.push": N_("Service orders to Fortnox"),
    "service.service_order.pull": N_("Invoiced service orders from Fortnox"),
    "service.time_report.push": N_("Time reports to Fortnox"),
}

#: What a run was.
RUN_KINDS: Mapping[str, str] = {
    "sweep": N_("Sweep"),
    "push": N_("Push"),
    "resync": N_("Re-sync"),
    "repair": N_("Repair"),
    "event": N_("Change from Fortnox"),
}

#: How a run (or a job) stands.
RUN_STATUSES: Mapping[str, str] = {
    "running": N_("Running"),
    "queued": N_("Waiting to start"),
    "succeeded": N_("Succeeded"),
    "partial": N_("Partly failed"),
    "failed": N_("Failed"),
    "interrupted": N_("Interrupted"),
    "cancelled": N_("Cancelled"),
}

#: What the bridge did with a record.
ITEM_ACTIONS: Mapping[str, str] = {
    "create": N_("Create"),
    "update": N_("Update"),
    "delete": N_("Delete"),
    "unchanged": N_("Unchanged"),
    "skip": N_("Skip"),
    "wait": N_("Wait"),
    "import": N_("Import"),
    "adopt": N_("Link to existing"),
    "conflict": N_("Conflict"),
    "check": N_("Check"),
    "reconcile": N_("Reconcile"),
    "write": N_("Write again"),
    "rewrite": N_("Write again"),
    "deactivate": N_("Deactivate"),
    "reactivate": N_("Reactivate"),
}

#: How it went for a record.
ITEM_OUTCOMES: Mapping[str, str] = {
    "ok": N_("Done"),
    "created": N_("Created"),
    "updated": N_("Updated"),
    "deleted": N_("Deleted"),
    "written": N_("Written again"),
    "unchanged": N_("Unchanged"),
    "skipped": N_("Skipped"),
    "failed": N_("Failed"),
    "partial": N_("Partly done"),
}

#: The events a webhook endpoint can receive.
WEBHOOK_EVENTS: Mapping[str, str] = {
    "record.created": N_("A record was created in Fortnox"),
    "record.changed": N_("A record was changed in Fortnox"),
    "record.deleted": N_("A record was deleted in Fortnox"),
    "operation.succeeded": N_("A write to Fortnox succeeded"),
    "operation.failed": N_("A write to Fortnox failed"),
    "ledger.voucher.created": N_("A voucher was added to the ledger"),
    # Settings page (webhooks): the rest of the catalogue and the test.
    "conflict.opened": N_("A conflict waits for a decision"),
    "operation.held": N_("A write to Fortnox is held back"),
    "ledger.year.synced": N_("A financial year's ledger changed"),
    "ledger.voucher.changed": N_("A voucher was changed in the ledger"),
    "ledger.voucher.deleted": N_("A voucher was removed from the ledger"),
    "ledger.documents.synced": N_("Documents behind vouchers were fetched"),
    "resync.proposed": N_("A re-sync is proposed after a disconnection"),
    "webhook.test": N_("Test"),
}

#: How a webhook delivery stands.
DELIVERY_STATUSES: Mapping[str, str] = {
    "pending": N_("Waiting to be sent"),
    "retrying": N_("Failed, will be retried"),
    "succeeded": N_("Delivered"),
    "failed": N_("Failed"),
}

TABLES: Mapping[str, Mapping[str, str]] = {
    "kind": RUN_KINDS,
    "status": RUN_STATUSES,
    "action": ITEM_ACTIONS,
    "outcome": ITEM_OUTCOMES,
    "event": WEBHOOK_EVENTS,
    "flow": FLOW_TITLES,
    "delivery": DELIVERY_STATUSES,
}


def tidy(name: str) -> str:
    """An internal name nobody wrote a label for, made readable: ``time_report`` → "Time report"."""
    words = name.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def label(table: str, name: str | None, translate: Translate) -> str:
    """``name`` of ``table`` (``kind``, ``status``, ``action``, ``outcome``, ``event``, ``flow``,
    ``delivery``) in words, translated; tidied when the table does not know it, empty for no
    name."""
    if not name:
        return ""
    known = TABLES[table].get(name)
    return translate(known) if known is not None else tidy(name)


def flow_title(name: str | None, translate: Translate) -> str:
    """A flow's title: "Employees to Fortnox" for ``hr.employee.push``."""
    return label("flow", name, translate)


def flow_about(doc: str | None, translate: Translate) -> str:
    """The first paragraph of a flow's docstring on one line, translated when a catalogue has it."""
    first = " ".join((doc or "").strip().split("\n\n", 1)[0].split())
    return translate(first) if first else ""
