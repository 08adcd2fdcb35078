"""The first synchronization of employees: plan, decide, apply, e-mail.

``workflow.py`` holds :class:`FirstSync`, the workflow itself; ``plan.py`` builds a plan's items
from the hr family's matching (``flows/hr/first_sync_plan.py``), ``decisions.py`` checks the
admin's decisions, ``apply.py`` and ``apply_store.py`` apply a decided plan, ``mail.py`` e-mails
the result, ``views.py`` is what callers see and ``errors.py`` what they can be refused with.
:class:`FirstSyncService` (``service.py``) is the facade the front ends call.
"""

from fortnox_bridge.services.first_sync.decisions import Side
from fortnox_bridge.services.first_sync.errors import (
    FirstSyncError,
    InvalidDecisionError,
    NoPlanError,
    NotReadyError,
    PlanClosedError,
    PlanOpenError,
)
from fortnox_bridge.services.first_sync.service import FirstSyncService
from fortnox_bridge.services.first_sync.views import ItemView, PlanView
from fortnox_bridge.services.first_sync.workflow import FirstSync

__all__ = [
    "FirstSync",
    "FirstSyncError",
    "FirstSyncService",
    "InvalidDecisionError",
    "ItemView",
    "NoPlanError",
    "NotReadyError",
    "PlanClosedError",
    "PlanOpenError",
    "PlanView",
    "Side",
]
