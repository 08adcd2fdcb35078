"""The e-mail with the result of a first synchronization of employees, sent to the tenant's
recipients once the plan is applied (and after each pass that left items failed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.outbox.notify import Notifier
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.models import FirstSyncItem


async def mail_result(
    notifier: Notifier, sessions: sessionmaker[Session], tenant_id: int, plan_id: int
) -> bool:
    """E-mail the plan's counts and lists to the tenant's recipients; ``False`` when none went
    out (no recipients, or the mail server refused)."""
    with sessions.begin() as session:
        repo = FirstSyncRepository(session)
        plan = repo.get(plan_id)
        assert plan is not None
        items = repo.items(plan_id)
        result, found = dict(plan.result), dict(plan.counts)
    lists = _lists(items)
    if result.get("complete"):
        subject = (
            f"first synchronization of employees applied: {result['linked']} linked, "
            f"{result['created_in_fortnox']} created in Fortnox, "
            f"{result['created_in_host']} created in the host"
        )
    else:
        subject = (
            f"first synchronization of employees not complete: {result['failed']} "
            f"employee{'s' if result['failed'] != 1 else ''} failed"
        )
    data = {"plan_id": plan_id, "result": result, "found": found, **lists}
    return await notifier.send(tenant_id, "first_sync", subject, "first_sync", data)


def _lists(items: list[FirstSyncItem]) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {
        "linked": [],
        "created_in_fortnox": [],
        "created_in_host": [],
        "skipped": [],
        "failed": [],
    }
    for item in items:
        if item.kind == "duplicate":
            continue
        row = {
            "label": item.label,
            "external_id": item.external_id or item.outcome.get("external_id"),
            "fortnox_id": item.fortnox_id or item.outcome.get("fortnox_id"),
            "to_fortnox": item.outcome.get("to_fortnox") or {},
            "to_host": item.outcome.get("to_host") or {},
            "reason": item.outcome.get("reason") or "",
            "error": item.error or "",
        }
        if item.status == "done":
            key = {"pair": "linked", "host_only": "created_in_fortnox"}.get(
                item.kind, "created_in_host"
            )
            lists[key].append(row)
        elif item.status == "skipped":
            lists["skipped"].append(row)
        elif item.status in ("failed", "working"):
            lists["failed"].append(row)
    return lists
