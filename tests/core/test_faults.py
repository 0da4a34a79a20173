"""Faults met in words (issue 7, items 7 and 9): another writer, a read-only data folder, a full
disk, a damaged page, leftovers of a killed backup, a restore on a desk that cannot be opened,
and a bug, each through the CLI as an IT officer or clerk meets it: exit 1, a sentence, never a
traceback or an exception's class name.

The read-only folder and the full disk need mounts: as root (CI) the test mounts a read-only
bind view or a small tmpfs; otherwise it uses chmod (read-only) or is skipped with a reason.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from desk_app import cli, logs
from desk_app.domain.roles import Action, Role
from desk_app.errors import (
    AuditTrailBroken,
    DatabaseDamaged,
    DeskBusy,
    DeskReadOnly,
    DiskFull,
    LoginFailed,
    LoginRequired,
    PermissionDenied,
)
from desk_app.i18n import _
from desk_app.services import accounts, backup, intake, lookup
from desk_app.services.desk import check_integrity, open_desk
from desk_app.store import db as store_db
from desk_app.store.models import Complaint, User
from tests.conftest import make_form

PW = {"admin": "kata-sandi-admin-1", "koor": "kata-sandi-koor-1"}
DB_NAME = "meja-aduan.sqlite3"
SHORT_BUSY_MS = 300
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _fast_and_clean(monkeypatch):
    monkeypatch.setattr("desk_app.services.credentials.HASHER", CHEAP)
    monkeypatch.setattr("desk_app.services.signin._unknown_failures", {})
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", SHORT_BUSY_MS)
    hooks = sys.excepthook, threading.excepthook
    yield
    logs.teardown()
    sys.excepthook, threading.excepthook = hooks


def _root() -> bool:
    return getattr(os, "geteuid", lambda: -1)() == 0


def act(desk, actor):
    """The one place these tests say who acts: a copy of the (frozen) desk for `actor`."""
    return desk.acting(actor)


def set_up_desk(data_dir: Path) -> str:
    """A desk with IT officer `admin` and supervisor `koor` and one complaint koor recorded;
    closed again (no -wal left). Returns the complaint's tracking number."""
    desk = open_desk(data_dir)
    try:
        admin = accounts.init_desk(
            desk,
            desk_code="BKS01",
            desk_name="Meja Aduan Bengkalis",
            region="14.03",
            admin_username="admin",
            admin_password=PW["admin"],
        )
        desk = desk.reloaded()  # its desk code is stored now: it may record
        accounts.create_user(
            act(desk, admin), admin, "koor", "", Role.SUPERVISOR, PW["koor"],
            must_change_password=False,
        )  # fmt: skip
        koor = accounts.authenticate(desk, "koor", PW["koor"])
        number = intake.record_complaint(act(desk, koor), make_form()).tracking_no
    finally:
        desk.close()
    assert not (data_dir / f"{DB_NAME}-wal").exists()
    return number


@pytest.fixture
def number(data_dir) -> str:
    return set_up_desk(data_dir)


def run(capsys, monkeypatch, data_dir: Path, user: str | None, *args: str):
    """`desk-app --data-dir DIR [--user USER] ARGS` in-process, the password on stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PW[user]}\n" if user else ""))
    who = ["--user", user] if user else []
    code = cli.main(["--data-dir", str(data_dir), *who, *args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_words(err: str) -> None:
    """What an expected failure may print: sentences, no traceback, no class name."""
    assert "Traceback" not in err
    for name in ("Error:", "OperationalError", "DatabaseError", "Exception"):
        assert name not in err


def complaint_count(db_file: Path) -> int:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM complaint").fetchone()[0]
    finally:
        conn.close()


# -- another writer ----------------------------------------------------------------------------


HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] != "wal":
    conn.execute("PRAGMA journal_mode = " + sys.argv[2])
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def writer_holding_the_lock(db_file: Path, journal: str = "wal"):
    """Another program (a second process) inside BEGIN IMMEDIATE (the write lock) until the
    block ends. journal="delete" is a database in rollback mode, as a restored backup is until
    the app opens it: then switching it to WAL at connect needs the lock too."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_file), journal],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_show_waits_for_the_busy_timeout_at_connect_then_says_busy(
    capsys, monkeypatch, data_dir, number
):
    with writer_holding_the_lock(data_dir / DB_NAME, journal="delete"):
        started = time.monotonic()
        code, out, err = run(capsys, monkeypatch, data_dir, "koor", "show", number)
        waited = time.monotonic() - started
    assert (code, out) == (1, "")
    assert err.strip() == DeskBusy().message()
    assert waited >= SHORT_BUSY_MS / 1000  # it waited, as every step does, before saying so
    assert_words(err)


