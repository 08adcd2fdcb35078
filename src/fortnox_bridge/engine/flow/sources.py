"""Where flows get Fortnox's data: the client source of a run and records as a pull reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic import ValidationError as RecordInvalid

from fortnox_bridge.engine.flow.base import Flow, normalise
from fortnox_bridge.fortnox import FortnoxClient


class ClientSource(Protocol):
    """Hands out the tenant's Fortnox client when a flow first needs one (idle runs need none)."""

    async def get(self) -> FortnoxClient:
        """The client (opened on first use)."""
        ...

    @property
    def requests_made(self) -> int:
        """Requests sent so far through the client (0 if never opened)."""
        ...


class FixedClient:
    """A :class:`ClientSource` over a client the caller opened."""

    def __init__(self, client: FortnoxClient) -> None:
        self.client = client

    async def get(self) -> FortnoxClient:
        """The client."""
        return self.client

    @property
    def requests_made(self) -> int:
        """Requests sent so far."""
        return self.client.requests_made

    @property
    def write_requests_made(self) -> int:
        """Write requests sent so far."""
        return self.client.write_requests_made


@dataclass
class RemoteRecord:
    """One Fortnox record as a pull flow sees it: its id and the compared fields it showed."""

    fortnox_id: str
    fields: dict[str, Any]
    known: frozenset[str]


def remote_record(flow: Flow, row: BaseModel) -> RemoteRecord:
    """The compared fields of a list row: only those Fortnox actually sent are known."""
    known = frozenset(flow.pull_fields & row.model_fields_set)
    data = row.model_dump(mode="json", include=set(known) | {flow.fortnox_id_field})
    fields = {name: normalise(data.get(name)) for name in known}
    return RemoteRecord(
        str(data.get(flow.fortnox_id_field)),
        {k: v for k, v in fields.items() if v is not None},
        known,
    )


def first_error(exc: RecordInvalid) -> str:
    """The first validation error as ``field: message``."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"
