"""The ledger strategy: importing a register numbered per series and year (vouchers), whose
records come with their rows only one at a time and carry no ``lastmodified``.

What a sweep reads, so an idle sweep stays cheap (see ``docs/flows/projects.md``):

1. per series, one list request for the highest number of the current financial year; each
   number above the highest read before is read once (a new record);
2. at most ``pending_per_sweep`` records not ready yet, the longest-waiting first;
3. at most ``recheck_per_sweep`` imported records, the least recently read first: rows new in
   Fortnox are added; rows removed and records gone are reported, never applied.

A record booked from a supplier invoice brings its image (``ledger_documents.py``): looked for
when it is imported and, until found, at its re-checks; fetched once.

What it keeps between sweeps is described in ``store/ledger.py``. The lists of records to read
again are taken before the new records are read, so a record is read once per sweep at most.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.engine.flow.ledger import LedgerFlow, voucher_parts
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.sync.ledger_documents import DocumentFetcher
from fortnox_bridge.engine.sync.ledger_store import Known, LedgerStore
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError, NotFoundError

#: New records are read this many at a time, then stored in one transaction.
CHUNK = 100


class LedgerStrategy:
    """Applies a :class:`LedgerFlow` (see the module)."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        if wanted is not None:  # an event-driven push concerns host records; nothing to read
            return
        ledger = cast(LedgerFlow, flow)  # only a LedgerFlow is of kind "ledger"
        client = await run.source.get()
        try:
            await LedgerReader(scope, ledger, client, result).sweep()
        except (*RUN_STOPPERS, MissingScopeError):
            raise
        except FortnoxError as exc:  # the rest waits for the next sweep, from where it stopped
            result.error = f"reading {flow.resource} stopped: {exc}"


class TargetedLedger:
    """A ledger flow's records named by an event (see :meth:`LedgerReader.some`)."""

    async def read(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        fortnox_ids: Sequence[str],
    ) -> None:
        client = await run.source.get()
        try:
            await LedgerReader(scope, cast(LedgerFlow, flow), client, result).some(fortnox_ids)
        except (*RUN_STOPPERS, MissingScopeError):
            raise
        except FortnoxError as exc:  # the next sweep reads it
            result.error = f"reading {flow.resource} stopped: {exc}"