def test_import_beside_a_writer_says_busy(capsys, monkeypatch, data_dir, number, tmp_path):
    from tests.core.test_cli import import_row, write_csv

    rows = write_csv(tmp_path / "rows.csv", [import_row(subject="Jalan rusak di Jalan Sudirman")])
    with writer_holding_the_lock(data_dir / DB_NAME):
        code, out, err = run(capsys, monkeypatch, data_dir, "koor", "import", str(rows))
    assert (code, out) == (1, "")
    assert err.strip() == DeskBusy().message()
    assert_words(err)
    assert complaint_count(data_dir / DB_NAME) == 1


def test_backup_beside_a_writer_says_busy(capsys, monkeypatch, data_dir, number):
    with writer_holding_the_lock(data_dir / DB_NAME):
        code, out, err = run(capsys, monkeypatch, data_dir, "admin", "backup")
    assert (code, out) == (1, "")
    assert err.strip() == DeskBusy().message()
    assert_words(err)


def test_a_migration_beside_a_writer_says_busy(data_dir, number, monkeypatch):
    """The schema upgrade at start takes the write lock first, waiting like every write."""
    from desk_app.store import migrate

    monkeypatch.setattr(migrate, "SCHEMA_HEAD", "pretend-older")  # do not skip Alembic
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    conn.execute("UPDATE alembic_version SET version_num = '0003'")
    conn.close()
    with writer_holding_the_lock(data_dir / DB_NAME), pytest.raises(DeskBusy):
        open_desk(data_dir)


# -- a read-only data folder -------------------------------------------------------------------


@contextlib.contextmanager
def read_only_view(data_dir: Path, tmp_path: Path):
    """`data_dir` seen read-only: a read-only bind mount as root (chmod does not stop root),
    chmod 0500 otherwise. Skips the test when neither can be had."""
    if not _root():
        os.chmod(data_dir, 0o500)
        try:
            yield data_dir
        finally:
            os.chmod(data_dir, 0o700)
        return
    view = tmp_path / "read-only-view"
    view.mkdir()
    done = subprocess.run(["mount", "--bind", str(data_dir), str(view)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot bind-mount here (no CAP_SYS_ADMIN): " + done.stderr.decode())
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


@pytest.fixture
def read_only_data_dir(data_dir, number, tmp_path):
    """The set-up desk's data folder, seen read-only."""
    with read_only_view(data_dir, tmp_path) as view:
        yield view


def test_show_works_in_a_read_only_data_folder(capsys, monkeypatch, read_only_data_dir, number):
    code, out, err = run(capsys, monkeypatch, read_only_data_dir, "koor", "show", number)
    assert code == 0, err
    assert number in out
    assert_words(err)  # the log falls back to stderr quietly; sign-in says it is unrecorded


def test_settings_and_audit_verify_work_in_a_read_only_data_folder(
    capsys, monkeypatch, read_only_data_dir
):
    code, out, err = run(capsys, monkeypatch, read_only_data_dir, "admin", "settings")
    assert code == 0, err
    assert "desk_code = BKS01" in out
    code, out, err = run(capsys, monkeypatch, read_only_data_dir, "admin", "audit", "verify")
    assert code == 0, err
    assert int(out.strip()) > 0


def test_a_read_only_desk_can_be_copied_elsewhere(
    capsys, monkeypatch, read_only_data_dir, tmp_path
):
    copy = tmp_path / "rescue.sqlite3"
    code, out, err = run(
        capsys, monkeypatch, read_only_data_dir, "admin", "backup", "--out", str(copy)
    )
    assert code == 0, err
    assert out.strip() == str(copy)
    assert backup.check_backup(copy)


def test_an_export_that_cannot_be_audited_writes_nothing(capsys, monkeypatch, read_only_data_dir):
    code, out, err = run(capsys, monkeypatch, read_only_data_dir, "koor", "export")
    assert (code, out) == (1, "")
    assert DeskReadOnly(path=str(read_only_data_dir)).message() in err


def test_writing_in_a_read_only_data_folder_is_refused_in_words(
    capsys, monkeypatch, read_only_data_dir
):
    code, _out, err = run(
        capsys, monkeypatch, read_only_data_dir, "admin", "settings", "desk_name", "Baru"
    )
    assert code == 1
    assert DeskReadOnly(path=str(read_only_data_dir)).message() in err
    assert_words(err)


# -- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only): the data folder lives on it."""
    if not _root():
        pytest.skip("a full disk needs a small tmpfs, and mounting one needs root")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (no CAP_SYS_ADMIN): " + done.stderr.decode())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Write a filler file until the disk says it is full."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def test_recording_on_a_full_disk_says_so_and_keeps_what_was_saved(small_disk):
    number = set_up_desk(small_disk)
    desk = open_desk(small_disk)
    desk = act(desk, accounts.authenticate(desk, "koor", PW["koor"]))
    koor = desk.actor
    filler = fill(small_disk)
    saved = [number]
    with pytest.raises(DiskFull):
        for i in range(200):  # the WAL's last page may hold a few more
            saved.append(intake.record_complaint(desk, make_form(subject=f"Aduan {i}")).tracking_no)
    desk.close()
    filler.unlink()
    desk = act(open_desk(small_disk), koor)
    try:
        check_integrity(desk)
        for each in saved:
            assert lookup.get_complaint(desk, each).complaint.tracking_no == each
        with desk.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Complaint)) == len(saved)
    finally:
        desk.close()


