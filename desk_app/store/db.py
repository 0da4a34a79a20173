"""The database: engine with its pragmas, opening with migrations, sessions.

SQLite (the embedded default) runs in WAL mode with synchronous=FULL, so a committed complaint
survives a power cut; write transactions start with BEGIN IMMEDIATE so the daily sequence is
allocated under the write lock. writing() gives an ORM Session; writing_core() (the save, issue
11) the same transaction on one pooled connection without the ORM, the driver holding it, for
statements prepared once (store/prepared.py).

Faults (store/faults.py) are met here, for every session: another writer makes each step wait
up to the busy timeout (the connection's own busy handler from its first statement, and a retry
for the journal-mode switch, which SQLite does not retry) and then raises DeskBusy; a full disk
raises DiskFull; a data folder that cannot be written opens the database read-only and every
write raises DeskReadOnly; a damaged page raises DatabaseDamaged and marks the database damaged
(a marker file beside it, so other processes and later starts know), after which every write
is refused until a restore replaces the file.

quick_reads() (issue 11): the list's first page of a search may be read on the GUI thread, on
a read-only connection of that thread's own that never waits (busy timeout 0) and gives up
past a few milliseconds (a progress handler interrupts the statement); it then raises
NotQuick and the caller reads the ordinary way, on a worker. SQLite only: never over a network.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from desk_app.errors import DatabaseDamaged, DeskReadOnly
from desk_app.store import faults

# How long a step waits for another writer before DeskBusy. Read when a connection is made,
# so tests may monkeypatch it to a fraction of a second.
BUSY_TIMEOUT_MS = 10_000
_RETRY_S = 0.05
DAMAGE_SUFFIX = "-damaged"
AFTER_COMMIT = "after_commit"  # session.info key: see Database.writing

# A quick read's statement is asked whether to go on every so many SQLite VM instructions (a
# few tens of microseconds).
QUICK_CHECK_EVERY = 1000

log = logging.getLogger(__name__)


class NotQuick(Exception):
    """A quick read (Database.quick_reads) gave up: past its time, the database busy, or no
    quick connection here (not SQLite, no file). Read again the ordinary way; nothing was
    shown or changed."""


def busy_timeout_s() -> float:
    return BUSY_TIMEOUT_MS / 1000


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def damage_marker(db_file: Path) -> Path:
    """The file that says "this database was found damaged": writes stay refused while it
    exists. Removed only by a restore (services.backup.restore)."""
    return db_file.with_name(db_file.name + DAMAGE_SUFFIX)


def _set_wal(cur: sqlite3.Cursor) -> None:
    """Switch to WAL unless already in it. SQLite answers the switch with SQLITE_BUSY at once
    (no busy handler) while another connection holds a lock: retry until the busy timeout."""
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + busy_timeout_s()
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not faults.is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_S)


def _install_sqlite_pragmas(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event own transaction start (pysqlite's own is lazy).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s() * 1000)}")
        if read_only:
            cur.execute("PRAGMA query_only = ON")
        else:
            _set_wal(cur)
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.connection.driver_connection.in_transaction:
            return  # begun on the driver (Database.writing_core): join it
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _read_only_uri(path: Path) -> str:
    """A read-only connection that leaves no -wal/-shm behind (it cannot make them). With no
    -wal file the database is all in the main file, so it is opened immutable: a WAL database
    in a read-only folder cannot be opened otherwise."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


