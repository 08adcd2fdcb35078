"""The notification log: every e-mail the bridge sent or failed to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Notification


class NotificationRepository:
    """Reads and writes the notification log within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def log(
        self,
        tenant_id: int,
        *,
        kind: str,
        subject: str,
        recipients: list[str],
        status: str,
        now: datetime,
        problem_id: int | None = None,
        digest_key: str | None = None,
        error: str | None = None,
    ) -> Notification:
        """Keep one sent (or failed) e-mail in the log."""
        row = Notification(
            tenant_id=tenant_id,
            kind=kind,
            subject=subject,
            recipients=recipients,
            status=status,
            sent_at=now,
            problem_id=problem_id,
            digest_key=digest_key,
            error=error,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def last(self, tenant_id: int, kind: str) -> Notification | None:
        """The newest successfully sent notification of ``kind``."""
        return self.session.scalars(
            select(Notification)
            .where(
                Notification.tenant_id == tenant_id,
                Notification.kind == kind,
                Notification.status == "sent",
            )
            .order_by(Notification.id.desc())
        ).first()

    def for_tenant(self, tenant_id: int) -> list[Notification]:
        """The whole log of a tenant, oldest first."""
        return list(
            self.session.scalars(
                select(Notification)
                .where(Notification.tenant_id == tenant_id)
                .order_by(Notification.id)
            )
        )
