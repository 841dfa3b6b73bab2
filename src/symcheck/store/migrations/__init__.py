"""Alembic migrations of the symcheck store (run by symcheck.store.open_store)."""
