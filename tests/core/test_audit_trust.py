"""An audit trail that cannot be quietly cut or re-keyed: each kind of tampering done in the
files, then `desk-app --user NAME audit verify` (password on stdin) reports it in words, exit 1,
naming the event, tracking number or user; and a desk restored onto another PC, with its key
brought back from the recovery file, verifies its own trail."""

from __future__ import annotations

import io
import os
import secrets
import sqlite3
import sys
from pathlib import Path

import pytest

from desk_app import cli
from desk_app.audit import head, keyfile
from desk_app.domain.roles import Role
from desk_app.errors import (
    AuditKeyChanged,
    AuditKeyMissing,
    AuditStateDiffers,
    AuditTrailBroken,
    PermissionDenied,
)
from desk_app.services import accounts, audit, intake
from desk_app.services.desk import open_desk
from tests.conftest import CLERK, IT, PASSWORD, SUPERVISOR, make_form, open_acting, set_up_desk

DB_NAME = "meja-aduan.sqlite3"


def run(capsys, monkeypatch, data_dir: Path, *args: str, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_it(capsys, monkeypatch, data_dir: Path, *args: str):
    """`desk-app --user <the IT officer> ARGS...`, the password on standard input."""
    return run(capsys, monkeypatch, data_dir, "--user", IT.username, *args, stdin=PASSWORD)


def verify_cli(capsys, monkeypatch, data_dir: Path):
    return as_it(capsys, monkeypatch, data_dir, "audit", "verify")


def set_up(data_dir: Path, complaints: int = 3) -> list[intake.Recorded]:
    """A desk set up as `desk-app init` does (one user per role), with complaints recorded by
    the supervisor."""
    set_up_desk(data_dir)
    desk = open_acting(data_dir, SUPERVISOR)
    try:
        return [
            intake.record_complaint(desk, make_form(subject=f"Jalan rusak {i}"))
            for i in range(complaints)
        ]
    finally:
        desk.close()


def sql(data_dir: Path, *statements: str, params=()) -> None:
    """Raw SQL on the database file, as someone with the file would: triggers dropped."""
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in statements:
            conn.execute(statement, params)
    finally:
        conn.close()


def newest_seq(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        return conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0] or 0
    finally:
        conn.close()


@pytest.fixture
def trail(capsys, monkeypatch, data_dir):
    recorded = set_up(data_dir)
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert code == 0, err
    return recorded


def assert_reported(code: int, out: str, err: str, *words: str) -> None:
    assert code == 1
    assert out == ""
    assert "Traceback" not in err and "Error" not in err
    for word in words:
        assert word in err, (word, err)


# -- the chain ---------------------------------------------------------------------------------


def test_an_untouched_desk_verifies_through_the_cli(capsys, monkeypatch, data_dir, trail):
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert code == 0, err
    assert int(out) == newest_seq(data_dir)  # every event, this command's sign-in too


def test_deleted_newest_events_are_reported_despite_the_sign_in(
    capsys, monkeypatch, data_dir, trail
):
    last = newest_seq(data_dir)
    sql(data_dir, f"DELETE FROM audit_event WHERE seq >= {last - 1}")
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=last - 1, reason="truncated").message())


def test_deleted_newest_events_stay_reported_at_every_later_verify(
    capsys, monkeypatch, data_dir, trail
):
    last = newest_seq(data_dir)
    sql(data_dir, f"DELETE FROM audit_event WHERE seq >= {last - 1}")
    for _ in range(4):  # each sign-in adds an event; none may bury the cut
        code, out, err = verify_cli(capsys, monkeypatch, data_dir)
        assert code == 1 and "Traceback" not in err


def test_a_deleted_trail_is_reported(capsys, monkeypatch, data_dir, trail):
    sql(data_dir, "DELETE FROM audit_event")
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="deleted").message())


def test_a_deleted_trail_is_reported_without_the_head_file(capsys, monkeypatch, data_dir, trail):
    sql(data_dir, "DELETE FROM audit_event")
    (data_dir / head.HEAD_FILE).unlink()
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="deleted").message())
    assert newest_seq(data_dir) == 0  # the sign-in did not start a new trail over it


