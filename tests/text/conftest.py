"""The spasm pack for the parser tests (its phrases.yaml is what the parser reads)."""

from __future__ import annotations

import pytest

import symcheck
from symcheck.kb.pack import Pack


@pytest.fixture(scope="session")
def spasm() -> Pack:
    return symcheck.load_pack("spasm")
