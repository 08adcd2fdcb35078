"""The Fortnox registers payroll lines name: projects and cost centres.

A salary day's line carries the Fortnox number of its project and a cost-centre code. Fortnox
refuses an attendance or absence transaction whose project or cost centre it does not have, so
before the payroll flows write a day they check each code against ``/3/projects`` and
``/3/costcenters``, read only when a line names one. What was read is kept on the connection's
cached facts for :data:`REGISTERS_TTL`, so the runs in between read neither register again: days
held back cost no request on every sweep. A pre-flight check (on connect, daily and on demand)
drops the kept copy, so the next run reads the registers afresh. A code Fortnox lacks is handled
as the flow's setting for that register says:

- ``hold`` (the default): the whole day is held back, nothing of it is written, with a problem
  that names the code and how to fix it; runs look again once the kept copy is older than
  :data:`REGISTERS_TTL` (or after a pre-flight check);
- ``create``: the bridge creates the project (the code as number and name) or the cost centre
  (the code as code and name) in Fortnox, then writes the day;
- ``omit``: the lines are written without the project (or cost centre), and the run item says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic.config import JsonDict

from fortnox_bridge.engine.sync.preflight import RegisterGaps
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import (
    MissingLicenceError,
    MissingScopeError,
    PermissionDeniedError,
)

#: What a payroll flow does with a line whose project or cost centre Fortnox lacks.
MissingPolicy = Literal["hold", "create", "omit"]
#: The setting choices, in words (the admin UI shows them, translated).
CHOICES: JsonDict = {
    "hold": "Hold the day back until the code is in Fortnox",
    "create": "Create it in Fortnox, then write the day",
    "omit": "Write the lines without it",
}


@dataclass(frozen=True)
class Register:
    """A Fortnox register a payroll line names."""

    #: The line's field (``project``, ``cost_center``).
    field: str
    #: The client's resource and the list row's code attribute.
    resource: str
    code_attribute: str
    #: The flow setting that decides what a missing code does.
    setting: str
    #: In words: ``project``, ``cost centre``; where it is made by hand in Fortnox.
    words: str
    where: str

    def fields(self, code: str) -> dict[str, Any]:
        """What a new record of the register gets: the code as its id and its name."""
        if self.field == "project":
            return {"project_number": code, "description": code[:50]}
        return {"code": code, "description": code}


PROJECT = Register(
    "project", "projects", "project_number", "missing_project", "project",
    "Fortnox's project register (Projekt)",
)  # fmt: skip
COST_CENTER = Register(
    "cost_center", "cost_centers", "code", "missing_cost_center", "cost centre",
    "Fortnox's cost-centre register (Kostnadsställen)",
)  # fmt: skip
REGISTERS = (PROJECT, COST_CENTER)


#: How long the codes read of a register are trusted by later runs.
REGISTERS_TTL = timedelta(minutes=15)


class KnownCodes:
    """The codes of each register Fortnox has, read on first need and kept for the run (and,
    through :meth:`load` and :meth:`to_facts`, for the runs of the next :data:`REGISTERS_TTL`)."""

    def __init__(self) -> None:
        self._codes: dict[str, set[str]] = {}
        self._unreadable: set[str] = set()
        #: When each register kept from an earlier run was read (ISO time); the registers read
        #: in this run have none until :meth:`to_facts` stamps them.
        self._read_at: dict[str, str] = {}

    def load(self, cached: Mapping[str, Any], now: datetime) -> None:
        """Take the registers an earlier run read (``{"project": {"read_at": ..., "codes":
        [...] or None when unreadable}}``) that are younger than :data:`REGISTERS_TTL`."""
        for register in REGISTERS:
            entry = cached.get(register.field)
            if not isinstance(entry, Mapping) or register.field in self._read_at:
                continue
            read_at = entry.get("read_at")
            if (
                not isinstance(read_at, str)
                or now - datetime.fromisoformat(read_at) > REGISTERS_TTL
            ):
                continue
            codes = entry.get("codes")
            if codes is None:
                self._unreadable.add(register.field)
            else:
                self._codes[register.field] = {str(code) for code in codes}
            self._read_at[register.field] = read_at

    def to_facts(self, now: datetime) -> dict[str, Any]:
        """What to keep for later runs: every register known, with when it was read (``now``
        for those read in this run)."""
        kept: dict[str, Any] = {}
        for register in REGISTERS:
            name = register.field
            if name in self._unreadable:
                codes = None
            elif name in self._codes:
                codes = sorted(self._codes[name])
            else:
                continue
            kept[name] = {"read_at": self._read_at.get(name, now.isoformat()), "codes": codes}
        return kept

    async def of(self, register: Register, client: FortnoxClient) -> set[str] | None:
        """The codes Fortnox has (one list read per run); ``None`` when the connection may not
        read the register (no ``project`` / ``costcenter`` scope): then it is not checked and
        Fortnox itself refuses a code it lacks."""
        if register.field in self._unreadable:
            return None
        found = self._codes.get(register.field)
        if found is None:
            resource = getattr(client, register.resource)
            found = set()
            try:
                async for row in resource.iterate():
                    code = getattr(row, register.code_attribute)
                    if code:
                        found.add(str(code))
            except (MissingScopeError, PermissionDeniedError, MissingLicenceError):
                self._unreadable.add(register.field)
                return None
            self._codes[register.field] = found
        return found

    def unreadable(self) -> list[Register]:
        """The registers the connection may not read (found so far)."""
        return [r for r in REGISTERS if r.field in self._unreadable]

    def add(self, register: Register, code: str) -> None:
        """``code`` was created in Fortnox."""
        self._codes.setdefault(register.field, set()).add(code)


def codes_in(lines: Iterable[Mapping[str, Any]], register: Register) -> set[str]:
    """The codes of ``register`` the lines name."""
    return {str(line[register.field]) for line in lines if line.get(register.field)}


async def missing_codes(
    lines: Iterable[Mapping[str, Any]], known: KnownCodes, client: FortnoxClient
) -> dict[Register, list[str]]:
    """The codes the lines name that Fortnox lacks, by register (registers with none left out)."""
    rows = list(lines)
    found: dict[Register, list[str]] = {}
    for register in REGISTERS:
        used = codes_in(rows, register)
        have = await known.of(register, client) if used else None
        if have is not None and used - have:
            found[register] = sorted(used - have)
    return found


def held_message(register: Register, codes: list[str], flow: str) -> str:
    """Why a day is held back, naming the codes and how to fix it."""
    many = len(codes) > 1
    named = ", ".join(codes)
    return (
        f"{register.words} {named} {'are' if many else 'is'} not in Fortnox: create "
        f"{'them' if many else 'it'} in {register.where}, or set {flow}'s {register.setting} "
        f"to 'create' (the bridge creates {'them' if many else 'it'}) or 'omit' (the lines "
        f"are written without the {register.words})"
    )


@dataclass
class Checked:
    """The lines of a day after the register check, and what the check says."""

    lines: list[dict[str, Any]]
    held: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    creates: list[tuple[Register, str]] = field(default_factory=list)


async def check_lines(
    lines: list[dict[str, Any]],
    policies: Mapping[str, str],
    flow: str,
    known: KnownCodes,
    client: FortnoxClient,
) -> Checked:
    """Check the lines' projects and cost centres against Fortnox (see the module doc)."""
    checked = Checked(lines)
    for register, codes in (await missing_codes(lines, known, client)).items():
        policy = policies.get(register.setting, "hold")
        named = ", ".join(codes)
        if policy == "create":
            checked.creates.extend((register, code) for code in codes)
            checked.notes.append(
                f"{register.words} {named} missing in Fortnox: the bridge creates it "
                f"({register.setting} = create)"
            )
        elif policy == "omit":
            checked.lines = _without(checked.lines, register, set(codes))
            checked.notes.append(
                f"{register.words} {named} missing in Fortnox: written without the "
                f"{register.words} ({register.setting} = omit)"
            )
        else:
            checked.held.append(held_message(register, codes, flow))
    return checked


