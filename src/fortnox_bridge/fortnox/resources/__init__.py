"""The Fortnox resources of a client; :class:`Resources` puts one of each on the client.

Adding a resource: add its row to ``scripts/fortnox_resources.py`` (module, client attribute, scope,
path, id parameter) and run the script: it writes the models, the catalogue and the client's
attributes (``attributes.py``), with a plain :class:`~.base.Resource` (or
:class:`~.base.Singleton`) class for the resource. Only a resource with calls of its own (actions
such as bookkeeping an invoice, paths beside the catalogue's) gets a hand-written module here, a
subclass named ``<Module>Resource``; the script then uses that class instead.
"""

from __future__ import annotations

from typing import Any

import httpx

from fortnox_bridge.fortnox.resources.attributes import ResourceAttributes
from fortnox_bridge.fortnox.resources.sie import SieResource


class Resources(ResourceAttributes):
    """The resources of a client, one attribute each (``client.customers``, ...).

    The client subclasses this and implements :meth:`request` and :meth:`request_raw`.
    """

    def __init__(self) -> None:
        super().__init__(self)
        #: The SIE export: a path beside the catalogue's registers (no model).
        self.sie = SieResource(self)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send a request; return the decoded JSON object (implemented by the client)."""
        raise NotImplementedError

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send a request; return the raw response (implemented by the client)."""
        raise NotImplementedError