class Database:
    """One database: the engine plus a read and a write session factory.

    `read_only` (the data folder cannot be written) opens SQLite read-only; writing() then
    raises DeskReadOnly. Every session turns driver errors into DeskErrors (see the module).
    """

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self._damaged = False
        kwargs: dict = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": busy_timeout_s()}
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            # The connection returned last is taken first: sequential reads (paging the list)
            # keep to one or two connections and their warm page caches, instead of turning
            # through the pool and filling a page cache (up to 2 MB) in each (issue 11: the
            # GUI's memory after 500 pages).
            kwargs["pool_use_lifo"] = True
        self.engine = create_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        database = self.engine.url.database
        # Worked out once: every write asks whether the marker is there (writing()).
        self._path = Path(database) if self.is_sqlite and database else None
        self._marker = damage_marker(self._path) if self._path is not None else None
        if self.is_sqlite and read_only and self.path is not None:
            uri, timeout = _read_only_uri(self.path), busy_timeout_s()
            self.engine.dispose()
            self.engine = create_engine(
                url,
                creator=lambda: sqlite3.connect(
                    uri, uri=True, timeout=timeout, check_same_thread=False
                ),
            )
        if self.is_sqlite:
            _install_sqlite_pragmas(self.engine, read_only)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(immediate=True)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        # quick_reads(): per thread, its read-only connection and the block's deadline
        self._quick = threading.local()
        self._quick_made: list[_QuickConnection] = []
        self._quick_lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        return self._path

    # -- faults ---------------------------------------------------------------------------

    @property
    def damaged(self) -> bool:
        """Found damaged, by this process or another (the marker file)."""
        if self._damaged:
            return True
        return self._marker is not None and self._marker.exists()

    @property
    def writable(self) -> bool:
        return not self.read_only and not self.damaged

    def mark_damaged(self) -> None:
        """Refuse every write from now on, here and (through the marker) everywhere, until a
        restore. Best effort on disk: a folder that cannot be written keeps the flag only."""
        self._damaged = True
        if self.path is None:
            return
        from desk_app.files import FileNotWritten, write_private

        marker = damage_marker(self.path)
        if marker.exists():
            return
        try:
            write_private(marker, f"damaged, found {utcnow().isoformat()}Z\n")
        except FileNotWritten:
            pass
        log.error("database found damaged; writes refused until a restore")

    def check_writable(self) -> None:
        """Raise DatabaseDamaged or DeskReadOnly when nothing may be written."""
        if self.damaged:
            raise DatabaseDamaged(path=str(self.path or ""))
        if self.read_only:
            raise DeskReadOnly(path=str(self.path.parent if self.path else ""))

    def fault(self, exc: BaseException) -> BaseException:
        """The DeskError `exc` means (marking damage), or `exc` itself for a bug."""
        found = faults.translate(exc, self.path)
        if found is None:
            return exc
        if isinstance(found, DatabaseDamaged):
            self.mark_damaged()
        return found

    # -- sessions -------------------------------------------------------------------------

    @contextmanager
    def _faults_in_words(self) -> Iterator[None]:
        """Driver errors inside a session become the DeskError they mean (busy, full,
        damaged...); anything else goes on as it was."""
        try:
            yield
        except (DBAPIError, sqlite3.Error) as exc:
            found = self.fault(exc)
            if found is exc:
                raise
            raise found from None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._faults_in_words(), self._read.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: committed (durably) when the block ends, else rolled back.

        Refused before it starts on a damaged or read-only database. Callables in
        `session.info[AFTER_COMMIT]` run after a commit, never after a rollback (the audit
        head: desk_app/audit/chain.py)."""
        self.check_writable()
        with self._faults_in_words(), self._write.begin() as session:
            yield session
        for hook in session.info.pop(AFTER_COMMIT, ()):
            hook()

    @contextmanager
    def writing_core(self) -> Iterator[CoreWrite]:
        """writing() for the save (intake.record_complaint, issue 11): one pooled connection,
        no ORM Session, and on SQLite the transaction held by the driver itself (BEGIN
        IMMEDIATE, COMMIT), where store/prepared.py runs the save's statements as prepared
        sqlite3 statements. The same write lock, durable commit, fault translation and
        AFTER_COMMIT hooks as writing(); a Core statement run through it joins the transaction.
        """
        self.check_writable()
        with self._faults_in_words():
            if not self.is_sqlite:
                with self._write_engine.connect() as conn, conn.begin():
                    write = CoreWrite(self._write_engine, conn.connection, conn=conn)
                    yield write
            else:
                with _driver_transaction(self._write_engine, "BEGIN IMMEDIATE") as write:
                    yield write
        for hook in write.info.pop(AFTER_COMMIT, ()):
            hook()

    @contextmanager
    def reading_core(self) -> Iterator[CoreWrite | Connection]:
        """reading() for the list's pages (lookup.list_complaints, issue 11): one pooled
        connection, no ORM Session, and on SQLite the read transaction held by the driver
        (BEGIN, then COMMIT: one snapshot for every statement of the block), where
        store/prepared.py runs statements compiled once. The same fault translation as
        reading(); elsewhere a Core Connection in a transaction."""
        with self._faults_in_words():
            quick = getattr(self._quick, "block", None)
            if quick is not None:  # inside quick_reads() on this thread
                with quick.transaction() as read:
                    yield read
                return
            if not self.is_sqlite:
                with self.engine.connect() as conn, conn.begin():
                    yield conn
                return
            with _driver_transaction(self.engine, "BEGIN") as read:
                yield read  # its commit ends the snapshot; nothing is written

    @contextmanager
    def quick_reads(self, budget_ms: float) -> Iterator[None]:
        """In the block, reading_core() on this thread reads on this thread's own read-only
        SQLite connection, which never waits for a lock and stops a statement once the block
        has run `budget_ms`: NotQuick is raised then (and when the database is busy, or there
        is no such connection: not SQLite, no file). The same statements and rows as
        reading_core() elsewhere; other faults are translated as there.

        For the GUI thread (the list's first page of a search, issue 11): a worker's hand-off
        costs more than a rare word's page. Whoever catches NotQuick reads again on a worker.
        """
        if getattr(self._quick, "block", None) is not None:
            raise RuntimeError("quick_reads() is not reentrant")
        conn = getattr(self._quick, "conn", None)
        if conn is None or conn.closed:  # none yet, or closed with the database (close())
            conn = self._quick.conn = self._quick_connection()
        conn.deadline = time.perf_counter() + budget_ms / 1000
        self._quick.block = conn
        try:
            yield
        finally:
            self._quick.block = None

    def _quick_connection(self) -> _QuickConnection:
        if not self.is_sqlite or self.path is None:
            raise NotQuick
        uri = _read_only_uri(self.path) if self.read_only else self.path.resolve().as_uri()
        if not self.read_only:
            uri += "?mode=ro"
        try:
            # check_same_thread off only so that close() may run on any thread: each thread
            # uses its own (self._quick is per thread).
            driver = sqlite3.connect(
                uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error:
            raise NotQuick from None
        try:
            conn = _QuickConnection(driver, self.engine.dialect)
        except sqlite3.Error:
            driver.close()
            raise NotQuick from None
        with self._quick_lock:
            self._quick_made.append(conn)
        return conn

    def close(self) -> None:
        with self._quick_lock:
            made, self._quick_made = self._quick_made, []
        for conn in made:
            conn.closed = True
            conn.driver.close()
        self.engine.dispose()


class _QuickConnection:
    """Database.quick_reads()'s connection: what store/prepared.py runs on (`driver`,
    `dialect`), read-only, a busy timeout of 0, a deadline checked by a progress handler."""

    __slots__ = ("driver", "dialect", "deadline", "info", "closed")

    def __init__(self, driver: sqlite3.Connection, dialect) -> None:
        self.driver = driver
        self.dialect = dialect
        self.deadline = 0.0
        self.closed = False
        self.info: dict = {}
        driver.execute("PRAGMA query_only = ON")
        clock = time.perf_counter
        driver.set_progress_handler(lambda: clock() > self.deadline, QUICK_CHECK_EVERY)

    @contextmanager
    def transaction(self) -> Iterator[_QuickConnection]:
        """One snapshot for the block (BEGIN, then rolled back: nothing is written); an
        interrupted or busy statement raises NotQuick."""
        driver = self.driver
        try:
            driver.execute("BEGIN")
            try:
                yield self
            finally:
                if driver.in_transaction:
                    driver.rollback()
        except sqlite3.OperationalError as exc:
            if faults.primary_code(exc) in _GIVE_UP:
                raise NotQuick from None
            raise


# A quick read gives these up to a worker: interrupted (past its time), or a lock it would
# have to wait for.
_GIVE_UP = frozenset({faults.SQLITE_INTERRUPT, faults.SQLITE_BUSY, faults.SQLITE_LOCKED})


@contextmanager
def _driver_transaction(engine: Engine, begin: str) -> Iterator[CoreWrite]:
    """A pooled SQLite connection with a transaction held by the driver itself (`begin`:
    BEGIN IMMEDIATE to write, BEGIN to read one snapshot): committed at the end, rolled back
    on any error, the connection given back to the pool either way."""
    held = CoreWrite(engine, engine.raw_connection())
    try:
        driver = held.driver
        driver.execute(begin)
        try:
            yield held
            driver.commit()
        except BaseException:
            if driver.in_transaction:
                driver.rollback()
            raise
    finally:
        held.release()


class CoreWrite:
    """One write transaction on a pooled connection (Database.writing_core; reading_core's
    read transaction is one too, without writes): what the save's
    helpers use of a Session (execute, scalar, connection(), get_bind(), info), without the
    ORM. `driver`: the sqlite3 connection holding the transaction (None elsewhere), for
    store/prepared.py. A Core Connection is made only when a statement needs one (none of
    the save's do). `info` lasts as long as the transaction, as a Session's does."""

    __slots__ = ("_engine", "_pooled", "_conn", "driver", "dialect", "info")

    def __init__(self, engine: Engine, pooled, conn: Connection | None = None) -> None:
        self._engine = engine
        self._pooled = pooled  # the pool's connection (PoolProxiedConnection)
        self._conn = conn
        self.driver = pooled.driver_connection if conn is None else None
        self.dialect = engine.dialect
        self.info: dict = {}

    def connection(self) -> Connection:
        if self._conn is None:
            # On the pooled connection already checked out: its "begin" joins the driver's
            # transaction (see _install_sqlite_pragmas), and closing it checks it back in.
            self._conn = Connection(self._engine, connection=self._pooled)
        return self._conn

    def get_bind(self) -> Connection:
        return self.connection()

    def execute(self, statement, params=None):
        return self.connection().execute(statement, params)

    def scalar(self, statement, params=None):
        return self.connection().scalar(statement, params)

    def release(self) -> None:
        """Give the connection back to the pool (rolling back anything left open)."""
        if self._conn is not None:
            self._conn.close()
        else:
            self._pooled.close()


def check_sqlite_file(path: Path, thorough: bool = False) -> None:
    """Check a SQLite file before the app touches it; raise DatabaseDamaged.

    The default reads the header and schema (instant: catches a file that is not a database or
    lost its first pages). `thorough` runs PRAGMA quick_check, which reads every page: about
    1.5 s per million complaints, so the GUI runs it on a worker after start. A busy, full or
    unreadable disk is said as such (DeskBusy, DiskFull, DeskReadOnly), not as damage.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        writable = faults.folder_writable(path)
        # Read-write (never create) where the folder allows it: a desk killed mid-write leaves
        # a WAL that only a writer may recover (a read-only probe then says SQLITE_READONLY,
        # found by the crash test), and opening the desk recovers it anyway.
        uri = f"file:{path}?mode=rw" if writable else _read_only_uri(path)
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s())
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            rows = conn.execute("PRAGMA quick_check").fetchall() if thorough else [("ok",)]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        found = faults.translate(exc, path)
        if found is not None and not isinstance(found, DatabaseDamaged):
            raise found from None
        raise DatabaseDamaged(path=str(path)) from None
    if rows != [("ok",)]:
        raise DatabaseDamaged(path=str(path))


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source), timeout=busy_timeout_s())
    try:
        dst = sqlite3.connect(str(target), timeout=busy_timeout_s())
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target
