"""E-mail to a tenant's recipients: failures, a digest of open problems, connection changes.

How failures are e-mailed is the tenant's ``problem_mail`` setting:

- ``digest`` (the default; no e-mail storm): a problem is e-mailed when it is first seen (or
  comes back after it was resolved), never again while it stays open; the digest is sent per run
  only when the list of open problems changed since the last digest, or once a day (the tenant's
  ``digest`` setting);
- ``remind``: every run that met failures sends one e-mail listing each of them, for as long as
  it stands; no digest (the reminder already lists what is open).

Each failure is named by its reference in words (see ``references.py``). Every e-mail, sent or
not, is kept in the notification log. A failing mail server never fails a run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity, discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.outbox.concerned import concerned_people
from fortnox_bridge.engine.outbox.references import ReferenceBook
from fortnox_bridge.engine.tenancy.connections import Transition
from fortnox_bridge.store.models import Problem
from fortnox_bridge.store.notifications import NotificationRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository

log = logging.getLogger(__name__)
DAILY = timedelta(hours=24)


class Mailer(Protocol):
    """Sends one e-mail."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` (raise on failure)."""
        ...


class SmtpMailer:
    """Plain SMTP (optionally STARTTLS and login), run in a worker thread."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port = host, port
        self._username, self._password = username, password
        self.starttls, self.timeout = starttls, timeout

    async def send(self, message: EmailMessage) -> None:
        """Deliver ``message``."""
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self._username and self._password:
                smtp.login(self._username, self._password)
            smtp.send_message(message)


class Notifier:
    """Writes and sends the bridge's e-mails for tenants."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        mailer: Mailer,
        clock: Clock,
        *,
        sender: str,
        base_url: str | None = None,
        flows: Sequence[type[Flow]] | None = None,
        entities: Sequence[HostEntity] | None = None,
    ) -> None:
        self.sessions = sessions
        self.mailer = mailer
        self.clock = clock
        self.sender = sender
        self.base_url = base_url
        #: The flows whose ``concerned()`` names further people to tell (discovered when None).
        self.flows = list(flows) if flows is not None else None
        #: The host entities whose declarations name failing records (discovered when None).
        self.entities = list(entities) if entities is not None else None
        self._book: ReferenceBook | None = None
        self.templates = Environment(
            loader=PackageLoader("fortnox_bridge.engine.outbox", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    async def after_run(self, tenant_id: int, summary: RunSummary, *, kind: str = "sweep") -> None:
        """The e-mails a finished run (not a dry run) calls for, as the tenant's
        ``problem_mail`` says: after a sweep a reminder of every failure of the run, or the new
        problems and the digest. An event-driven push (``kind="push"``) of a tenant that wants
        reminders tells only of new failures: the next sweep reminds of all. The people a flow
        names hear of new refusals once either way."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            mode = tenant.problem_mail if tenant else "digest"
        if mode == "remind" and kind != "sweep":
            await self.problems_opened(tenant_id, summary.new_problems)
            return
        if mode != "remind":
            await self.problems_opened(tenant_id, summary.new_problems)
            await self.digest(tenant_id, after_run=bool(summary.flows))
            return
        await self.remind(tenant_id, since=summary.started_at)
        if summary.new_problems:
            await self._tell_concerned(tenant_id, summary.new_problems)

    async def remind(self, tenant_id: int, *, since: datetime) -> bool:
        """One e-mail listing every failure a run met (open problems seen at ``since`` or
        later, and writes Fortnox refused that wait, not sent again: they stand too), whether
        it is new or stood already; nothing when the run met none."""
        with self.sessions.begin() as session:
            open_ = ProblemRepository(session).open(tenant_id)
            problems = [p for p in open_ if p.last_seen >= since or p.refused_version is not None]
            rows = self._rows(session, problems)
        if not rows:
            return False
        if len(rows) == 1:
            subject = f"{rows[0]['reference']} was not synchronised"
        else:
            subject = f"{len(rows)} records were not synchronised"
        return await self._deliver(
            tenant_id,
            "reminder",
            subject,
            "problem",
            {"problems": rows, "remind": True},
            problem_ids=[int(r["id"]) for r in rows],
        )

    def _rows(self, session: Session, problems: Sequence[Problem]) -> list[dict[str, Any]]:
        """The problems as the templates show them, each named by its reference in words."""
        if self._book is None:
            if self.flows is None:
                self.flows = discover_flows()
            if self.entities is None:
                self.entities = discover_entities()
            self._book = ReferenceBook(self.flows, self.entities)
        words = self._book.references(session, problems)
        return [{**_row(p), "reference": words.get(p.id, p.reference)} for p in problems]

    async def problems_opened(self, tenant_id: int, problem_ids: Sequence[int]) -> bool:
        """One e-mail listing the problems a run saw for the first time."""
        if not problem_ids:
            return False
        with self.sessions.begin() as session:
            repo = ProblemRepository(session)
            problems = [p for p in (repo.get(i) for i in problem_ids) if p and not p.notified_at]
            rows = self._rows(session, problems)
        if not rows:
            return False
        if len(rows) == 1:
            subject = f"{rows[0]['reference']} was not synchronised"
        else:
            subject = f"{len(rows)} new problems"
        sent = await self._deliver(
            tenant_id,
            "problem",
            subject,
            "problem",
            {"problems": rows},
            problem_ids=[int(r["id"]) for r in rows],
        )
        await self._tell_concerned(tenant_id, [int(r["id"]) for r in rows])
        return sent

    async def _tell_concerned(self, tenant_id: int, problem_ids: Sequence[int]) -> None:
        """Fortnox refusals also go to the people the flow names (an employee's manager), one
        e-mail per person with just their records."""
        if self.flows is None:
            self.flows = discover_flows()
        people = concerned_people(self.sessions, tenant_id, problem_ids, self.flows)
        for email, ids in people.items():
            with self.sessions.begin() as session:
                repo = ProblemRepository(session)
                rows = self._rows(session, [p for p in (repo.get(i) for i in ids) if p])
            subject = (
                f"{rows[0]['reference']} was not synchronised"
                if len(rows) == 1
                else f"{len(rows)} records were not synchronised"
            )
            await self._deliver(
                tenant_id, "problem", subject, "problem", {"problems": rows}, recipients=[email]
            )

    async def digest(self, tenant_id: int, *, after_run: bool = True) -> bool:
        """The open problems, if the tenant's digest setting says it is time."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            problems = ProblemRepository(session).open(tenant_id)
            last = NotificationRepository(session).last(tenant_id, "digest")
            rows = self._rows(session, problems)
            mode = tenant.digest if tenant else "daily"
        if not rows:
            return False
        key = hashlib.sha256(",".join(str(r["id"]) for r in rows).encode()).hexdigest()
        if mode == "per_run":
            if not after_run or (last is not None and last.digest_key == key):
                return False  # the same open problems as in the last digest: no storm
        elif last is not None and now - last.sent_at < DAILY:
            return False
        subject = f"{len(rows)} open problem{'s' if len(rows) != 1 else ''}"
        return await self._deliver(
            tenant_id, "digest", subject, "digest", {"problems": rows}, digest_key=key
        )

    async def connection_changed(self, transition: Transition) -> bool:
        """The connection moved to another state."""
        subject = f"Fortnox connection {transition.to_state.replace('_', ' ')}"
        return await self._deliver(
            transition.tenant_id, "connection", subject, "connection", {"t": transition}
        )

    async def send(
        self, tenant_id: int, kind: str, subject: str, template: str, data: dict[str, Any]
    ) -> bool:
        """One e-mail from ``template`` (``engine/outbox/templates/<template>.{txt,html}.j2``) to
        the tenant's recipients, kept in the notification log; ``False`` when none went out."""
        return await self._deliver(tenant_id, kind, subject, template, data)

    async def _deliver(
        self,
        tenant_id: int,
        kind: str,
        subject: str,
        template: str,
        data: dict[str, Any],
        *,
        problem_ids: Sequence[int] = (),
        digest_key: str | None = None,
        recipients: Sequence[str] | None = None,
    ) -> bool:
        now = self.clock.now()
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            if tenant is None or not (recipients or tenant.notify_emails):
                return False
            to = [str(r) for r in (recipients or tenant.notify_emails)]
            name = tenant.name
        message = self._message(name, to, subject, template, data, now)
        error = None
        try:
            await self.mailer.send(message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            log.warning(
                "e-mail not sent", extra={"tenant_id": tenant_id, "kind": kind, "error": error}
            )
        with self.sessions.begin() as session:
            NotificationRepository(session).log(
                tenant_id,
                kind=kind,
                subject=str(message["Subject"]),
                recipients=to,
                status="failed" if error else "sent",
                now=now,
                digest_key=digest_key,
                problem_id=problem_ids[0] if len(problem_ids) == 1 else None,
                error=error,
            )
            if error is None:
                repo = ProblemRepository(session)
                for problem_id in problem_ids:
                    problem = repo.get(problem_id)
                    if problem is not None:
                        problem.notified_at = now
        return error is None

    def _message(
        self,
        tenant: str,
        recipients: list[str],
        subject: str,
        template: str,
        data: dict[str, Any],
        now: datetime,
    ) -> EmailMessage:
        """Text and HTML parts from the templates."""
        message = EmailMessage()
        message["From"], message["To"] = self.sender, ", ".join(recipients)
        message["Subject"] = f"[fortnox-bridge] {tenant}: {subject}"
        context = {"tenant": tenant, "base_url": self.base_url, "now": now, **data}
        message.set_content(self.templates.get_template(f"{template}.txt.j2").render(context))
        html = self.templates.get_template(f"{template}.html.j2").render(context)
        message.add_alternative(html, subtype="html")
        return message


def _row(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.id,
        "flow": problem.flow,
        "reference": problem.reference,
        "code": problem.code,
        "status": problem.status,
        "message": problem.message,
        "explanation": problem.explanation,
        "fix": problem.fix,
        "first_seen": problem.first_seen,
        "last_seen": problem.last_seen,
        "count": problem.count,
    }
