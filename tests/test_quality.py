"""Lint and type checks run with the tests, so CI fails on them like on any test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    if shutil.which("ruff") is None and subprocess.run([sys.executable, "-m", "ruff", "--version"],
                                                       capture_output=True).returncode != 0:
        pytest.fail("ruff is not installed: pip install -e '.[dev]'")
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_on_the_engine():
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_engine_is_pure():
    """The core imports nothing that does I/O or belongs to a framework."""
    forbidden = ("yaml", "fastapi", "sqlalchemy", "typer", "rich", "jinja2", "httpx", "pydantic", "open(", "os.", "pathlib")
    for path in (REPO / "src" / "symcheck" / "engine").glob("*.py"):
        text = path.read_text()
        for word in forbidden:
            assert f"import {word}" not in text and f"from {word}" not in text, f"{path.name} uses {word}"
        assert "open(" not in text, path.name
