"""One module per Fortnox resource; :class:`Resources` puts one of each on the client.

Adding a resource: generate its models (``scripts/generate_models.py``), add its module here
(a :class:`~.base.Resource` subclass naming its catalogue entry and models), and one line below.
"""

from __future__ import annotations

from typing import Any

import httpx

from fortnox_bridge.fortnox.resources.absence_transaction import AbsenceTransactionResource
from fortnox_bridge.fortnox.resources.article import ArticleResource
from fortnox_bridge.fortnox.resources.attendance_transaction import AttendanceTransactionResource
from fortnox_bridge.fortnox.resources.base import Requester
from fortnox_bridge.fortnox.resources.company_information import CompanyInformationResource
from fortnox_bridge.fortnox.resources.company_settings import CompanySettingsResource
from fortnox_bridge.fortnox.resources.cost_center import CostCenterResource
from fortnox_bridge.fortnox.resources.customer import CustomerResource
from fortnox_bridge.fortnox.resources.employee import EmployeeResource
from fortnox_bridge.fortnox.resources.expense import ExpenseResource
from fortnox_bridge.fortnox.resources.financial_year import FinancialYearResource
from fortnox_bridge.fortnox.resources.invoice import InvoiceResource
from fortnox_bridge.fortnox.resources.locked_period import LockedPeriodResource
from fortnox_bridge.fortnox.resources.me import MeResource
from fortnox_bridge.fortnox.resources.order import OrderResource
from fortnox_bridge.fortnox.resources.project import ProjectResource
from fortnox_bridge.fortnox.resources.salary_transaction import SalaryTransactionResource
from fortnox_bridge.fortnox.resources.schedule_time import ScheduleTimeResource
from fortnox_bridge.fortnox.resources.supplier import SupplierResource
from fortnox_bridge.fortnox.resources.terms_of_payment import TermsOfPaymentResource
from fortnox_bridge.fortnox.resources.unit import UnitResource


class Resources:
    """The resources of a client, one attribute each (``client.customers``, ...).

    The client subclasses this and implements :meth:`request` and :meth:`request_raw`.
    """

    def __init__(self) -> None:
        client: Requester = self
        self.absence_transactions = AbsenceTransactionResource(client)
        self.articles = ArticleResource(client)
        self.attendance_transactions = AttendanceTransactionResource(client)
        self.company_information = CompanyInformationResource(client)
        self.company_settings = CompanySettingsResource(client)
        self.cost_centers = CostCenterResource(client)
        self.customers = CustomerResource(client)
        self.employees = EmployeeResource(client)
        self.expenses = ExpenseResource(client)
        self.financial_years = FinancialYearResource(client)
        self.invoices = InvoiceResource(client)
        self.locked_period = LockedPeriodResource(client)
        self.me = MeResource(client)
        self.orders = OrderResource(client)
        self.projects = ProjectResource(client)
        self.salary_transactions = SalaryTransactionResource(client)
        self.schedule_times = ScheduleTimeResource(client)
        self.suppliers = SupplierResource(client)
        self.terms_of_payments = TermsOfPaymentResource(client)
        self.units = UnitResource(client)

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
    ) -> httpx.Response:
        """Send a request; return the raw response (implemented by the client)."""
        raise NotImplementedError
