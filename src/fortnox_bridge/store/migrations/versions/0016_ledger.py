"""ledger: financial years, accounts, dimension objects, vouchers with rows and their documents

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _tenant() -> list[Any]:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
    ]


def _in_year() -> list[Any]:
    return [
        *_tenant(),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["year_id"], ["ledger_years.id"], ondelete="CASCADE"),
    ]


def _in_voucher() -> list[Any]:
    return [
        *_tenant(),
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["voucher_id"], ["ledger_vouchers.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    _years(when)
    _chart()
    _vouchers(when)


def _years(when: sa.DateTime) -> None:
    op.create_table(
        "ledger_years",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_tenant(),
        sa.Column("fortnox_id", sa.Integer(), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), server_default="fortnox", nullable=False),
        sa.Column("account_chart", sa.String(length=50), nullable=True),
        sa.Column("synced_at", when, nullable=True),
        sa.Column("documents_synced_at", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sie_sha256", sa.String(length=64), nullable=True),
        sa.Column("sie_name", sa.String(length=200), nullable=True),
        sa.Column("sie_findings", sa.JSON(), nullable=True),
        sa.Column("voucher_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.UniqueConstraint("tenant_id", "from_date"),
    )


def _chart() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_in_year(),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sru", sa.String(length=10), nullable=True),
        sa.Column("opening_balance", sa.Numeric(18, 2), nullable=True),
        sa.Column("closing_balance", sa.Numeric(18, 2), nullable=True),
        sa.UniqueConstraint("year_id", "number"),
    )
    op.create_table(
        "ledger_objects",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_in_year(),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.UniqueConstraint("year_id", "dimension", "code"),
    )


def _vouchers(when: sa.DateTime) -> None:
    op.create_table(
        "ledger_vouchers",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_in_year(),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=500), server_default="", nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("reference_type", sa.String(length=30), nullable=True),
        sa.Column("reference_number", sa.String(length=50), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("changed_at", when, nullable=False),
        sa.UniqueConstraint("year_id", "series", "number"),
    )
    op.create_index("ix_ledger_vouchers_tenant_date", "ledger_vouchers", ["tenant_id", "date"])
    op.create_table(
        "ledger_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_in_voucher(),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("cost_center", sa.String(length=50), nullable=True),
        sa.Column("project", sa.String(length=50), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=True),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=True),
        sa.Column("transaction_date", sa.Date(), nullable=True),
        sa.UniqueConstraint("voucher_id", "line"),
    )
    for column in ("account", "project", "cost_center"):
        op.create_index(f"ix_ledger_rows_tenant_{column}", "ledger_rows", ["tenant_id", column])
    op.create_table(
        "ledger_voucher_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_in_voucher(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("voucher_id", "document_id"),
    )


def downgrade() -> None:
    for column in ("account", "project", "cost_center"):
        op.drop_index(f"ix_ledger_rows_tenant_{column}", table_name="ledger_rows")
    op.drop_index("ix_ledger_vouchers_tenant_date", table_name="ledger_vouchers")
    for table in (
        "ledger_voucher_documents",
        "ledger_rows",
        "ledger_vouchers",
        "ledger_objects",
        "ledger_accounts",
        "ledger_years",
    ):
        op.drop_table(table)
