"""The assessment store on SQLite and (when configured) PostgreSQL: migrations, CRUD, errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from symcheck.errors import InputError, NotFound
from symcheck.store import open_store
from symcheck.store.db import current_revision, default_url, head_revision, normalise_url, resolve_url
from symcheck.store.schema import metadata


def _add(store, n: int = 0):
    return store.add_assessment(payload={"n": n, "answers": {"cramp": "present"}}, pack_id="mini",
                                pack_version="0.0.1", engine_version="0.1.0")


def test_migrations_create_exactly_the_declared_schema(db_url: str):
    store = open_store(db_url)
    try:
        assert current_revision(store.engine) == head_revision() == "0002"
        with store.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diffs == [], f"schema.py and the migrations disagree: {diffs}"
    finally:
        store.close()


def test_reopening_does_not_migrate_again_and_keeps_rows(db_url: str):
    first = open_store(db_url)
    record = _add(first)
    first.close()
    second = open_store(db_url)
    try:
        assert second.get_assessment(record.id).payload == record.payload
        assert second.count_assessments() == 1
    finally:
        second.close()


def test_add_get_list_delete(db_url: str):
    store = open_store(db_url)
    try:
        records = [_add(store, n) for n in range(5)]
        got = store.get_assessment(records[2].id)
        assert got.payload == {"n": 2, "answers": {"cramp": "present"}}
        assert (got.pack_id, got.pack_version, got.engine_version) == ("mini", "0.0.1", "0.1.0")
        assert got.created_at.tzinfo is not None and got.created_at == records[2].created_at
        listed = store.list_assessments(limit=3)
        assert [r.id for r in listed] == [r.id for r in reversed(records)][:3]  # newest first
        assert [r.id for r in store.list_assessments(limit=3, offset=3)] == [records[1].id, records[0].id]
        assert store.count_assessments() == 5
        store.delete_assessment(records[0].id)
        assert store.count_assessments() == 4
        with pytest.raises(NotFound):
            store.get_assessment(records[0].id)
        with pytest.raises(NotFound):
            store.delete_assessment(records[0].id)
    finally:
        store.close()


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "' OR 1=1 --", "0" * 64])
def test_malformed_ids_are_not_found(db_url: str, bad: str):
    store = open_store(db_url)
    try:
        with pytest.raises(NotFound):
            store.get_assessment(bad)
        with pytest.raises(NotFound):
            store.delete_assessment(bad)
    finally:
        store.close()


def test_list_bounds(db_url: str):
    store = open_store(db_url)
    try:
        with pytest.raises(InputError):
            store.list_assessments(limit=0)
        with pytest.raises(InputError):
            store.list_assessments(offset=-1)
    finally:
        store.close()


def test_concurrent_writers_from_threads(db_url: str):
    store = open_store(db_url)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for n in range(10):
                _add(store, n)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        assert store.count_assessments() == 40
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
    finally:
        store.close()


def test_sqlite_overwrites_deleted_assessments(tmp_path: Path):
    path = tmp_path / "x.db"
    store = open_store(f"sqlite:///{path}")
    try:
        marker = "UNIQUE-MARKER-" + "x" * 200
        record = store.add_assessment(payload={"answers": {"note": marker}}, pack_id="mini", pack_version="0.0.1",
                                      engine_version="0.1.0")
        store.delete_assessment(record.id)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    raw = path.read_bytes() + (path.with_name("x.db-wal").read_bytes() if path.with_name("x.db-wal").exists() else b"")
    assert marker.encode() not in raw


def test_sqlite_in_a_new_folder_is_created(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    try:
        _add(store)
        assert (tmp_path / "deep" / "er" / "x.db").exists()
    finally:
        store.close()


def test_default_is_sqlite_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("SYMCHECK_DATABASE_URL", raising=False)
    monkeypatch.setattr("platformdirs.user_data_dir", lambda name: str(tmp_path / name))
    assert default_url() == f"sqlite:///{tmp_path / 'symcheck' / 'symcheck.db'}"
    assert resolve_url() == default_url()
    monkeypatch.setenv("SYMCHECK_DATABASE_URL", "postgresql://u@h:1/db")
    assert resolve_url() == "postgresql+psycopg://u@h:1/db"


def test_url_normalisation():
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("url", ["nonsense", "mysqlx://h/db"])
def test_bad_database_urls_are_input_errors(url: str):
    with pytest.raises(InputError) as info:
        open_store(url)
    assert info.value.field == "SYMCHECK_DATABASE_URL"


def test_unreachable_postgres_is_an_input_error():
    with pytest.raises(InputError, match="cannot open the database"):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_in_memory_sqlite_shares_one_database():
    store = open_store("sqlite://")
    try:
        record = _add(store)
        assert store.get_assessment(record.id).id == record.id
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM assessments")).scalar_one() == 1
    finally:
        store.close()


def test_processes_starting_at_once_migrate_once(db_url: str):
    """Several uvicorn workers open a fresh database at the same moment; the migration lock makes one
    of them create the tables and the others find them."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo / "src"), env.get("PYTHONPATH", "")) if p)
    code = "import sys; from symcheck.store import open_store; open_store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    store = open_store(db_url)
    try:
        assert current_revision(store.engine) == head_revision()
        _add(store)
    finally:
        store.close()