def test_a_deleted_trail_with_its_key_fingerprint_is_reported_by_the_tables(
    capsys, monkeypatch, data_dir, trail
):
    sql(
        data_dir,
        "DELETE FROM audit_event",
        f"DELETE FROM setting WHERE key = '{keyfile.FINGERPRINT_SETTING}'",
    )
    (data_dir / head.HEAD_FILE).unlink()
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, trail[0].tracking_no, IT.username, SUPERVISOR.username)


# -- the key -----------------------------------------------------------------------------------


def test_a_deleted_key_is_reported_and_never_made_again(capsys, monkeypatch, data_dir, trail):
    key_file = data_dir / keyfile.KEY_FILE
    key_file.unlink()
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="no_key").message())
    assert not key_file.exists()


def test_a_deleted_key_refuses_recording(data_dir, capsys, monkeypatch, trail):
    (data_dir / keyfile.KEY_FILE).unlink()
    desk = open_desk(data_dir)
    try:
        with pytest.raises(AuditKeyMissing):
            intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    finally:
        desk.close()
    assert not (data_dir / keyfile.KEY_FILE).exists()


def test_a_swapped_key_is_reported(capsys, monkeypatch, data_dir, trail):
    key_file = data_dir / keyfile.KEY_FILE
    other = secrets.token_bytes(32).hex() + "\n"
    key_file.write_text(other)
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="key_changed").message())
    assert key_file.read_text() == other  # reported, not replaced


def test_a_swapped_key_refuses_recording(data_dir, capsys, monkeypatch, trail):
    (data_dir / keyfile.KEY_FILE).write_text(secrets.token_bytes(32).hex())
    desk = open_desk(data_dir)
    try:
        with pytest.raises(AuditKeyChanged):
            intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    finally:
        desk.close()


def test_a_desk_without_events_makes_its_key(desk, data_dir):
    assert not (data_dir / keyfile.KEY_FILE).exists()
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    key = keyfile.read_key()
    assert key is not None
    with desk.db.reading() as session:
        assert keyfile.stored_fingerprint(session) == keyfile.fingerprint(key)


def test_a_desk_from_before_fingerprints_adopts_its_own_key(desk, data_dir):
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    sql(data_dir, f"DELETE FROM setting WHERE key = '{keyfile.FINGERPRINT_SETTING}'")
    intake.record_complaint(desk, make_form())
    assert audit.verify(desk).ok
    with desk.db.reading() as session:
        assert keyfile.stored_fingerprint(session) == keyfile.fingerprint(keyfile.read_key())


def test_a_desk_from_before_fingerprints_refuses_another_key(desk, data_dir):
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    sql(data_dir, f"DELETE FROM setting WHERE key = '{keyfile.FINGERPRINT_SETTING}'")
    keyfile.write_key(secrets.token_bytes(32))
    with pytest.raises(AuditKeyChanged):
        intake.record_complaint(desk, make_form())


# -- the tables against the trail --------------------------------------------------------------


def test_a_complaint_edited_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    number = trail[1].tracking_no
    sql(
        data_dir,
        "UPDATE complaint SET subject = 'Lain', status = 'closed' WHERE tracking_no = ?",
        params=(number,),
    )
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, number, "status, subject", AuditStateDiffers(count=1).message())
    assert trail[0].tracking_no not in err


def test_an_identity_blanked_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    number = trail[0].tracking_no
    sql(
        data_dir,
        "UPDATE complaint SET reporter_phone = NULL WHERE tracking_no = ?",
        params=(number,),
    )
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, number, "reporter_phone")


def test_an_identity_replaced_by_another_is_not_seen(capsys, monkeypatch, data_dir, trail):
    """The documented limit: identity values are not in the trail, only filled or empty."""
    sql(
        data_dir,
        "UPDATE complaint SET reporter_name = 'Orang Lain' WHERE tracking_no = ?",
        params=(trail[0].tracking_no,),
    )
    code, _out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert code == 0, err


def test_a_complaint_deleted_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    number = trail[2].tracking_no
    sql(data_dir, "DELETE FROM complaint WHERE tracking_no = ?", params=(number,))
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, number)


# The columns the row copied below names (later migrations add columns at the table's end).
COPIED = (
    "seq, id, tracking_no, desk_code, report_type, channel, received_at, recorded_by, "
    "reporter_name, reporter_nik, reporter_phone, reporter_email, reporter_address, "
    "anonymous, confidential, subject, description, category, agency, region, district, "
    "event_date, event_place, loss, remedy, complained_before, status, due_date, linked_to, "
    "created_at, updated_at"
)


