"""The assessment store: SQLite in the user's data directory by default, PostgreSQL when
``SYMCHECK_DATABASE_URL`` names one.

Every write is one statement in one transaction, so a writer killed at any moment leaves either the
whole row or nothing. SQLite runs in WAL mode with ``synchronous=FULL`` so a committed row survives a
crash of the process (and of the machine); PostgreSQL gives the same by default.

A deleted assessment leaves no copy in the SQLite files: ``secure_delete`` zeroes its cells and pages in
the database file, and a TRUNCATE checkpoint after the delete copies the WAL into the database and empties
it (the WAL still held every earlier version of the row). The delete is reported done only after that;
a process killed in between left the row deleted but a copy in the WAL, so opening the store runs the same
checkpoint first. (PostgreSQL keeps dead rows until VACUUM and in its own WAL: that is the database
administrator's to configure.)

SQL parameters never reach a log or an error message (``hide_parameters``): they hold health data. A
database that stays locked past the busy timeout raises StoreBusy (the API answers 503 with Retry-After).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from symcheck.errors import InputError, NotFound, SymcheckError
from symcheck.store.documents import FORMAT
from symcheck.store.schema import assessments

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DATABASE_URL_ENV = "SYMCHECK_DATABASE_URL"
# Any constant works; it only has to be the same in every process that migrates this database.
_PG_MIGRATION_LOCK = 0x53594D43  # "SYMC"
BUSY_TIMEOUT_S = 10.0


def default_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("symcheck"))
    return f"sqlite:///{data_dir / 'symcheck.db'}"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would otherwise pick psycopg2,
    which symcheck does not install)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_url(url: str | None = None) -> str:
    return normalise_url(url or os.environ.get(DATABASE_URL_ENV) or default_url())


@dataclass(frozen=True)
class AssessmentRecord:
    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    pack_id: str
    pack_version: str
    engine_version: str
    payload: dict[str, Any]
    format: int = FORMAT
    secret_sha256: str | None = None

    def secret_matches(self, secret: str) -> bool:
        """Constant-time check of an assessment's secret against the stored hash."""
        if self.secret_sha256 is None:
            return False
        return hmac.compare_digest(secret_hash(secret), self.secret_sha256)


def secret_hash(secret: str) -> str:
    # A plain SHA-256 is enough: the secret is 256 random bits, not a password to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes (everything is written in UTC); PostgreSQL the session's zone.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _record(row: Any) -> AssessmentRecord:
    return AssessmentRecord(
        id=row.id,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        pack_id=row.pack_id,
        pack_version=row.pack_version,
        engine_version=row.engine_version,
        payload=row.payload,
        format=row.format,
        secret_sha256=row.secret_sha256,
    )


def _canonical_id(assessment_id: str) -> str:
    """Ids are UUIDs; anything else cannot exist, so it is reported as not found."""
    try:
        return str(uuid.UUID(assessment_id))
    except (ValueError, AttributeError, TypeError):
        raise NotFound("assessment", assessment_id) from None


class StoreUnavailable(SymcheckError):
    """The configured database cannot be opened or used: a server problem, not the client's."""


class StoreBusy(StoreUnavailable):
    """The database stayed locked for the whole busy timeout: retry later."""

    retry_after = 2