class LedgerReader:
    """One sweep of one ledger flow for one tenant."""

    def __init__(self, scope: RunScope, flow: LedgerFlow, client: Any, result: FlowResult):
        self.scope, self.flow, self.result = scope, flow, result
        self.resource = getattr(client, flow.resource)
        self.store = LedgerStore(scope, flow)
        self.documents = DocumentFetcher(scope, flow, client, self.store)

    async def sweep(self) -> None:
        """New records per series, then the pending ones, then imported ones in turn."""
        positions = self.store.positions()
        pending = self.store.oldest("pending", self.flow.pending_per_sweep)
        recheck = self.store.oldest("linked", self.flow.recheck_per_sweep)
        for series in self.flow.series:
            await self._new_in(series, positions.get(series))
        for known in pending:
            await self._look_again(known)
        for known in recheck:
            await self._recheck(known)

    async def _new_in(self, series: str, position: tuple[int, int] | None) -> None:
        page = await self.resource.sublist(series, limit=1, newest_first=True)
        if not page.items:
            return
        last = page.items[0]
        year, top = (
            int(getattr(last, self.flow.year_field)),
            int(getattr(last, self.flow.number_field)),
        )
        start = position[1] if position is not None and position[0] == year else 0
        # A record read already (an event of Fortnox's topics read it) is not read again here.
        seen = self.store.known_ids() if top > start else set()
        for first in range(start + 1, top + 1, CHUNK):
            numbers = range(first, min(first + CHUNK, top + 1))
            read = [
                await self._read(f"{year}/{series}/{number}")
                for number in numbers
                if self.flow.record_id(year, series, number) not in seen
            ]
            with self.store.batch():  # one transaction per chunk read, none held while reading
                for fields in read:
                    if fields is not None:
                        self._first_look(fields)
                self.store.advance(series, year, numbers[-1])
            await self.documents.fetch()

    async def some(self, fortnox_ids: Sequence[str]) -> None:
        """Just these records (``<year id>/<series>/<number>``, an event of Fortnox's topics),
        each read once and stored as a sweep would: a record seen before is looked at again
        (pending) or re-checked (imported), a new one gets its first look; the series position
        moves on when the record is the next number of the series."""
        positions = self.store.positions()
        for fortnox_id in dict.fromkeys(fortnox_ids):
            year, series, number = voucher_parts(fortnox_id)
            if series not in self.flow.series:
                continue
            seen = self.store.known(self.flow.record_id(year, series, number))
            if seen is not None:
                state, known = seen
                if state == "pending":
                    await self._look_again(known)
                elif state == "linked":
                    await self._recheck(known)
                continue
            fields = await self._read(fortnox_id)
            with self.store.batch():
                if fields is not None:
                    self._first_look(fields)
                if positions.get(series) == (year, number - 1):
                    self.store.advance(series, year, number)
                    positions[series] = (year, number)
            await self.documents.fetch()

    async def _read(self, fortnox_id: str) -> dict[str, Any] | None:
        """A record's compared fields, or ``None`` when Fortnox has no such record."""
        try:
            record = await self.resource.get(fortnox_id)
        except NotFoundError:
            return None
        data = record.model_dump(mode="json", include=set(self.flow.pull_fields))
        return {name: normalise(value) for name, value in data.items()}

    def _first_look(self, fields: dict[str, Any]) -> None:
        external_id = self._id_of(fields)
        if not self.flow.imports(external_id, fields):
            self.result.skipped += 1
            return
        if self.flow.ready(fields):
            self._import(external_id, fields, waited=False)
            return
        item = self._item(external_id, fields, "wait", "skipped", "no row on a project yet")
        self.result.count("skipped", item)
        if not self.scope.dry_run:
            self.store.wait(external_id, self._fortnox_id(fields))

    async def _look_again(self, known: Known) -> None:
        fields = await self._read(known.fortnox_id)
        if fields is None or not self.flow.imports(known.external_id, fields):
            self.store.forget(known.external_id)  # never imported: nothing to report
            return
        if self.flow.ready(fields):
            self._import(known.external_id, fields, waited=True)
            await self.documents.fetch()
        else:
            self.result.unchanged += 1
            self.store.touch(known.external_id)

    def _import(self, external_id: str, fields: dict[str, Any], *, waited: bool) -> None:
        reason = "has a row on a project now" if waited else "new in Fortnox"
        item = self._item(external_id, fields, "import", "ok", reason)
        payload = self._payload(fields, item)
        if payload is None:
            return
        if not self.scope.dry_run:
            self.store.imported(external_id, self._fortnox_id(fields), payload, fields)
            self.documents.want(external_id, payload)
        self.result.count("imported", item)

    async def _recheck(self, known: Known) -> None:
        fields = await self._read(known.fortnox_id)
        record = self.store.record(known.external_id)
        reference = self.flow.reference(known.external_id, record)
        if fields is None:
            self._report(known, reference, "it is no longer in Fortnox (cancelled?)")
            self.store.missing(known.external_id)
            return
        imported = list(known.snapshot.get("rows") or [])
        now = self.flow.unmap(fields).get(self.flow.rows_field) or []
        added, removed = self.flow.compare_rows(imported, now)
        if added:
            self._add_rows(known, reference, record, added, imported)
        elif not removed:
            self.result.unchanged += 1
            self.store.touch(known.external_id)
        if removed:
            rows = "; ".join(self.flow.describe_row(row) for row in removed)
            self._report(known, reference, f"rows were removed in Fortnox ({rows})")
        self.documents.want(known.external_id, record)
        await self.documents.fetch()

    def _add_rows(
        self,
        known: Known,
        reference: str,
        record: Mapping[str, Any] | None,
        added: list[dict[str, Any]],
        imported: list[dict[str, Any]],
    ) -> None:
        item = ItemOutcome(
            known.external_id, "import", "ok", f"{len(added)} rows added in Fortnox",
            reference, known.fortnox_id,
        )  # fmt: skip
        rows = [*imported, *added]
        payload = self._payload({**dict(record or {}), self.flow.rows_field: rows}, item, True)
        if payload is None:
            return
        if not self.scope.dry_run:
            self.store.rows_added(known.external_id, payload, rows)
        self.result.count("updated", item)

    def _payload(
        self, fields: Mapping[str, Any], item: ItemOutcome, bridge_form: bool = False
    ) -> dict[str, Any] | None:
        """The bridge's record, checked by the record model (``None``: refused, reported)."""
        data = dict(fields) if bridge_form else self.flow.unmap(fields)
        try:
            model = self.flow.record_model.model_validate(data)
        except ValueError as exc:
            item.outcome, item.problem = "failed", True
            item.message = f"the Fortnox record does not fit the bridge's record: {exc}"
            self.result.count("failed", item)
            return None
        return model.model_dump(mode="json", exclude_none=True)

    def _report(self, known: Known, reference: str, what: str) -> None:
        item = ItemOutcome(
            known.external_id, "import", "failed", "changed in Fortnox", reference,
            known.fortnox_id, problem=True,
        )  # fmt: skip
        item.message = f"{reference}: {what}; the bridge keeps what it imported"
        item.fix = "Correct it with a new voucher in Fortnox, or change the record in the host."
        self.result.count("failed", item)
        if not self.scope.dry_run:
            self.store.touch(known.external_id)

    def _item(
        self, external_id: str, fields: Mapping[str, Any], action: str, outcome: str, reason: str
    ) -> ItemOutcome:
        reference = self.flow.reference(external_id, self.flow.unmap(fields))
        outcome = "planned" if self.scope.dry_run and outcome == "ok" else outcome
        return ItemOutcome(external_id, action, outcome, reason, reference,
                           self._fortnox_id(fields))  # fmt: skip

    def _parts(self, fields: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        flow = self.flow
        return (fields.get(flow.year_field), fields.get(flow.series_field),
                fields.get(flow.number_field))  # fmt: skip

    def _id_of(self, fields: Mapping[str, Any]) -> str:
        return self.flow.record_id(*self._parts(fields))

    def _fortnox_id(self, fields: Mapping[str, Any]) -> str:
        return "/".join(str(part) for part in self._parts(fields))
