"""Who else hears about a Fortnox refusal: the people a flow names for the failing record.

The tenant's recipients get every new problem. A problem Fortnox caused (it refused a write: the
problem has Fortnox's code or HTTP status) also goes to the addresses the flow's ``concerned()``
gives for the record — for the ``hr`` flows, the employee's manager. The flow reads host
records only through a lookup into the mirror, so it stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository


def concerned_people(
    sessions: sessionmaker[Session],
    tenant_id: int,
    problem_ids: Sequence[int],
    flows: Sequence[type[Flow]],
) -> dict[str, list[int]]:
    """``{e-mail address: ids of the Fortnox refusals that person should hear about}``, leaving
    out the tenant's own recipients (they hear about everything)."""
    by_name = {flow.name: flow for flow in flows}
    people: dict[str, list[int]] = {}
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        if tenant is None:
            return {}
        own = {str(address).lower() for address in tenant.notify_emails}
        mirror = MirrorRepository(session)

        def lookup(entity: str, external_id: str) -> Mapping[str, Any] | None:
            record = mirror.get(tenant_id, entity, external_id)
            return None if record is None or record.deleted else dict(record.payload)

        problems = ProblemRepository(session)
        for problem_id in problem_ids:
            problem = problems.get(problem_id)
            flow = by_name.get(problem.flow) if problem is not None else None
            if problem is None or flow is None or (problem.code is None and problem.status is None):
                continue
            for address in flow().concerned(problem.external_id, lookup):
                if address.lower() not in own:
                    people.setdefault(address, []).append(problem.id)
    return people
