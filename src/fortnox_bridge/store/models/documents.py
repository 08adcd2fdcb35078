"""Documents the bridge fetched from Fortnox for a record (a voucher's scanned supplier
invoice): what is known of the file; the bytes are in a :class:`~fortnox_bridge.store.documents.
DocumentFiles` store, named by their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base


class Document(Base):
    """The one document of a record (``kind`` ``image``: a voucher's scanned invoice)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("tenant_id", "entity_type", "external_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: Fortnox's id of the file (its archive id).
    fortnox_file_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
