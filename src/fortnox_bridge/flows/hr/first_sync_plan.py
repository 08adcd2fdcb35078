"""Matching for the first synchronization of employees. Pure: no I/O.

Unlinked host employees meet unlinked Fortnox employees in two passes:

1. by e-mail, trimmed and case-insensitive, when exactly one employee on each side has it;
2. then by employment id: the host's ``employment_id`` equal to Fortnox's ``EmployeeId``.

What is left is host-only or Fortnox-only. An e-mail that two employees of one side share matches
nobody by e-mail (which of them would it be?); such employees can still meet by employment id.
Duplicates of e-mail, phone and employment id inside either side are listed with the employees
involved, whether linked already or not, as long as one of them is part of this plan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fortnox_bridge.engine.flow.base import normalise

R = TypeVar("R")


@dataclass(frozen=True)
class HostRow:
    """A live host employee as matching sees it."""

    external_id: str
    payload: Mapping[str, Any]
    linked: bool = False

    @property
    def email(self) -> str | None:
        """The matching key of the e-mail."""
        return email_key(self.payload.get("email"))

    @property
    def employment_id(self) -> str | None:
        """The host's employment id, trimmed."""
        return id_key(self.payload.get("employment_id"))


@dataclass(frozen=True)
class FortnoxRow:
    """A Fortnox employee as the list shows it."""

    fortnox_id: str
    fields: Mapping[str, Any]
    linked: bool = False

    @property
    def email(self) -> str | None:
        """The matching key of the e-mail."""
        return email_key(self.fields.get("email"))


@dataclass(frozen=True)
class Duplicate:
    """One value that several employees of one side share."""

    side: str  # "host" or "fortnox"
    field: str  # host field name: "email", "phone", "employment_id"
    value: str
    members: tuple[str, ...]  # host ids or Fortnox ids


@dataclass
class Matching:
    """Who meets whom on a first synchronization."""

    #: ``(host id, Fortnox id, "email" | "employment_id")``.
    pairs: list[tuple[str, str, str]] = field(default_factory=list)
    host_only: list[str] = field(default_factory=list)
    fortnox_only: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)


def email_key(value: Any) -> str | None:
    """An e-mail address as it is matched: trimmed, lower case; ``None`` when blank."""
    text = str(value or "").strip().lower()
    return text or None


def id_key(value: Any) -> str | None:
    """An employment id as it is matched: trimmed; ``None`` when blank."""
    text = str(value or "").strip()
    return text or None


def phone_key(value: Any) -> str | None:
    """A phone number as duplicates are found: digits only, +46 written as a leading 0."""
    text = str(value or "").strip()
    if text.startswith("+46"):
        text = "0" + text[3:]
    digits = re.sub(r"\D", "", text)
    return digits or None


def match(host: Sequence[HostRow], fortnox: Sequence[FortnoxRow]) -> Matching:
    """Pairs, host-only and Fortnox-only employees among the unlinked ones, and duplicates."""
    result = Matching(duplicates=duplicates(host, fortnox))
    hosts = {row.external_id: row for row in host if not row.linked}
    remote = {row.fortnox_id: row for row in fortnox if not row.linked}
    host_emails = _groups(hosts.values(), lambda r: r.email, lambda r: r.external_id)
    remote_emails = _groups(remote.values(), lambda r: r.email, lambda r: r.fortnox_id)
    for email, host_ids in sorted(host_emails.items()):
        fortnox_ids = remote_emails.get(email, [])
        if len(host_ids) == 1 and len(fortnox_ids) == 1:
            result.pairs.append((host_ids[0], fortnox_ids[0], "email"))
    paired_host = {pair[0] for pair in result.pairs}
    paired_remote = {pair[1] for pair in result.pairs}
    all_ids = _groups(host, lambda r: r.employment_id, lambda r: r.external_id)
    for external_id, row in sorted(hosts.items()):
        wanted = row.employment_id
        if external_id in paired_host or wanted is None or len(all_ids[wanted]) > 1:
            continue
        if wanted in remote and wanted not in paired_remote:
            result.pairs.append((external_id, wanted, "employment_id"))
            paired_host.add(external_id)
            paired_remote.add(wanted)
    result.host_only = sorted(set(hosts) - paired_host)
    result.fortnox_only = sorted(set(remote) - paired_remote, key=_id_order)
    result.pairs.sort(key=lambda pair: pair[0])
    return result


def duplicates(host: Sequence[HostRow], fortnox: Sequence[FortnoxRow]) -> list[Duplicate]:
    """Values shared by several employees of one side, where one of them is unlinked."""
    found: list[Duplicate] = []
    host_keys: dict[str, Callable[[HostRow], str | None]] = {
        "email": lambda r: r.email,
        "phone": lambda r: phone_key(r.payload.get("phone")),
        "employment_id": lambda r: r.employment_id,
    }
    for name, key in host_keys.items():
        groups = _groups(host, key, lambda r: r.external_id)
        unlinked = {r.external_id for r in host if not r.linked}
        found.extend(_shared("host", name, groups, unlinked))
    remote_keys: dict[str, Callable[[FortnoxRow], str | None]] = {
        "email": lambda r: r.email,
        "phone": lambda r: phone_key(r.fields.get("phone1")),
    }
    for name, remote_key in remote_keys.items():
        groups = _groups(fortnox, remote_key, lambda r: r.fortnox_id)
        unlinked = {r.fortnox_id for r in fortnox if not r.linked}
        found.extend(_shared("fortnox", name, groups, unlinked))
    return found


def differences(
    host_mapped: Mapping[str, Any], fortnox_fields: Mapping[str, Any], fields: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """``{host field: {"host": value, "fortnox": value}}`` for each compared field that differs.

    ``fields`` maps host field names to Fortnox field names; ``host_mapped`` is the host record
    mapped to Fortnox field names. A blank and a missing value are the same.
    """
    found: dict[str, dict[str, Any]] = {}
    for host_name, fortnox_name in fields.items():
        ours = normalise(host_mapped.get(fortnox_name))
        theirs = normalise(fortnox_fields.get(fortnox_name))
        if ours != theirs:
            found[host_name] = {"host": ours, "fortnox": theirs}
    return found


def label(given: Any, family: Any, email: Any) -> str:
    """``Karin Ek <karin.ek@example.se>`` (parts that are missing are left out)."""
    name = " ".join(str(part) for part in (given, family) if part)
    if email:
        return f"{name} <{email}>" if name else str(email)
    return name or "(no name)"


def _groups(
    rows: Iterable[R], key: Callable[[R], str | None], ident: Callable[[R], str]
) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        value = key(row)
        if value is not None:
            groups[value].append(ident(row))
    return groups


def _shared(
    side: str, name: str, groups: Mapping[str, list[str]], unlinked: set[str]
) -> list[Duplicate]:
    order = _id_order if side == "fortnox" else str
    return [
        Duplicate(side, name, value, tuple(sorted(members, key=order)))
        for value, members in sorted(groups.items())
        if len(members) > 1 and unlinked.intersection(members)
    ]


def _id_order(fortnox_id: str) -> tuple[int, str]:
    """Fortnox ids in natural order: numbers by value, then the rest."""
    return (int(fortnox_id), "") if fortnox_id.isdigit() else (2**63, fortnox_id)
