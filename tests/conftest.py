"""Shared fixtures: the small test pack and where ../shared lies."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "packs" / "mini"
SHARED = REPO.parent / "shared"

# Tests never touch the user's own files: the user data folder (where the default store lives) points into
# a temporary folder for the whole run, subprocesses included, and a configured database URL is ignored.
# Set at import, before any test or fixture can open a store.
if "SYMCHECK_TEST_HOME" not in os.environ:
    os.environ["SYMCHECK_TEST_HOME"] = tempfile.mkdtemp(prefix="symcheck-test-home-")
    os.environ["XDG_DATA_HOME"] = os.path.join(os.environ["SYMCHECK_TEST_HOME"], "data")
    # Derived caches (the compiled HPO index, about 20 s to build) live in the repository's git-ignored
    # .pytest_cache, so they are built once for all runs without writing to the user's cache folder.
    os.environ["XDG_CACHE_HOME"] = str(REPO / ".pytest_cache" / "xdg-cache")
    os.environ.pop("SYMCHECK_DATABASE_URL", None)


@pytest.fixture(scope="session")
def mini_pack():
    from symcheck import load_pack

    return load_pack(MINI)


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the mini pack to break in one test."""
    import shutil

    dest = tmp_path / "pack"
    shutil.copytree(MINI, dest)
    return dest


def edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Load a pack file, let `change` edit the data in place, write it back."""
    import yaml

    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def pack_problems(root: Path) -> list[str]:
    """Every problem the loader reports for a pack folder (it must refuse the pack)."""
    from symcheck.errors import PackError
    from symcheck.kb.loader import load_pack_data

    with pytest.raises(PackError) as exc:
        load_pack_data(root)
    return [str(i) for i in exc.value.issues]

