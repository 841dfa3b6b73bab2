"""Shared fixtures: the small test pack and where ../shared lies."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "packs" / "mini"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def mini_pack():
    from symcheck import load_pack

    return load_pack(MINI)
