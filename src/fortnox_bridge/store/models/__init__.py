"""SQLAlchemy models of the store. Schema changes go through an Alembic migration.

One module per concern; every model is re-exported here, so ``from fortnox_bridge.store.models
import X`` works and importing the package registers every table on ``Base.metadata`` (Alembic
relies on that).
"""

from fortnox_bridge.store.models.base import (
    NAMING,
    Base,
    UtcDateTime,
)
from fortnox_bridge.store.models.config import (
    Connection,
    ConnectionEvent,
    FlowConfig,
    Mapping,
)
from fortnox_bridge.store.models.documents import Document
from fortnox_bridge.store.models.host import (
    ChangeOperation,
    Event,
    IdempotencyRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from fortnox_bridge.store.models.ledger import (
    DOCUMENT_KINDS,
    LEDGER_DOCUMENT_ENTITY,
    LEDGER_SOURCES,
    LedgerAccount,
    LedgerObject,
    LedgerRow,
    LedgerVoucher,
    LedgerVoucherDocument,
    LedgerYear,
)
from fortnox_bridge.store.models.realtime import RealtimeEvent, RealtimeOffset
from fortnox_bridge.store.models.runs import (
    ACTIVE_FIRST_SYNC,
    FirstSyncItem,
    FirstSyncPlan,
    Lease,
    Notification,
    Problem,
    Run,
    RunItem,
)
from fortnox_bridge.store.models.stream_health import StreamHealth
from fortnox_bridge.store.models.sync_state import (
    ACTIVE_OPERATION,
    BuiltSource,
    Conflict,
    Cursor,
    FlowSync,
    Link,
    MirrorRecord,
    PushOperation,
    UniqueValue,
)
from fortnox_bridge.store.models.tenants import (
    AdminKey,
    AdminSession,
    AdminUser,
    ApiKey,
    Tenant,
)

__all__ = [
    "ACTIVE_FIRST_SYNC",
    "ACTIVE_OPERATION",
    "DOCUMENT_KINDS",
    "LEDGER_DOCUMENT_ENTITY",
    "LEDGER_SOURCES",
    "NAMING",
    "AdminKey",
    "AdminSession",
    "AdminUser",
    "ApiKey",
    "Base",
    "BuiltSource",
    "ChangeOperation",
    "Conflict",
    "Connection",
    "ConnectionEvent",
    "Cursor",
    "Document",
    "Event",
    "FirstSyncItem",
    "FirstSyncPlan",
    "FlowConfig",
    "FlowSync",
    "IdempotencyRecord",
    "Lease",
    "LedgerAccount",
    "LedgerObject",
    "LedgerRow",
    "LedgerVoucher",
    "LedgerVoucherDocument",
    "LedgerYear",
    "Link",
    "Mapping",
    "MirrorRecord",
    "Notification",
    "Problem",
    "PushOperation",
    "RealtimeEvent",
    "RealtimeOffset",
    "Run",
    "RunItem",
    "StreamHealth",
    "Tenant",
    "UniqueValue",
    "UtcDateTime",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
