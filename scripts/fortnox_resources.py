"""The Fortnox resources the bridge covers: one row each, read by ``generate_models.py``.

A row names the resource's module, its attribute on the client, the Fortnox scope that grants it,
its collection path, the path parameter of one record and one line of description. Adding a
register Fortnox offers is one row here, then running ``python scripts/generate_models.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceSpec:
    """One resource: its module, its attribute on the client, the scope that grants it, its paths."""

    module: str
    attribute: str  # the client's attribute, e.g. customers (client.customers)
    scope: str  # the Fortnox scope an app needs to reach it, e.g. customer
    path: str  # collection path, e.g. /3/customers
    id_param: str | None  # the path parameter of a single record, e.g. CustomerNumber
    doc: str


RESOURCES = (
    ResourceSpec("company_information", "company_information", "companyinformation", "/3/companyinformation", None, "Company information (read only): name, organisation number, address, database number."),
    ResourceSpec("company_settings", "company_settings", "settings", "/3/settings/company", None, "Company settings (read only)."),
    ResourceSpec("locked_period", "locked_period", "settings", "/3/settings/lockedperiod", None, "The locked period: nothing on or before EndDate can be written."),
    ResourceSpec("me", "me", "profile", "/3/me", None, "The user behind the access token."),
    ResourceSpec("financial_year", "financial_years", "bookkeeping", "/3/financialyears", "Id", "Financial years."),
    ResourceSpec("employee", "employees", "salary", "/3/employees", "EmployeeId", "Employees; EmployeeId is 1-15 characters and never changes; no DELETE."),
    ResourceSpec("absence_transaction", "absence_transactions", "salary", "/3/absencetransactions", "id", "Absence transactions (one per employee, day and cause)."),
    ResourceSpec("attendance_transaction", "attendance_transactions", "salary", "/3/attendancetransactions", "id", "Attendance transactions (one per employee, day and cause)."),
    ResourceSpec("salary_transaction", "salary_transactions", "salary", "/3/salarytransactions", "SalaryRow", "Salary transactions."),
    ResourceSpec("schedule_time", "schedule_times", "salary", "/3/scheduletimes", None, "Schedule time of one employee on one day."),
    ResourceSpec("expense", "expenses", "salary", "/3/expenses", "ExpenseCode", "Expense types (list, get, create)."),
    ResourceSpec("project", "projects", "project", "/3/projects", "ProjectNumber", "Projects (number at most 20 characters, description at most 50)."),
    ResourceSpec("cost_center", "cost_centers", "costcenter", "/3/costcenters", "Code", "Cost centres (code at most 6 characters)."),
    ResourceSpec("customer", "customers", "customer", "/3/customers", "CustomerNumber", "Customers; numbers stay reserved after delete."),
    ResourceSpec("supplier", "suppliers", "supplier", "/3/suppliers", "SupplierNumber", "Suppliers; no DELETE."),
    ResourceSpec("supplier_invoice", "supplier_invoices", "supplierinvoice", "/3/supplierinvoices", "GivenNumber", "Supplier invoices, numbered by Fortnox (GivenNumber); no DELETE."),
    ResourceSpec("article", "articles", "article", "/3/articles", "ArticleNumber", "Articles."),
    ResourceSpec("price_list", "price_lists", "price", "/3/pricelists", "Code", "Price lists; every company has the default list A; no DELETE."),
    ResourceSpec("price", "prices", "price", "/3/prices", "FromQuantity", "Prices: price list, article number and from-quantity name one."),
    ResourceSpec("order", "orders", "order", "/3/orders", "DocumentNumber", "Orders."),
    ResourceSpec("invoice", "invoices", "invoice", "/3/invoices", "DocumentNumber", "Customer invoices."),
    ResourceSpec("invoice_payment", "invoice_payments", "payment", "/3/invoicepayments", "Number", "Payments of customer invoices; a full payment sets the invoice's FinalPayDate."),
    ResourceSpec("supplier_invoice_payment", "supplier_invoice_payments", "payment", "/3/supplierinvoicepayments", "Number", "Payments of supplier invoices; a full payment sets the invoice's FinalPayDate."),
    ResourceSpec("inbox", "inbox", "inbox", "/3/inbox", "Id", "The inbox: folders and the files uploaded to them (multipart)."),
    ResourceSpec("archive", "archive", "archive", "/3/archive", "id", "The archive: a file's bytes by its id, and multipart upload (the inbox's files are in it)."),
    ResourceSpec("supplier_invoice_file_connection", "supplier_invoice_file_connections", "connectfile", "/3/supplierinvoicefileconnections", "FileId", "Files of the archive connected to supplier invoices (the scanned invoice)."),
    ResourceSpec("terms_of_payment", "terms_of_payments", "settings", "/3/termsofpayments", "Code", "Terms of payment."),
    ResourceSpec("unit", "units", "settings", "/3/units", "Code", "Units."),
    ResourceSpec("account", "accounts", "bookkeeping", "/3/accounts", "Number", "Accounts of the chart; each financial year has its own (``financialyear``)."),
    ResourceSpec("account_chart", "account_charts", "bookkeeping", "/3/accountcharts", None, "The charts of accounts a financial year can use (read only)."),
    ResourceSpec("voucher_series", "voucher_series", "bookkeeping", "/3/voucherseries", "Code", "Voucher series; no DELETE."),
    ResourceSpec("voucher", "vouchers", "bookkeeping", "/3/vouchers", "VoucherNumber", "Vouchers: series, number and financial year identify one; no update or delete."),
    ResourceSpec("voucher_file_connection", "voucher_file_connections", "connectfile", "/3/voucherfileconnections", "FileId", "Files of the archive connected to vouchers (receipts, invoices); one voucher per file."),
)  # fmt: skip
