"""The test suite never touches the user's own data folder, and an app given a store never opens another."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest
from fastapi.testclient import TestClient

from symcheck.api import create_app
from symcheck.store import default_url, open_store
from tests.conftest import MINI

CASE = {"age": 52, "sex": "female", "complaint": "leg_cramp",
        "answers": {"night": "present", "places": ["calf"], "jaw_stiff": "absent", "wound": "absent"}}


def test_the_suite_runs_with_a_private_data_folder() -> None:
    # tests/conftest.py points the data folder into a temporary folder before anything opens a store
    data = Path(platformdirs.user_data_dir("symcheck"))
    assert data.is_relative_to(Path(os.environ["SYMCHECK_TEST_HOME"])), data
    assert default_url().startswith(f"sqlite:///{os.environ['SYMCHECK_TEST_HOME']}")
    assert os.environ.get("SYMCHECK_DATABASE_URL") is None
    # caches too stay out of the user's folders
    cache = Path(platformdirs.user_cache_dir("symcheck"))
    assert ".pytest_cache" in cache.parts, cache


def test_a_given_store_survives_restarts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two app starts (two TestClient contexts): the second stores into the given store, not the user's."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("SYMCHECK_DATABASE_URL", raising=False)
    user_folder = Path(platformdirs.user_data_dir("symcheck"))
    assert user_folder.is_relative_to(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'given.db'}")
    app = create_app([MINI], store=store)
    try:
        for _ in range(2):
            with TestClient(app) as client:
                created = client.post("/v1/assessments", json=CASE)
                assert created.status_code == 201, created.text
        assert store.count_assessments() == 2
        assert not user_folder.exists(), list(user_folder.iterdir())
    finally:
        store.close()
