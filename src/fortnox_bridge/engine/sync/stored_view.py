"""A read-only look at one tenant's stored records, links and flow settings, for the flows that
decide how changes stand after a run (a builder's ``settle``) without reading the store
themselves.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.tenants import TenantRepository


class StoredView:
    """What the store holds for one tenant, read as needed inside the caller's transaction."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self._mirror = MirrorRepository(session)
        self._links = LinkRepository(session)
        self._configs = FlowConfigRepository(session)
        self._tenants = TenantRepository(session)

    def record(self, entity: str, external_id: str) -> MirrorRecord | None:
        """One mirror record (deleted ones included) by its host id."""
        return self._mirror.get(self.tenant_id, entity, external_id)

    def live(self, entity: str) -> list[MirrorRecord]:
        """Every record of ``entity`` that is not deleted, in host-key order."""
        return self._mirror.live(self.tenant_id, entity)

    def link(self, entity: str, external_id: str) -> Link | None:
        """The link of one host record to Fortnox."""
        return self._links.get(self.tenant_id, entity, external_id)

    def in_fortnox(self, entity: str, external_id: str, version: int) -> bool:
        """Whether the record is linked to Fortnox at ``version`` or later."""
        link = self.link(entity, external_id)
        return (
            link is not None
            and link.state == "linked"
            and link.synced_version is not None
            and link.synced_version >= version
        )

    def flow_enabled(self, flow: str) -> bool:
        """Whether the tenant has ``flow`` configured and on, and uses its family (the first
        part of its name). For a flow of another family, known here by name only, that is off
        by default and no base flow; the rule for any flow is ``context.is_enabled``."""
        if flow.split(".", 1)[0] not in self._tenants.families(self.tenant_id):
            return False
        config = self._configs.for_tenant(self.tenant_id).get(flow)
        return config is not None and config.enabled
