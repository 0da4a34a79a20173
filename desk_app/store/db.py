"""The database: engine with its pragmas, opening with migrations, sessions.

SQLite (the embedded default) runs in WAL mode with synchronous=FULL, so a committed complaint
survives a power cut; write transactions start with BEGIN IMMEDIATE so the daily sequence is
allocated under the write lock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from desk_app.errors import DatabaseDamaged

BUSY_TIMEOUT_MS = 10_000
AFTER_COMMIT = "after_commit"  # session.info key: see Database.writing


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event own transaction start (pysqlite's own is lazy).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """One database: the engine plus a read and a write session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _install_sqlite_pragmas(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(immediate=True), expire_on_commit=False
        )

    @property
    def path(self) -> Path | None:
        database = self.engine.url.database
        return Path(database) if self.is_sqlite and database else None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: committed (durably) when the block ends, else rolled back.

        Callables in `session.info[AFTER_COMMIT]` run after a commit, never after a rollback
        (the audit head: desk_app/audit/chain.py)."""
        with self._write.begin() as session:
            yield session
        for hook in session.info.pop(AFTER_COMMIT, ()):
            hook()

    def close(self) -> None:
        self.engine.dispose()


def check_sqlite_file(path: Path, thorough: bool = False) -> None:
    """Check a SQLite file before the app touches it; raise DatabaseDamaged.

    The default reads the header and schema (instant: catches a file that is not a database or
    lost its first pages). `thorough` runs PRAGMA quick_check, which reads every page: about
    1.5 s per million complaints, so the GUI runs it on a worker after start.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            rows = conn.execute("PRAGMA quick_check").fetchall() if thorough else [("ok",)]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise DatabaseDamaged(path=str(path)) from None
    if rows != [("ok",)]:
        raise DatabaseDamaged(path=str(path))


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target
