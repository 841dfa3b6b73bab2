"""Storage of finished assessments (SQLAlchemy 2 + Alembic; SQLite by default, PostgreSQL optional)."""

from symcheck.store.db import (
    DATABASE_URL_ENV,
    AssessmentRecord,
    LazyStore,
    Store,
    StoreBusy,
    StoreUnavailable,
    default_url,
    migrate,
    open_store,
    resolve_url,
    secret_hash,
)

__all__ = [
    "DATABASE_URL_ENV",
    "AssessmentRecord",
    "LazyStore",
    "Store",
    "StoreBusy",
    "StoreUnavailable",
    "default_url",
    "migrate",
    "open_store",
    "resolve_url",
    "secret_hash",
]