def test_the_cli_on_a_full_disk_says_the_disk_is_full(capsys, monkeypatch, small_disk, tmp_path):
    from tests.core.test_cli import import_row, write_csv

    set_up_desk(small_disk)
    rows = write_csv(tmp_path / "rows.csv", [import_row(subject="Jalan rusak di Jalan Sudirman")])
    fill(small_disk)
    code, out, err = run(capsys, monkeypatch, small_disk, "koor", "import", str(rows))
    assert (code, out) == (1, "")
    assert DiskFull().message() in err
    assert DatabaseDamaged.template not in err
    assert_words(err)


# -- a damaged page ----------------------------------------------------------------------------


def damage_table(db_file: Path, table: str) -> None:
    """Overwrite the root page of `table` with garbage (the database is closed, no -wal)."""
    conn = sqlite3.connect(db_file)
    try:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        root = root[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    assert not Path(f"{db_file}-wal").exists()
    with open(db_file, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)


def test_audit_verify_reports_a_damaged_audit_page(capsys, monkeypatch, data_dir, number):
    damage_table(data_dir / DB_NAME, "audit_event")
    code, out, err = run(capsys, monkeypatch, data_dir, "admin", "audit", "verify")
    assert (code, out) == (1, "")
    assert _(AuditTrailBroken.PROBLEMS["damaged"]) in err  # where the trail could not be read
    assert_words(err)


def test_once_found_damaged_every_write_is_refused_until_a_restore(
    capsys, monkeypatch, data_dir, number
):
    damage_table(data_dir / DB_NAME, "complaint")
    desk = open_desk(data_dir)
    desk = act(desk, accounts.authenticate(desk, "admin", PW["admin"]))
    with pytest.raises(DatabaseDamaged):
        check_integrity(desk)  # what the window's start-up check runs on a worker
    desk.close()
    # A write that would not touch the damaged table is refused all the same.
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "admin", "settings", "desk_name", "Meja Baru"
    )
    assert code == 1
    assert DatabaseDamaged(path=str(data_dir / DB_NAME)).message() in err
    conn = sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True)
    stored = conn.execute("SELECT value FROM setting WHERE key = 'desk_name'").fetchone()
    conn.close()
    assert "Meja Baru" not in str(stored)


def test_a_write_that_finds_damage_marks_the_database_for_other_processes(data_dir, number):
    damage_table(data_dir / DB_NAME, "complaint")
    desk = open_desk(data_dir)
    koor = accounts.authenticate(desk, "koor", PW["koor"])
    try:
        with pytest.raises(DatabaseDamaged):
            intake.record_complaint(act(desk, koor), make_form())
    finally:
        desk.close()
    assert store_db.damage_marker(data_dir / DB_NAME).exists()
    again = open_desk(data_dir)
    try:
        assert again.db.damaged and not again.db.writable
    finally:
        again.close()


# -- leftovers of a killed backup or restore ---------------------------------------------------


