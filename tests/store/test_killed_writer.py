"""Nothing is lost and nothing is torn: a real writer process is killed with SIGKILL mid-way, on both
back-ends; the store then opens, is consistent, and holds every row the writer reported committed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from symcheck.results import Assessment
from symcheck.store import open_store

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WRITER = HERE / "writer_process.py"


def _spawn(url: str, mode: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen([sys.executable, str(WRITER), url, mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _read_lines(proc: subprocess.Popen[str], count: int, timeout: float = 60.0) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < count:
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"writer produced {len(lines)} lines in {timeout}s")
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            raise AssertionError(f"writer exited early: {proc.stderr.read() if proc.stderr else ''}")
        lines.append(line.strip())
    return lines


def _check_consistent(url: str) -> list[str]:
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            if store.backend == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            rows = conn.execute(sa.text("SELECT id, payload FROM assessments")).all()
        ids = []
        for row in rows:
            record = store.get_assessment(row.id)  # payload decodes through the normal read path
            Assessment.model_validate(record.payload)
            filler = record.payload["filler"]
            assert hashlib.sha256(filler.encode()).hexdigest() == record.payload["filler_sha256"], row.id
            ids.append(row.id)
        return ids
    finally:
        store.close()


@pytest.mark.slow
def test_writer_killed_in_a_loop_loses_nothing(db_url: str):
    open_store(db_url).close()  # migrate first so the writer's start-up is not what gets killed
    acknowledged: list[str] = []
    for _round in range(2):
        proc = _spawn(db_url, "loop")
        acknowledged += _read_lines(proc, 8)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    stored = set(_check_consistent(db_url))
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"committed rows lost: {missing}"
    # At most one more row per round: committed after the last id was printed but before the kill.
    assert len(acknowledged) <= len(stored) <= len(acknowledged) + 2


def test_writer_killed_inside_a_transaction_leaves_no_row(db_url: str):
    open_store(db_url).close()
    proc = _spawn(db_url, "hold")
    line = _read_lines(proc, 1)[0]
    assert line.startswith("inside ")
    row_id = line.split()[1]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    stored = _check_consistent(db_url)
    assert row_id not in stored
    # The store still takes writes after the crash (no lock left behind).
    store = open_store(db_url)
    try:
        record = store.add_assessment(payload={"filler": "", "filler_sha256": hashlib.sha256(b"").hexdigest()},
                                      pack_id="mini", pack_version="0.0.1", engine_version="test")
        assert store.get_assessment(record.id).id == record.id
    finally:
        store.close()


@pytest.mark.slow
def test_killed_while_adding_and_deleting_keeps_no_deleted_copy(tmp_path: Path):
    """Issue 15: kill -9 cycles while rows are added and deleted: every acknowledged row is still there,
    and no acknowledged deletion left a copy anywhere in the database's files (looked at before reopening)."""
    from tests.store.test_wipe import copies

    url = f"sqlite:///{tmp_path / 'churn.db'}"
    open_store(url).close()
    kept: list[str] = []
    deleted: list[tuple[str, str]] = []
    for _round in range(3):
        proc = _spawn(url, "churn")
        for line in _read_lines(proc, 10):
            what, row_id, marker = line.split()
            if what == "kept":
                kept.append(row_id)
            else:
                deleted.append((row_id, marker))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        left = {marker: found for _id, marker in deleted if (found := copies(tmp_path, marker))}
        assert not left, f"deleted assessments still on disk: {left}"
    stored = set(_check_consistent(url))
    assert not [i for i in kept if i not in stored], "acknowledged rows lost"
    assert not [i for i, _m in deleted if i in stored], "acknowledged deletions came back"