def test_a_complaint_added_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    sql(
        data_dir,
        f"INSERT INTO complaint ({COPIED}) SELECT NULL, "
        "'ffffffff-0000-7000-8000-000000000000', 'BKS01-261122-9999-X', "
        f"{COPIED.split(', ', 3)[3]} FROM complaint WHERE seq = 1",
    )
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, "BKS01-261122-9999-X")


def test_a_role_edited_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    sql(
        data_dir, f"UPDATE desk_user SET role = 'admin_ti' WHERE username = '{SUPERVISOR.username}'"
    )
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, SUPERVISOR.username, "role")


def test_a_user_deleted_in_the_file_is_reported(capsys, monkeypatch, data_dir, trail):
    sql(data_dir, f"DELETE FROM desk_user WHERE username = '{SUPERVISOR.username}'")
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, SUPERVISOR.username)


def test_changes_through_the_services_verify(data_dir, capsys, monkeypatch, trail):
    from desk_app.services import corrections, privacy

    desk = open_desk(data_dir)
    try:
        koor = desk.acting(SUPERVISOR)
        form = make_form(subject="Jalan berlubang", reporter_name="Nama Baru", reporter_phone="")
        corrections.correct_complaint(koor, trail[0].id, form, reason="salah ketik")
        accounts.set_role(desk, IT, SUPERVISOR.username, Role.CLERK)
        accounts.disable_user(desk, IT, SUPERVISOR.username)
        privacy.erase_subject(
            desk.acting(SUPERVISOR),
            nik=make_form().reporter_nik,
            reason="permintaan",
            older_than_years=0,
        )
        result = audit.verify(desk.acting(IT))
    finally:
        desk.close()
    assert result.ok, result


# -- restore onto another PC -------------------------------------------------------------------


def test_a_desk_restored_on_another_pc_verifies_once_its_key_is_back(
    capsys, monkeypatch, tmp_path, data_dir, trail
):
    recovery = tmp_path / "usb" / "audit-key.txt"
    recovery.parent.mkdir()
    copy = tmp_path / "usb" / "backup.sqlite3"
    code, out, err = as_it(
        capsys, monkeypatch, data_dir, "audit", "key-export", "--out", str(recovery)
    )
    assert code == 0, err
    if os.name == "posix":
        assert recovery.stat().st_mode & 0o777 == 0o600
    code, out, err = as_it(capsys, monkeypatch, data_dir, "backup", "--out", str(copy))
    assert code == 0, err

    other_pc = tmp_path / "other-pc"
    code, _out, err = run(capsys, monkeypatch, other_pc, "restore", str(copy))
    assert code == 0, err
    code, out, err = verify_cli(capsys, monkeypatch, other_pc)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="no_key").message())
    code, out, err = as_it(capsys, monkeypatch, other_pc, "audit", "key-import", str(recovery))
    assert code == 0, err
    code, out, err = verify_cli(capsys, monkeypatch, other_pc)
    assert code == 0, err
    desk = open_desk(other_pc)
    try:
        seen = audit.list_events(desk.acting(IT), audit.AuditQuery(action="audit.key_import"))
    finally:
        desk.close()
    assert [r.actor for r in seen.rows] == [IT.username]


def test_the_key_of_another_desk_is_not_imported(capsys, monkeypatch, tmp_path, data_dir, trail):
    from desk_app.audit import recovery

    other = tmp_path / "other.key"
    other.write_text(recovery.render(secrets.token_bytes(32), "LAIN01"))
    before = (data_dir / keyfile.KEY_FILE).read_text()
    code, out, err = as_it(capsys, monkeypatch, data_dir, "audit", "key-import", str(other))
    assert code == 1 and "Traceback" not in err and err.strip()
    assert (data_dir / keyfile.KEY_FILE).read_text() == before


