"""Backups: made while others write, checked, kept in rotation, and restored without ever
overwriting the current database silently or installing a bad file."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk_app.services import backup, intake, transfer
from tests.conftest import IT, make_form, open_acting, run_cli

DB_NAME = "meja-aduan.sqlite3"
WIB = ZoneInfo("Asia/Jakarta")
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")


def integrity(path: Path) -> list:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def numbers_in(path: Path) -> set[str]:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT tracking_no FROM complaint")}
    finally:
        conn.close()


def export_of(data_dir: Path) -> str:
    desk = open_acting(data_dir)
    try:
        out = io.StringIO()
        transfer.export(desk, "jsonl", out)
        return out.getvalue()
    finally:
        desk.close()


def bring_key(from_dir: Path, to_dir: Path) -> None:
    """The desk's audit key into another data folder, as `audit key-import` brings it back:
    a folder without it refuses every audited action (an export too)."""
    shutil.copyfile(from_dir / "audit.key", to_dir / "audit.key")


def export_of_file(db_file: Path, folder: Path) -> str:
    """Export a database file opened on its own (a copy, so the file itself is not touched),
    with the key of the desk whose backups folder holds it."""
    folder.mkdir()
    shutil.copyfile(db_file, folder / DB_NAME)
    bring_key(db_file.parent.parent, folder)
    return export_of(folder)


def record(data_dir: Path, count: int, **overrides) -> list[str]:
    desk = open_acting(data_dir)
    try:
        return [
            intake.record_complaint(desk, make_form(**overrides)).tracking_no for _ in range(count)
        ]
    finally:
        desk.close()


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# -- (a) backups while another desk writes, then a restore ------------------------------------


def test_backups_during_concurrent_writes_are_whole_and_restore_exactly(data_dir, tmp_path):
    record(data_dir, 200)  # enough pages that a copy takes a moment
    acknowledged: list[str] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        own = open_acting(data_dir)
        try:
            while not stop.is_set():
                acknowledged.append(intake.record_complaint(own, make_form()).tracking_no)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            own.close()

    desk = open_acting(data_dir)
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    made: list[tuple[Path, list[str]]] = []
    overlapped = 0  # backups during which the writer committed
    try:
        while len(made) < 6 or (not overlapped and len(made) < 30):
            wanted = len(acknowledged) + 5
            deadline = time.monotonic() + 30
            while len(acknowledged) < wanted and time.monotonic() < deadline and not failures:
                time.sleep(0.005)
            before = list(acknowledged)  # acknowledged before this backup started
            made.append((backup.make_backup(desk.acting(IT)), before))
            overlapped += len(acknowledged) > len(before)
    finally:
        stop.set()
        thread.join(60)
        desk.close()
    assert not failures, failures
    assert not thread.is_alive()
    assert overlapped, "no backup ran while the writer was committing"
    assert len({path for path, _before in made}) == len(made)  # same-second copies: own names

    for path, before in made:
        assert integrity(path) == [("ok",)]
        assert set(before) <= numbers_in(path)
    counts = [len(numbers_in(path)) for path, _before in made]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert counts[-1] < 200 + len(acknowledged)  # the writer went on after the last copy

    last, before_last = made[-1]
    alone = export_of_file(last, tmp_path / "alone")
    pre_restore = backup.restore(data_dir, last)
    assert pre_restore is not None and pre_restore.exists()
    restored = export_of(data_dir)
    assert restored == alone
    assert set(before_last) <= {json.loads(line)["tracking_no"] for line in restored.splitlines()}
    # The pre-restore copy holds everything the writer recorded, up to the last complaint.
    assert set(acknowledged) <= numbers_in(pre_restore)


# -- (b) rotation --------------------------------------------------------------------------------


def test_rotation_over_a_simulated_year_of_daily_backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    never_removed = [  # not backups of this desk's naming (other kinds: test_privacy.py)
        "salinan-pak-budi.sqlite3",
        "notes.txt",
    ]
    for name in never_removed:
        (folder / name).write_bytes(b"x")
    day = dt.date(2025, 11, 27)
    last = dt.date(2026, 11, 26)  # a Thursday
    while day <= last:
        # 06:30 WIB is 23:30 UTC the day before: days are counted in the desk's zone.
        now = dt.datetime.combine(day, dt.time(6, 30), WIB).astimezone(dt.UTC)
        now = now.replace(tzinfo=None)
        (folder / backup.backup_name(backup.DAILY, now)).write_bytes(b"x")
        backup.rotate(folder, now, WIB)
        daily = [p for p in folder.iterdir() if p.name.startswith("meja-aduan-daily-")]
        assert len(daily) <= 7 + 4 + 12
        day += dt.timedelta(days=1)

    kept = sorted(
        backup.parse_name(p.name).when.replace(tzinfo=dt.UTC).astimezone(WIB).date()
        for p in folder.iterdir()
        if p.name.startswith("meja-aduan-daily-")
    )
    d = dt.date
    expected = sorted(
        {d(2026, 11, n) for n in range(20, 27)}  # the last 7 days
        | {d(2026, 11, 26), d(2026, 11, 22), d(2026, 11, 15), d(2026, 11, 8)}  # 4 ISO weeks
        | {  # the newest of each of 12 months
            d(2026, 11, 26),
            d(2026, 10, 31),
            d(2026, 9, 30),
            d(2026, 8, 31),
            d(2026, 7, 31),
            d(2026, 6, 30),
            d(2026, 5, 31),
            d(2026, 4, 30),
            d(2026, 3, 31),
            d(2026, 2, 28),
            d(2026, 1, 31),
            d(2025, 12, 31),
        }
    )
    assert kept == expected
    assert len(kept) == 20
    for name in never_removed:
        assert (folder / name).exists()


def test_rotation_keeps_copies_dated_in_the_future_and_ignores_other_kinds():
    now = dt.datetime(2026, 11, 26, 12)
    names = [backup.backup_name(backup.DAILY, now - dt.timedelta(days=n)) for n in range(40)]
    future = backup.backup_name(backup.DAILY, now + dt.timedelta(days=400))
    manual = [backup.backup_name(backup.MANUAL, now - dt.timedelta(days=n)) for n in range(40)]
    removed = backup.select_for_removal([*names, future, *manual], now)
    assert future not in removed
    assert not set(manual) & set(removed)
    kept = set(names) - set(removed)
    assert set(names[:7]) <= kept
    # Two copies on one day: the newer one stays.
    twice = [backup.backup_name(backup.DAILY, now), backup.backup_name(backup.DAILY, now, 1)]
    assert backup.select_for_removal(twice, now) == [twice[0]]


def test_daily_backup_once_per_local_day(desk, data_dir):
    folder = data_dir / "backups"
    evening = dt.datetime(2026, 11, 25, 15, 0)  # 22:00 WIB, 25 November
    first = backup.daily_backup_if_due(desk.acting(IT), evening)
    assert first is not None and first.parent == folder
    assert integrity(first) == [("ok",)]
    assert backup.daily_backup_if_due(desk.acting(IT), evening + dt.timedelta(minutes=50)) is None
    # 23:30 UTC is already 26 November in Pekanbaru (the same UTC date as the first copy).
    morning = dt.datetime(2026, 11, 25, 23, 30)
    second = backup.daily_backup_if_due(desk.acting(IT), morning)
    assert second is not None and second != first
    assert backup.daily_backup_if_due(desk.acting(IT), morning + dt.timedelta(hours=10)) is None
    assert backup.parse_name(second.name).kind == backup.DAILY


# -- (c) refusals --------------------------------------------------------------------------------


@pytest.fixture
def closed_desk(data_dir):
    """A data folder with a closed desk holding a few complaints, and a good backup of it."""
    record(data_dir, 3)
    desk = open_acting(data_dir)
    good = backup.make_backup(desk.acting(IT))
    desk.close()
    return data_dir, good


def newer_schema_copy(good: Path, target: Path) -> Path:
    shutil.copyfile(good, target)
    conn = sqlite3.connect(target)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    return target


def test_restore_refuses_bad_files_and_changes_nothing(closed_desk, tmp_path):
    data_dir, good = closed_desk
    data = good.read_bytes()
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(os.urandom(64 * 1024))
    not_ours = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(not_ours)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    newer = newer_schema_copy(good, tmp_path / "newer.sqlite3")
    cases = [
        (truncated, (backup.BackupDamaged, backup.NotABackup)),
        (garbage, backup.NotABackup),
        (not_ours, backup.NotABackup),
        (newer, backup.BackupTooNew),
        (tmp_path / "missing.sqlite3", backup.BackupMissing),
        (data_dir / DB_NAME, backup.RestoreRefused),  # the database itself
    ]
    before = folder_state(data_dir)
    backups_before = folder_state(data_dir / "backups")
    for bad, error in cases:
        with pytest.raises(error) as exc:
            backup.restore(data_dir, bad)
        assert isinstance(exc.value, backup.RestoreRefused)
        assert str(bad) in exc.value.message()
        assert folder_state(data_dir) == before, bad  # database untouched, no leftovers
        assert folder_state(data_dir / "backups") == backups_before, bad  # no pre-restore copy
    with pytest.raises(backup.BackupTooNew) as exc:
        backup.restore(data_dir, newer)
    assert "9999_future" in exc.value.message()
    # The current database is still a working desk.
    assert len(export_of(data_dir).splitlines()) == 3


def test_restore_refuses_while_the_desk_is_open(closed_desk):
    data_dir, good = closed_desk
    desk = open_acting(data_dir)
    try:
        before = (data_dir / DB_NAME).read_bytes()
        with pytest.raises(backup.DeskInUse):
            backup.restore(data_dir, good)
        assert (data_dir / DB_NAME).read_bytes() == before
        assert not list((data_dir / "backups").glob("*pre-restore*"))
    finally:
        desk.close()


def test_newest_good_backup_skips_damaged_and_too_new_copies(closed_desk, tmp_path):
    data_dir, good = closed_desk
    folder = data_dir / "backups"
    later = backup.parse_name(good.name).when + dt.timedelta(hours=1)
    (folder / backup.backup_name(backup.DAILY, later)).write_bytes(b"garbage" * 1000)
    newer_schema_copy(good, folder / backup.backup_name(backup.MANUAL, later, 1))
    older = backup.parse_name(good.name).when - dt.timedelta(days=1)
    shutil.copyfile(good, folder / backup.backup_name(backup.DAILY, older))
    assert backup.newest_good_backup(folder) == good
    assert backup.newest_good_backup(tmp_path / "nothing") is None


# -- (d) the pre-restore copy --------------------------------------------------------------------


def test_pre_restore_copy_holds_the_replaced_data(closed_desk, tmp_path):
    data_dir, good = closed_desk
    later = record(data_dir, 2, subject="Lampu jalan padam di Jalan Sudirman")
    old_export = export_of(data_dir)
    pre = backup.restore(data_dir, good)
    assert pre.parent == data_dir / "backups"
    assert backup.parse_name(pre.name).kind == backup.PRE_RESTORE
    assert export_of_file(pre, tmp_path / "pre") == old_export
    restored = export_of(data_dir)
    assert len(restored.splitlines()) == 3
    assert not any(number in restored for number in later)


def test_restore_after_a_crash_drops_the_old_wal_but_keeps_it_in_the_copy(data_dir, tmp_path):
    record(data_dir, 2)
    desk = open_acting(data_dir)
    good = backup.make_backup(desk.acting(IT))
    late = intake.record_complaint(desk, make_form()).tracking_no  # still in the WAL
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in os.listdir(data_dir):  # the files as a power cut would leave them
        if name.startswith(DB_NAME):
            shutil.copyfile(data_dir / name, crashed / name)
    desk.close()
    assert (crashed / f"{DB_NAME}-wal").stat().st_size > 0

    pre = backup.restore(crashed, good)
    bring_key(data_dir, crashed)
    assert late in numbers_in(pre)
    assert not (crashed / f"{DB_NAME}-wal").exists()
    assert integrity(crashed / DB_NAME) == [("ok",)]
    assert late not in export_of(crashed)
    assert len(export_of(crashed).splitlines()) == 2


def test_restore_replaces_a_damaged_database(closed_desk):
    data_dir, good = closed_desk
    db_file = data_dir / DB_NAME
    damaged = b"this is not a database" * 500
    db_file.write_bytes(damaged)
    assert backup.newest_good_backup(data_dir / "backups") == good
    pre = backup.restore(data_dir, good)
    assert pre.read_bytes() == damaged  # kept byte for byte
    assert len(export_of(data_dir).splitlines()) == 3


def test_restore_into_an_empty_folder(closed_desk, tmp_path):
    data_dir, good = closed_desk
    fresh = tmp_path / "fresh"
    assert backup.restore(fresh, good) is None
    bring_key(data_dir, fresh)
    assert len(export_of(fresh).splitlines()) == 3


# -- (e) the command -----------------------------------------------------------------------------


def run(capsys, data_dir, *args: str, user: str = IT.username):
    code = run_cli(data_dir, *args, user=user)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_backup_and_restore(capsys, data_dir, tmp_path):
    record(data_dir, 2)
    code, out, err = run(capsys, data_dir, "backup")
    assert code == 0, err
    made = Path(out.strip())
    assert made.parent == data_dir / "backups" and integrity(made) == [("ok",)]

    target = tmp_path / "copies" / "desk.sqlite3"
    code, out, err = run(capsys, data_dir, "backup", "--out", str(target))
    assert code == 0, err
    assert Path(out.strip()) == target and integrity(target) == [("ok",)]
    code, out, err = run(capsys, data_dir, "backup", "--out", str(target.parent))  # a folder
    assert code == 0, err
    assert Path(out.strip()).parent == target.parent
    assert backup.parse_name(Path(out.strip()).name).kind == backup.MANUAL

    record(data_dir, 1)
    code, out, err = run(capsys, data_dir, "restore", str(made))
    assert code == 0, err
    pre = Path(out.strip())
    assert pre.exists() and len(numbers_in(pre)) == 3
    assert len(export_of(data_dir).splitlines()) == 2

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 300)
    newer = newer_schema_copy(made, tmp_path / "newer.sqlite3")
    before = numbers_in(data_dir / DB_NAME)
    for bad, error in [
        (garbage, backup.NotABackup),
        (newer, backup.BackupTooNew),
        (tmp_path / "missing.sqlite3", backup.BackupMissing),
    ]:
        code, out, err = run(capsys, data_dir, "restore", str(bad))
        assert code == 2
        assert out == ""
        assert "Traceback" not in err
        assert err.strip() == error(name=str(bad), revision="9999_future").message()
        assert numbers_in(data_dir / DB_NAME) == before  # (the sign-in itself is recorded)


# -- (f) permissions -----------------------------------------------------------------------------


@posix_only
def test_backups_are_private(desk, data_dir, tmp_path):
    old_umask = os.umask(0o022)
    try:
        made = backup.make_backup(desk.acting(IT))
        out = backup.make_backup(desk.acting(IT), tmp_path / "elsewhere.sqlite3")
        daily = backup.daily_backup_if_due(desk.acting(IT))
    finally:
        os.umask(old_umask)
    assert (data_dir / "backups").stat().st_mode & 0o777 == 0o700
    for path in (made, out, daily):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_restoring_an_older_backup_keeps_the_audit_trail_verifiable(data_dir, valid_form):
    from desk_app.services import audit, backup, intake

    desk = open_acting(data_dir)
    intake.record_complaint(desk, valid_form)
    copy = backup.make_backup(desk.acting(IT))
    intake.record_complaint(desk, valid_form)
    desk.close()
    backup.restore(data_dir, copy)
    desk = open_acting(data_dir)
    try:
        assert audit.verify(desk).first_broken_seq is None  # not "truncated"
        actions = audit.list_events(desk, audit.AuditQuery()).rows
        assert [r.action for r in actions] == ["backup.restore", "complaint.record"]
        intake.record_complaint(desk, valid_form)
        result = audit.verify(desk)
        assert result.first_broken_seq is None and result.count == 3  # record, restore, record
    finally:
        desk.close()


def test_a_backup_is_recorded_in_the_audit_trail(desk):
    from sqlalchemy import select

    from desk_app.services import audit, backup
    from desk_app.store import models

    copy = backup.make_backup(desk.acting(IT))
    with desk.db.reading() as s:
        event = s.scalar(select(models.AuditEvent).where(models.AuditEvent.action == "backup.make"))
    assert event.object_id == copy.name and '"manual"' in event.after
    assert audit.verify(desk).first_broken_seq is None
