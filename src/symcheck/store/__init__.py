"""Storage of finished assessments (SQLAlchemy 2 + Alembic; SQLite by default, PostgreSQL optional)."""

from symcheck.store.db import (
    DATABASE_URL_ENV,
    AssessmentRecord,
    LazyStore,
    Store,
    StoreUnavailable,
    default_url,
    migrate,
    open_store,
    resolve_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "AssessmentRecord",
    "LazyStore",
    "Store",
    "StoreUnavailable",
    "default_url",
    "migrate",
    "open_store",
    "resolve_url",
]