def creator(
    creates: list[tuple[Register, str]], known: KnownCodes, client: FortnoxClient
) -> Callable[[], Awaitable[None]]:
    """Creates the missing records in Fortnox (awaited before the day's first write)."""

    async def create() -> None:
        for register, code in creates:
            if code in (await known.of(register, client) or set()):
                continue  # another day of this run created it
            await getattr(client, register.resource).create(register.fields(code))
            known.add(register, code)

    return create


def _without(
    lines: list[dict[str, Any]], register: Register, codes: set[str]
) -> list[dict[str, Any]]:
    """The lines with ``codes`` of ``register`` left off; lines that then agree are summed."""
    summed: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    for line in lines:
        line = dict(line)
        if line.get(register.field) in codes:
            line[register.field] = None
        key = tuple((k, v) for k, v in sorted(line.items()) if k != "hours")
        if key in summed:
            total = Decimal(str(summed[key]["hours"])) + Decimal(str(line["hours"]))
            summed[key]["hours"] = format(total.normalize(), "f")
        else:
            summed[key] = line
    return [summed[key] for key in sorted(summed, key=repr)]


async def gaps(
    flow: str,
    lines: list[dict[str, Any]],
    settings: Any,
    known: KnownCodes,
    client: FortnoxClient,
) -> RegisterGaps | None:
    """What pre-flight says of the codes ``flow``'s lines name that Fortnox lacks (``settings``:
    the flow's, with its ``missing_*`` choices); ``None`` when nothing is missing."""
    missing = await missing_codes(lines, known, client)
    unread = [r for r in known.unreadable() if codes_in(lines, r)]
    if unread and not missing:
        words = " and ".join(f"{r.words}s" for r in unread)
        return RegisterGaps(
            "warn",
            f"{flow}: cannot read the {words} in Fortnox (the connection lacks the scope): they "
            "are not checked before writing; reconnect to grant it",
            {},
        )
    if not missing:
        return None
    policies = {r: str(getattr(settings, r.setting, "hold")) for r in missing}
    named = " and ".join(f"{r.words} {', '.join(codes)}" for r, codes in missing.items())
    many = len(missing) > 1 or any(len(codes) > 1 for codes in missing.values())
    chosen = ", ".join(f"{r.setting}: {policy}" for r, policy in policies.items())
    return RegisterGaps(
        "fail" if "hold" in policies.values() else "warn",
        f"{flow}: {named} {'are' if many else 'is'} used but not in Fortnox ({chosen})",
        {r.field: codes for r, codes in missing.items()},
    )
