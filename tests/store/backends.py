"""Store back-ends for the tests: SQLite in a temp folder always; PostgreSQL when
SYMCHECK_TEST_POSTGRES_URL names a server (scripts/start-postgres.sh starts one), each test in its own
schema so tests never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "SYMCHECK_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_base() -> str:
    from symcheck.store.db import normalise_url

    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (start one with scripts/start-postgres.sh)")
    return normalise_url(url)


def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield a fresh, empty database URL for the back-end; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = _pg_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
