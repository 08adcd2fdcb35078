"""Unique host values: fields no two live records of one entity may share within a tenant.

Some host fields name a person as surely as the host id does: an employee's e-mail address,
phone number and employment id. Looking for a holder before writing is not enough — two requests
that want one value at the same moment both find it free. So the values of every live record are
kept, normalised, in ``unique_values``, whose unique constraint on (tenant, entity, field,
value) lets only one record hold a value; :class:`~fortnox_bridge.store.mirror.MirrorRepository`
keeps the table in step with each mirror write, in the same transaction, and raises
:class:`ValueTaken` when a record wants a value another one holds. A deleted record holds none.

Values are compared normalised: e-mail addresses trimmed and case-folded, phone numbers in
international form (``070-000 00 01`` and ``+46 70 000 00 01`` are both ``+46700000001``),
employment ids trimmed but otherwise as given. Changing a field list or a normaliser changes
what the table should hold: it needs a migration that fills the table again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, Table, and_, bindparam, delete, or_, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import UniqueValue

#: At most this many values in one query: far below every backend's parameter limit.
CHUNK = 2000

#: PostgreSQL's claim of many values: three arrays, one short statement, the inserted rows back.
_CLAIM_POSTGRESQL = text(
    """
    INSERT INTO unique_values (tenant_id, entity_type, field, value, external_id)
    SELECT :tenant_id, :entity_type, claim.field, claim.value, claim.external_id
    FROM unnest(CAST(:fields AS varchar[]), CAST(:values AS varchar[]), CAST(:holders AS varchar[]))
        WITH ORDINALITY AS claim(field, value, external_id, position)
    ORDER BY claim.position
    ON CONFLICT (tenant_id, entity_type, field, value) DO NOTHING
    RETURNING id
    """
)


def email_value(value: Any) -> str | None:
    """``' Karin.Ek@Example.se'`` → ``'karin.ek@example.se'``; ``None`` when blank."""
    plain = str(value).strip().casefold() if value is not None else ""
    return plain or None


_SEPARATORS = re.compile(r"[\s\-./()]")
_TRUNK_ZERO = re.compile(r"^(\+|00)(\d{1,3})\s*\(0\)")


def phone_value(value: Any) -> str | None:
    """A phone number in international form (E.164); ``None`` when blank.

    Spaces, hyphens, dots, slashes and brackets are dropped; a leading ``00`` is ``+``; a
    leading ``0`` is a Swedish number (``070-000 00 01`` → ``+46700000001``); the ``(0)`` of
    ``+46 (0)70 ...`` is dropped. Digits without a leading ``+`` or ``0`` are kept as they are,
    and anything that is not a number is compared trimmed and without regard to case.
    """
    plain = str(value).strip() if value is not None else ""
    if not plain:
        return None
    compact = _SEPARATORS.sub("", _TRUNK_ZERO.sub(r"\1\2", plain))
    if re.fullmatch(r"\+[0-9]+", compact):
        return compact
    if re.fullmatch(r"00[0-9]+", compact):
        return "+" + compact[2:]
    if re.fullmatch(r"0[0-9]+", compact):
        return "+46" + compact[1:]
    if re.fullmatch(r"[0-9]+", compact):
        return compact
    return " ".join(plain.split()).casefold()


def text_value(value: Any) -> str | None:
    """The value trimmed, otherwise as given; ``None`` when blank."""
    plain = str(value).strip() if value is not None else ""
    return plain or None


@dataclass(frozen=True)
class UniqueField:
    """One unique field of an entity and how its values are compared."""

    name: str
    normalise: Callable[[Any], str | None]
    #: How values are compared, for messages: ``phone numbers are compared in international form``.
    compared: str


#: The unique fields of each entity. An entity not named here has none.
UNIQUE_FIELDS: Mapping[str, tuple[UniqueField, ...]] = {
    "employee": (
        UniqueField(
            "email", email_value, "e-mail addresses are compared trimmed and without regard to case"
        ),
        UniqueField("phone", phone_value, "phone numbers are compared in international form"),
        UniqueField(
            "employment_id", text_value, "employment ids are compared trimmed, otherwise as given"
        ),
    ),
}


def unique_fields(entity_type: str) -> tuple[UniqueField, ...]:
    """The unique fields of ``entity_type`` (none for most entities)."""
    return UNIQUE_FIELDS.get(entity_type, ())


def values_of(entity_type: str, payload: Mapping[str, Any] | None) -> dict[str, str]:
    """``{field: normalised value}`` of the unique fields ``payload`` fills."""
    if payload is None:
        return {}
    found = {}
    for unique in unique_fields(entity_type):
        value = unique.normalise(payload.get(unique.name))
        if value is not None:
            found[unique.name] = value
    return found


class Change(NamedTuple):
    """One record's write as far as its unique values go: its live payload before and after
    (``None``: absent or deleted)."""

    external_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class Taken:
    """A value a record wanted but another record holds."""

    external_id: str
    field: str
    #: The value as the record had it, and normalised.
    given: str
    value: str
    #: Who holds it; ``None`` if it was free again when looked up (try once more).
    holder: str | None


class ValueTaken(Exception):
    """Records wanted unique values that other records hold; nothing of the write may stay."""

    def __init__(self, entity_type: str, taken: Sequence[Taken]) -> None:
        self.entity_type = entity_type
        self.taken = list(taken)
        label = entity_type.replace("_", " ")
        first = self.taken[0]
        held = f"{label} {first.holder!r} has it" if first.holder else "another record took it"
        more = f" (and {len(self.taken) - 1} more)" if len(self.taken) > 1 else ""
        super().__init__(
            f"{label} {first.external_id!r} cannot have {first.field} {first.given!r}: {held}"
            f"{more}; each {label} needs its own {first.field}"
        )


class UniqueValueRepository:
    """Reads and moves the unique values of records within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def holders(
        self, tenant_id: int, entity_type: str, wanted: Mapping[str, Collection[str]]
    ) -> dict[tuple[str, str], str]:
        """``{(field, value): host id}`` of the records that hold the wanted normalised values
        (``wanted`` is ``{field: values}``)."""
        pairs = sorted({(name, value) for name, values in wanted.items() for value in values})
        found: dict[tuple[str, str], str] = {}
        for start in range(0, len(pairs), CHUNK):
            for field, value, external_id in self._held(tenant_id, entity_type, pairs, start):
                found[(field, value)] = external_id
        return found

    def move(self, tenant_id: int, entity_type: str, changes: Sequence[Change]) -> None:
        """Let each record give up the values it no longer has and take its new ones.

        A value is claimed only when the record did not have it before: a record that kept a
        value another one holds (data from before the values were kept) keeps it unclaimed.
        Raises :class:`ValueTaken` if a wanted value is held by another record (also one a
        concurrent transaction committed meanwhile); the caller must then roll back.
        """
        if not unique_fields(entity_type) or not changes:
            return
        releases: list[dict[str, Any]] = []
        claims: list[dict[str, Any]] = []
        given: dict[tuple[str, str], str] = {}
        for change in changes:
            old = values_of(entity_type, change.before)
            new = values_of(entity_type, change.after)
            for unique in unique_fields(entity_type):
                name = unique.name
                if old.get(name) == new.get(name):
                    continue
                if name in old:
                    releases.append({"holder": change.external_id, "name": name})
                if name in new:
                    claims.append(
                        {
                            "tenant_id": tenant_id,
                            "entity_type": entity_type,
                            "field": name,
                            "value": new[name],
                            "external_id": change.external_id,
                        }
                    )
                    raw = change.after.get(name) if change.after is not None else None
                    given[(change.external_id, name)] = str(raw)
        table = cast(Table, UniqueValue.__table__)
        if releases:
            self.session.execute(
                delete(table).where(
                    table.c.tenant_id == tenant_id,
                    table.c.entity_type == entity_type,
                    table.c.external_id == bindparam("holder"),
                    table.c.field == bindparam("name"),
                ),
                releases,
            )
        if not claims:
            return
        # In one order, so two transactions that want several values wait instead of deadlocking.
        claims.sort(key=lambda claim: (claim["field"], claim["value"]))
        if self._claim(tenant_id, entity_type, claims):
            return
        taken = self._lost(tenant_id, entity_type, claims, given)
        if taken:
            raise ValueTaken(entity_type, taken)

    def _claim(self, tenant_id: int, entity_type: str, claims: list[dict[str, Any]]) -> bool:
        """Insert the claims whose values nobody holds; whether every one went in.

        A value another transaction is inserting makes the insert wait for it: it is taken if
        that transaction commits, and ours if it rolls back.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            # Three arrays instead of one statement (or five placeholders) per value: the
            # values of a batch of 1,000 employees go in with one short statement.
            inserted = self.session.execute(
                _CLAIM_POSTGRESQL,
                {
                    "tenant_id": tenant_id,
                    "entity_type": entity_type,
                    "fields": [claim["field"] for claim in claims],
                    "values": [claim["value"] for claim in claims],
                    "holders": [claim["external_id"] for claim in claims],
                },
            ).all()
            return len(inserted) == len(claims)
        table = cast(Table, UniqueValue.__table__)
        key = ["tenant_id", "entity_type", "field", "value"]
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=key)
        result = cast(CursorResult[Any], self.session.execute(statement, claims))
        return result.rowcount == len(claims)

    def _lost(
        self,
        tenant_id: int,
        entity_type: str,
        claims: list[dict[str, Any]],
        given: Mapping[tuple[str, str], str],
    ) -> list[Taken]:
        """The claims the database did not take, with who holds their values."""
        pairs = [(claim["field"], claim["value"]) for claim in claims]
        held: dict[tuple[str, str], str] = {}
        for start in range(0, len(pairs), CHUNK):
            for field, value, external_id in self._held(tenant_id, entity_type, pairs, start):
                held[(field, value)] = external_id
        taken = []
        for claim in claims:
            name, value, external_id = claim["field"], claim["value"], claim["external_id"]
            holder = held.get((name, value))
            if holder != external_id:
                taken.append(Taken(external_id, name, given[(external_id, name)], value, holder))
        return taken

    def _held(
        self, tenant_id: int, entity_type: str, pairs: Sequence[tuple[str, str]], start: int
    ) -> list[tuple[str, str, str]]:
        chunk = pairs[start : start + CHUNK]
        rows = self.session.execute(
            select(UniqueValue.field, UniqueValue.value, UniqueValue.external_id).where(
                UniqueValue.tenant_id == tenant_id,
                UniqueValue.entity_type == entity_type,
                or_(
                    *(
                        and_(
                            UniqueValue.field == name,
                            UniqueValue.value.in_([v for f, v in chunk if f == name]),
                        )
                        for name in sorted({name for name, _ in chunk})
                    )
                ),
            )
        )
        return [(str(f), str(v), str(e)) for f, v, e in rows]
