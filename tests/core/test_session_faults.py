"""The database session says what a storage fault means (store/db.py, store/faults.py): a
service need not catch the driver's OperationalError itself. Sign-in and the demo data rely on
it (their own `except OperationalError` wrapping was removed); a fault the desk names only by
its SQLite code becomes StorageError in words, a wrong statement stays a bug."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from sqlalchemy import text

from desk_app.errors import DeskBusy, StorageError
from desk_app.services import accounts, demo
from desk_app.store import db as store_db
from desk_app.store import faults
from tests.conftest import IT, PASSWORD, open_acting, set_up_desk


@contextlib.contextmanager
def write_locked(data_dir):
    """Another connection inside BEGIN IMMEDIATE, holding the write lock."""
    locker = sqlite3.connect(data_dir / "meja-aduan.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


@pytest.fixture
def short_busy(monkeypatch):
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)


def test_sign_in_beside_a_writer_says_busy(data_dir, short_busy):
    set_up_desk(data_dir)
    desk = open_acting(data_dir, None)
    try:
        desk.db.engine.dispose()  # new connections take the short busy timeout
        with write_locked(data_dir), pytest.raises(DeskBusy):
            accounts.authenticate(desk, IT.username, PASSWORD)
    finally:
        desk.close()


def test_demo_data_beside_a_writer_says_busy(data_dir, short_busy):
    set_up_desk(data_dir, training=True)
    desk = open_acting(data_dir)
    try:
        desk.db.engine.dispose()
        with write_locked(data_dir), pytest.raises(DeskBusy):
            demo.generate(desk, 3, seed=1)
    finally:
        desk.close()


def storage_fault(code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("as the driver says it")
    exc.sqlite_errorcode = code
    return exc


@pytest.mark.parametrize("code", [3, 7, 15, 22])  # PERM, NOMEM, PROTOCOL (a share), NOLFS
def test_a_fault_of_the_computer_is_a_storage_error_in_words(code):
    found = faults.translate(storage_fault(code))
    assert isinstance(found, StorageError)
    assert f"SQLite {code}" in found.message() or str(code) in found.message()


def test_a_statement_the_code_got_wrong_stays_a_bug(desk):
    with pytest.raises(Exception) as raised:
        with desk.db.reading() as session:
            session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, StorageError)