def test_key_import_puts_back_the_right_key_over_a_swapped_one(
    capsys, monkeypatch, tmp_path, data_dir, trail
):
    recovery = tmp_path / "audit-key.txt"
    code, _out, err = as_it(
        capsys, monkeypatch, data_dir, "audit", "key-export", "--out", str(recovery)
    )
    assert code == 0, err
    (data_dir / keyfile.KEY_FILE).write_text(secrets.token_bytes(32).hex())
    code, _out, err = as_it(capsys, monkeypatch, data_dir, "audit", "key-import", str(recovery))
    assert code == 0, err
    assert list(data_dir.glob("audit.key.replaced-*"))  # the wrong one kept, not deleted
    code, _out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert code == 0, err


# -- a damaged database ------------------------------------------------------------------------


def test_a_damaged_audit_page_is_reported_not_a_crash(capsys, monkeypatch, data_dir):
    set_up(data_dir, complaints=0)
    desk = open_desk(data_dir)
    try:
        intake.record_many(desk.acting(SUPERVISOR), [(n, make_form()) for n in range(1, 301)])
    finally:
        desk.close()
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'audit_event' AND pagetype = 'leaf' "
            "ORDER BY path LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()
    with open(data_dir / DB_NAME, "r+b") as fh:  # the oldest events' page, garbled
        fh.seek((page - 1) * page_size)
        fh.write(b"\xff" * page_size)
    code, out, err = verify_cli(capsys, monkeypatch, data_dir)
    assert_reported(code, out, err, AuditTrailBroken(seq=1, reason="damaged").message())


# -- the head record ---------------------------------------------------------------------------


def test_a_torn_head_write_keeps_the_older_slot(data_dir):
    from desk_app import paths

    paths.init(data_dir)
    path = head.head_path()
    head.anchor(4, "aa" * 32)
    head.advance(path, 5, "aa" * 32, 5, "bb" * 32)
    assert head.read_head() == (5, "bb" * 32)
    raw = bytearray(path.read_bytes())
    newer = 0 if raw[: head.SLOT].find(bytes.fromhex("bb" * 32)) >= 0 else 1
    raw[newer * head.SLOT + 20] ^= 0xFF  # half of the newest write reached the disk
    path.write_bytes(bytes(raw))
    assert head.read_head() == (4, "aa" * 32)


def test_a_head_torn_in_both_slots_is_no_head(data_dir):
    from desk_app import paths

    paths.init(data_dir)
    head.anchor(4, "aa" * 32)
    head.head_path().write_bytes(b"\x00" * 7)
    assert head.read_head() is None


def test_a_save_overwrites_the_head_in_place(desk, data_dir):
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    path = data_dir / head.HEAD_FILE
    inode = path.stat().st_ino
    intake.record_complaint(desk, make_form())
    assert path.stat().st_ino == inode  # no temporary file renamed over it
    assert path.stat().st_size == 2 * head.SLOT
    assert head.read_head()[0] == 2


# -- who may --------------------------------------------------------------------------------------


@pytest.fixture
def clerk_desk(desk, tmp_path):
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    return desk.acting(CLERK)


def test_a_clerk_may_not_list_events(clerk_desk):
    with pytest.raises(PermissionDenied):
        audit.list_events(clerk_desk, audit.AuditQuery())


def test_a_clerk_may_not_read_an_event(clerk_desk):
    with pytest.raises(PermissionDenied):
        audit.get_event(clerk_desk, 1)


def test_a_clerk_may_not_list_actions(clerk_desk):
    with pytest.raises(PermissionDenied):
        audit.actions(clerk_desk)


def test_a_clerk_may_not_export_events(clerk_desk, tmp_path):
    with pytest.raises(PermissionDenied):
        audit.export_events(clerk_desk, audit.AuditQuery(), tmp_path / "audit.csv")
    assert not (tmp_path / "audit.csv").exists()


def test_a_clerk_may_not_verify(clerk_desk):
    with pytest.raises(PermissionDenied):
        audit.verify(clerk_desk)


def test_a_supervisor_may_not_export_the_key(desk, tmp_path):
    intake.record_complaint(desk.acting(SUPERVISOR), make_form())
    with pytest.raises(PermissionDenied):
        audit.export_key(desk, tmp_path / "key.txt")
    assert not (tmp_path / "key.txt").exists()


def test_a_clerk_may_not_import_a_key(clerk_desk, tmp_path):
    from desk_app.audit import recovery

    source = tmp_path / "key.txt"
    source.write_text(recovery.render(keyfile.read_key(), "PKU01"))
    with pytest.raises(PermissionDenied):
        audit.import_key(clerk_desk, source)
