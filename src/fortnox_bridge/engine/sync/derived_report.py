"""What the run log says about a derived record: one line per host record, however many
Fortnox records (parts) it has."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.sync.deriving import DerivedFlow, Head
from fortnox_bridge.fortnox.errors import LOCKED_PERIOD_WORDS
from fortnox_bridge.store.models import Link

#: Past tense of a part action, for the run log.
DONE = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass
class PartOutcome:
    """What happened to one host record's parts in this run."""

    writes: dict[str, list[str]] = field(default_factory=dict)  # action → part keys
    failures: list[ItemOutcome] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    busy: bool = False

    def add(self, action: str, key: str) -> None:
        """Note a part written (or planned) with ``action``."""
        self.writes.setdefault(action, []).append(key)


def report(
    result: FlowResult,
    item: ItemOutcome,
    outcome: PartOutcome,
    *,
    reason: str,
    warning: str | None,
    nothing_wanted: bool,
    dry_run: bool,
) -> None:
    """Count one host record's outcome in ``result`` and log it in ``item``. ``nothing_wanted``:
    the record is deleted or wants nothing in Fortnox."""
    done = outcome.writes
    summary = "; ".join(f"{DONE[action]} {days(keys)}" for action, keys in sorted(done.items()))
    if dry_run:
        for planned_action, keys in done.items():
            for _ in keys:
                result.count(DONE[planned_action])
    item.changes = {action: list(keys) for action, keys in done.items()}
    if outcome.held:
        item.reason = "held back: " + "; ".join(outcome.held)
        item.problem = True
        result.count("skipped", item)
        return
    if outcome.failures:
        first = next((f for f in outcome.failures if f.outcome == "failed"), None)
        if first is None:  # only busy parts: another worker is on them
            skip(result, item, "another worker is writing this record right now")
            return
        failed = [f.external_id for f in outcome.failures if f.outcome == "failed"]
        item.action = action_word(done) or first.action
        item.outcome, item.problem = "failed", True
        item.status, item.code = first.status, first.code
        item.refused = first.refused
        item.message = f"Fortnox refused {days(failed)}: {first.message}"
        item.explanation, item.fix = first.explanation, first.fix
        item.reason = summary or reason
        result.items.append(item)
        return
    if warning:
        item.reason = warning + (f" ({summary})" if summary else "")
        item.problem = True
        result.count("skipped", item)
        return
    action = action_word(done)
    if action is None:
        if nothing_wanted:
            # Nothing (left) in Fortnox, as wanted: an ok line closes earlier problems.
            item.outcome = "planned" if dry_run else "ok"
            item.reason = f"nothing in Fortnox: {reason}"
            result.count("skipped", item)
        else:
            result.count("unchanged")
        return
    item.action = action
    item.outcome = "planned" if dry_run else "ok"
    item.reason = f"{summary} ({reason})" if reason else summary
    result.items.append(item)


def skip(result: FlowResult, item: ItemOutcome, reason: str, *, problem: bool = False) -> None:
    """Count a host record skipped for ``reason``."""
    item.reason, item.problem = reason, problem
    result.count("skipped", item)


def locked_refusal(outcome: ItemOutcome) -> bool:
    """Whether Fortnox refused a write because its date is in the locked period."""
    text = (outcome.message or "").lower()
    return outcome.status == 400 and any(word in text for word in LOCKED_PERIOD_WORDS)


def action_word(done: Mapping[str, list[str]]) -> str | None:
    """One word for what happened to a record's parts."""
    kinds = {action for action, keys in done.items() if keys}
    if not kinds:
        return None
    if len(kinds) == 1:
        return kinds.pop()
    return "update"


def days(keys: list[str]) -> str:
    """``2026-01-05, 2026-01-06`` or, for many, ``2026-01-05 … 2026-06-30 (128)``."""
    ordered = sorted(keys)
    if len(ordered) <= 3:
        return ", ".join(ordered)
    return f"{ordered[0]} … {ordered[-1]} ({len(ordered)})"


def disconnected_reason(flow: DerivedFlow, disconnected: dict[str, Link], head: Head | None) -> str:
    """Why a record with disconnected parts gets no further updates."""
    names = flow.disconnect_on
    old = sorted({str(link.snapshot.get(n)) for link in disconnected.values() for n in names})
    new = [str(head.fields.get(n)) if head else "?" for n in names]
    return (
        f"disconnected: {len(disconnected)} Fortnox record(s) were written with "
        f"{'/'.join(old)}, the record now maps to {'/'.join(new)}; they get no further updates "
        f"(seed behaviour) until edited to match in Fortnox; {flow.rewrite_hint}"
    )