@contextmanager
def _db_errors() -> Iterator[None]:
    """Database errors as StoreBusy / StoreUnavailable, with the driver's first line only (no SQL, no
    parameters: they hold health data)."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        message = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if "locked" in message or "busy" in message:
            raise StoreBusy(f"the assessment store is busy ({message})") from None
        raise StoreUnavailable(f"the assessment store failed ({message})") from None
    except sa.exc.DBAPIError as exc:
        raise StoreUnavailable(f"the assessment store failed ({type(exc.orig).__name__})") from None


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def add_assessment(
        self, *, payload: dict[str, Any], pack_id: str, pack_version: str, engine_version: str,
        secret_sha256: str | None = None,
    ) -> AssessmentRecord:
        now = dt.datetime.now(dt.UTC)
        record = AssessmentRecord(
            id=str(uuid.uuid4()),
            created_at=now,
            updated_at=now,
            pack_id=pack_id,
            pack_version=pack_version,
            engine_version=engine_version,
            payload=payload,
            secret_sha256=secret_sha256,
        )
        with _db_errors(), self.engine.begin() as conn:
            conn.execute(
                assessments.insert().values(
                    id=record.id,
                    created_at=now,
                    updated_at=now,
                    pack_id=pack_id,
                    pack_version=pack_version,
                    engine_version=engine_version,
                    payload=payload,
                    format=FORMAT,
                    secret_sha256=secret_sha256,
                )
            )
        return record

    def get_assessment(self, assessment_id: str) -> AssessmentRecord:
        key = _canonical_id(assessment_id)
        with _db_errors(), self.engine.connect() as conn:
            row = conn.execute(sa.select(assessments).where(assessments.c.id == key)).first()
        if row is None:
            raise NotFound("assessment", assessment_id)
        return _record(row)

    def delete_assessment(self, assessment_id: str) -> None:
        """Delete the row and every copy of it on disk (see the module notes); NotFound when absent."""
        key = _canonical_id(assessment_id)
        with _db_errors(), self.engine.begin() as conn:
            deleted = conn.execute(assessments.delete().where(assessments.c.id == key)).rowcount
        self.wipe()
        if not deleted:
            raise NotFound("assessment", assessment_id)

    def wipe(self) -> None:
        """SQLite: copy the WAL into the database file and truncate it, so no deleted row survives in it.
        Readers still on an older snapshot can block this; it waits for them up to the busy timeout."""
        if self.backend != "sqlite" or _sqlite_path(self.engine.url) is None:
            return
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        with _db_errors(), self.engine.connect() as conn:
            while True:
                busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return
                if time.monotonic() > deadline:
                    raise StoreBusy("the deleted assessment is gone, but readers kept the disk copy from being "
                                    "wiped; retry the delete")
                time.sleep(0.05)

    def list_assessments(self, *, limit: int = 50, offset: int = 0) -> list[AssessmentRecord]:
        if not 1 <= limit <= 1000:
            raise InputError("limit", "must be between 1 and 1000")
        if offset < 0:
            raise InputError("offset", "must not be negative")
        query = (
            sa.select(assessments)
            .order_by(assessments.c.created_at.desc(), assessments.c.id)
            .limit(limit)
            .offset(offset)
        )
        with _db_errors(), self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def count_assessments(self) -> int:
        with _db_errors(), self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(assessments)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


# ----- engine and migrations ------------------------------------------------------------------------


def _sqlite_path(url: sa.URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def _install_sqlite_pragmas(engine: Engine, busy_timeout_s: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin: the module's legacy
        # mode commits DDL implicitly, which would make a migration non-atomic.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        # A deleted assessment is overwritten in the database file, not left readable in free pages (and
        # Store.wipe empties the WAL, which held its earlier copies).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def create_db_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is None:
            # One shared connection, or every connection would see its own empty in-memory database.
            engine = sa.create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}, hide_parameters=True
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
                                      hide_parameters=True)
        _install_sqlite_pragmas(engine, busy_timeout_s)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


# Alembic is imported where it is used: most processes (CLI commands, API workers after the first
# start-up) never migrate, and it costs a third of a second to import.
def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """Serialise migrations across processes (several uvicorn workers start at once)."""
    if engine.dialect.name == "sqlite":
        path = _sqlite_path(engine.url)
        if path is None:
            with engine.begin() as conn:
                yield conn
            return
        with open(str(path) + ".migrate-lock", "a+") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                with engine.begin() as conn:
                    yield conn
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # Transaction-scoped: released at commit or rollback, even if this process dies.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            yield conn
        return
    with engine.begin() as conn:
        yield conn


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (all of it runs in one transaction on both backends)."""
    from alembic import command

    head = head_revision()
    if revision == "head" and current_revision(engine) == head:
        return
    with _migration_lock(engine) as conn:
        command.upgrade(_alembic_config(conn), revision)


def open_store(url: str | None = None, *, run_migrations: bool = True,
               busy_timeout_s: float = BUSY_TIMEOUT_S) -> Store:
    """Open the store at ``url`` (or SYMCHECK_DATABASE_URL, or SQLite in the user's data directory),
    creating or upgrading its tables first."""
    resolved = resolve_url(url)
    try:
        engine = create_db_engine(resolved, busy_timeout_s)
        if run_migrations:
            migrate(engine)
        # A process killed between a delete and its wipe left a copy in the WAL: wipe it now.
        Store(engine).wipe()
    except sa.exc.ArgumentError as exc:
        raise InputError(DATABASE_URL_ENV, f"not a database URL: {exc}") from None
    except sa.exc.NoSuchModuleError as exc:
        raise InputError(DATABASE_URL_ENV, f"unsupported database: {exc}") from None
    except sa.exc.OperationalError as exc:
        message = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise InputError(DATABASE_URL_ENV, f"cannot open the database: {message}") from None
    return Store(engine)


class LazyStore:
    """Opens the store on first use, so an API that only serves interviews never touches a database."""

    def __init__(self, url: str | None = None, store: Store | None = None):
        self.url = url
        self._store: Store | None = store
        # A store handed in belongs to the caller: it is never closed here nor swapped for another one
        # (an app restarted by a second TestClient used to open the user's default database instead).
        self._given = store is not None
        self._lock = threading.Lock()

    def get(self) -> Store:
        if self._given:
            assert self._store is not None
            return self._store
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = open_store(self.url)
                    except InputError as exc:
                        raise StoreUnavailable(str(exc)) from None
        return self._store

    def close(self) -> None:
        if self._given:
            return
        if self._store is not None:
            self._store.close()
            self._store = None
