"""The bridge's own database: tenants, API keys, the mirror of host records, links to Fortnox.

SQLAlchemy 2 models with Alembic migrations; SQLite by default, PostgreSQL by URL.
"""
