"""An API app over the mini test pack, with a store in a temp folder (or PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from symcheck.api import create_app
from symcheck.store import open_store
from tests.conftest import MINI
from tests.store.backends import BACKENDS, database_url

API_KEY = "test-key-0123456789"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    store = open_store(f"sqlite:///{tmp_path / 'api.db'}")
    yield create_app([MINI], store=store, api_key=API_KEY)
    store.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(params=BACKENDS)
def stored_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """A client whose store is each back-end in turn."""
    for url in database_url(request.param, tmp_path):
        store = open_store(url)
        try:
            with TestClient(create_app([MINI], store=store, api_key=API_KEY)) as c:
                yield c
        finally:
            store.close()