def test_leftovers_of_killed_copies_are_removed_at_the_next_start(data_dir, number):
    from desk_app import files, leftovers

    backups = data_dir / "backups"
    backups.mkdir(exist_ok=True)
    # What a backup, a restore and a private write leave when killed midway (their own names).
    killed = [
        backup._new_partial(backups, backup.backup_name(backup.MANUAL, store_db.utcnow())),
        backup._new_partial(data_dir, DB_NAME),
    ]
    writer = files.private_writer(data_dir / "audit.key.export")
    writer.__enter__().write("half")
    killed += [p for p in data_dir.iterdir() if p.name.endswith(".tmp")]
    assert len(killed) == 3
    old = time.time() - leftovers.STALE_AFTER_S - 60
    for path in killed:
        path.write_bytes(b"\0" * 4096)
        os.utime(path, (old, old))
    in_progress = backup._new_partial(backups, "meja-aduan-daily-x.sqlite3")  # another process
    open_desk(data_dir).close()
    assert [p for p in killed if p.exists()] == []
    assert in_progress.exists()  # written just now: perhaps still being written


# -- restore never skips sign-in ---------------------------------------------------------------


@pytest.fixture
def damaged_desk_and_backup(data_dir, number):
    """A backup made by IT, then the current database's header destroyed."""
    desk = open_desk(data_dir)
    try:
        admin = accounts.authenticate(desk, "admin", PW["admin"])
        copy = backup.make_backup(act(desk, admin))
    finally:
        desk.close()
    with open(data_dir / DB_NAME, "r+b") as fh:
        fh.write(b"\xff" * 100)
    store_db.damage_marker(data_dir / DB_NAME).write_text("damaged")
    return copy


def test_restore_of_a_damaged_desk_without_user_is_refused(
    capsys, monkeypatch, data_dir, damaged_desk_and_backup
):
    before = (data_dir / DB_NAME).read_bytes()
    code, _out, err = run(
        capsys, monkeypatch, data_dir, None, "restore", str(damaged_desk_and_backup)
    )
    assert code == 1
    assert LoginRequired().message() in err
    assert (data_dir / DB_NAME).read_bytes() == before


def test_restore_of_a_damaged_desk_by_a_non_it_user_is_refused(
    capsys, monkeypatch, data_dir, damaged_desk_and_backup
):
    before = (data_dir / DB_NAME).read_bytes()
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "koor", "restore", str(damaged_desk_and_backup)
    )
    assert code == 1
    assert (
        PermissionDenied(role=Role.SUPERVISOR.value, action=Action.RESTORE.value).message() in err
    )
    assert (data_dir / DB_NAME).read_bytes() == before


def test_restore_of_a_damaged_desk_by_an_it_officer_of_the_backup(
    capsys, monkeypatch, data_dir, number, damaged_desk_and_backup
):
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "admin", "restore", str(damaged_desk_and_backup)
    )
    assert code == 0, err
    assert not store_db.damage_marker(data_dir / DB_NAME).exists()
    desk = open_desk(data_dir)
    try:
        assert desk.db.writable
        with desk.db.reading() as session:
            assert session.scalar(select(Complaint.tracking_no)) == number
    finally:
        desk.close()


def test_a_wrong_password_against_the_backup_is_refused(
    capsys, monkeypatch, data_dir, damaged_desk_and_backup
):
    monkeypatch.setitem(PW, "admin", "not-the-password")
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "admin", "restore", str(damaged_desk_and_backup)
    )
    assert code == 1
    assert (data_dir / "backups").is_dir()
    assert not any(
        p.name.startswith("meja-aduan-pre-restore") for p in (data_dir / "backups").iterdir()
    )


# -- bugs --------------------------------------------------------------------------------------


def test_a_bug_is_logged_and_told_in_words_without_a_traceback(
    capsys, monkeypatch, data_dir, number
):
    def broken(desk, key):
        raise RuntimeError("a bug with 3171234567890123 in its text")

    monkeypatch.setattr(lookup, "get_complaint", broken)
    code, out, err = run(capsys, monkeypatch, data_dir, "koor", "show", number)
    log_file = data_dir / "logs" / "meja-aduan.log"
    assert (code, out) == (1, "")
    assert str(log_file) in err
    assert "Traceback" not in err and "RuntimeError" not in err and "3171234567890123" not in err
    logged = log_file.read_text(encoding="utf-8")
    assert "RuntimeError" in logged and "broken" in logged
    assert "3171234567890123" not in logged


def test_sign_in_on_a_read_only_desk_checks_the_password(data_dir, number, monkeypatch):
    """No login event can be written: the password is still checked, nothing recorded."""
    desk = open_desk(data_dir)
    desk.db.read_only = True
    try:
        with pytest.raises(LoginFailed):
            accounts.authenticate(desk, "koor", "wrong-password-1")
        with desk.db.reading() as session:
            koor = session.scalar(select(User).where(User.username == "koor"))
            assert koor.failed_attempts == 0  # nothing could be recorded
    finally:
        desk.close()
