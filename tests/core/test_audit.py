"""The audit trail: every recorded complaint leaves a sealed, chained event; the table refuses
UPDATE and DELETE; and `audit verify` finds tampering done with raw SQL after the triggers were
dropped (an edited, deleted, inserted or moved event, and deleted newest events)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from desk_app import cli
from desk_app.audit import head, keyfile, seal
from desk_app.errors import AuditTrailBroken, NotFound
from desk_app.services import audit, intake
from desk_app.store import models
from tests.conftest import IT, make_form, open_acting, run_cli

DB_NAME = "meja-aduan.sqlite3"


def record(desk, n: int) -> list[intake.Recorded]:
    return [
        intake.record_complaint(desk, make_form(subject=f"Jalan rusak nomor {i}")) for i in range(n)
    ]


def events(desk) -> list[models.AuditEvent]:
    with desk.db.reading() as session:
        return list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq)))


def tamper(data_dir, *statements: str, params=()) -> None:
    """Raw SQL on the database file, as an attacker would: drop the triggers first."""
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in statements:
            conn.execute(statement, params)
    finally:
        conn.close()


def raw_row(data_dir, seq: int) -> dict:
    conn = sqlite3.connect(data_dir / DB_NAME)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM audit_event WHERE seq = ?", (seq,)).fetchone())
    finally:
        conn.close()


def insert_raw(data_dir, row: dict) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    tamper(
        data_dir,
        f"INSERT INTO audit_event ({columns}) VALUES ({marks})",
        params=tuple(row.values()),
    )


def run(capsys, data_dir, *args: str, user: str = IT.username):
    code = run_cli(data_dir, *args, user=user)
    out, err = capsys.readouterr()
    return code, out, err


# -- recording ----------------------------------------------------------------------------------


def test_recording_complaints_writes_chained_events(desk, data_dir):
    recorded = record(desk, 3)
    rows = events(desk)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == seal.ZERO_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert len({r.hash for r in rows}) == 3
    for row, done in zip(rows, recorded, strict=True):
        assert (row.action, row.object_type, row.object_id) == (
            "complaint.record",
            "complaint",
            done.id,
        )
        assert row.actor == desk.user
        assert row.before is None and row.reason is None
        after = json.loads(row.after)
        assert after["tracking_no"] == done.tracking_no
        assert after["due_date"] == done.due_date.isoformat()
        assert after["attachments"] == []
    assert audit.verify(desk) == audit.VerifyResult(3, None, "ok")
    assert head.read_head() == (3, rows[-1].hash)


def test_the_key_lives_outside_the_database(desk, data_dir):
    record(desk, 1)
    key_file = data_dir / keyfile.KEY_FILE
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip().encode() not in (data_dir / DB_NAME).read_bytes()


def test_import_records_one_event_per_complaint(desk):
    forms = [(n, make_form(subject=f"Lampu padam {n}")) for n in range(1, 5)]
    recorded = intake.record_many(desk, forms)
    assert [r.object_id for r in events(desk)] == [r.id for r in recorded]
    assert audit.verify(desk).count == 4


def test_a_failed_save_leaves_no_event_and_the_head_alone(desk):
    record(desk, 1)
    anchored = head.read_head()
    with pytest.raises(NotFound):
        intake.record_complaint(desk, make_form(), link_to="no-such-id")
    assert len(events(desk)) == 1
    assert head.read_head() == anchored
    assert audit.verify(desk).ok


def test_an_empty_trail_verifies(desk):
    assert audit.verify(desk) == audit.VerifyResult(0, None, "ok")


def test_verify_reads_in_batches(desk, data_dir):
    record(desk, 7)
    assert audit.verify(desk, batch=2) == audit.VerifyResult(7, None, "ok")
    tamper(data_dir, "UPDATE audit_event SET actor = 'someone' WHERE seq = 6")
    assert audit.verify(desk, batch=2) == audit.VerifyResult(5, 6, "altered")


# -- the table refuses changes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        update(models.AuditEvent).where(models.AuditEvent.seq == 1).values(actor="x"),
        delete(models.AuditEvent).where(models.AuditEvent.seq == 1),
        delete(models.AuditEvent),
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_triggers_refuse_update_and_delete_through_the_app(desk, statement):
    record(desk, 2)
    before = [(r.seq, r.hash, r.actor) for r in events(desk)]
    with pytest.raises(DBAPIError, match="append-only"):
        with desk.db.writing() as session:
            session.execute(statement)
    assert [(r.seq, r.hash, r.actor) for r in events(desk)] == before


# -- tampering with raw SQL after dropping the triggers -----------------------------------------


def test_edited_event_is_found(desk, data_dir):
    record(desk, 3)
    tamper(data_dir, "UPDATE audit_event SET after = replace(after, 'Jalan', 'Gang') WHERE seq = 2")
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "altered")


def test_garbled_time_is_found_not_a_crash(desk, data_dir):
    record(desk, 2)
    tamper(data_dir, "UPDATE audit_event SET at = 'kemarin' WHERE seq = 2")
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "altered")


def test_deleted_middle_event_is_found(desk, data_dir):
    record(desk, 4)
    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 2")
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "missing")


def test_deleted_first_event_is_found(desk, data_dir):
    record(desk, 3)
    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 1")
    assert audit.verify(desk) == audit.VerifyResult(0, 1, "missing")


def forged(data_dir, seq: int, prev_hash: str) -> dict:
    """A plausible event: copied from a real one, sealed with a key that is not the desk's."""
    row = raw_row(data_dir, 1)
    row.update(seq=seq, prev_hash=prev_hash, actor="penyusup", object_id="0190-forged")
    row["hash"] = seal.seal(secrets.token_bytes(32), row)
    return row


def test_forged_event_appended_is_found(desk, data_dir):
    record(desk, 3)
    insert_raw(data_dir, forged(data_dir, 4, raw_row(data_dir, 3)["hash"]))
    assert audit.verify(desk) == audit.VerifyResult(3, 4, "altered")


def test_forged_event_inserted_in_the_middle_is_found(desk, data_dir):
    record(desk, 3)
    tamper(
        data_dir,
        "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 2",
        "UPDATE audit_event SET seq = seq - 999 WHERE seq > 1000",
    )
    insert_raw(data_dir, forged(data_dir, 2, raw_row(data_dir, 1)["hash"]))
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "altered")


def test_reordered_events_are_found(desk, data_dir):
    record(desk, 4)
    tamper(
        data_dir,
        "UPDATE audit_event SET seq = -1 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = -1",
    )
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "altered")


def test_swapped_contents_are_found(desk, data_dir):
    record(desk, 3)
    two, three = raw_row(data_dir, 2), raw_row(data_dir, 3)
    columns = [c for c in two if c != "seq"]
    sets = ", ".join(f"{c} = ?" for c in columns)
    for seq, source in ((2, three), (3, two)):
        tamper(
            data_dir,
            f"UPDATE audit_event SET {sets} WHERE seq = {seq}",
            params=tuple(source[c] for c in columns),
        )
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "altered")


def test_deleted_newest_events_are_found_from_the_head(desk, data_dir):
    record(desk, 4)
    tamper(data_dir, "DELETE FROM audit_event WHERE seq >= 3")
    assert audit.verify(desk) == audit.VerifyResult(2, 3, "truncated")


def test_without_the_head_a_cut_tail_is_found_by_what_it_recorded(desk, data_dir):
    record(desk, 4)
    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 4")
    (data_dir / head.HEAD_FILE).unlink()
    result = audit.verify(desk)
    assert result.reason == "state"
    assert [(d.kind, d.problem) for d in result.differences] == [("complaint", "unrecorded")]


def test_without_the_head_a_cut_tail_that_changed_nothing_goes_unnoticed(desk, data_dir):
    """The documented limit: whoever deletes audit.head along with the newest events, when
    those changed no complaint or user (a sign-in, a backup), wins."""
    record(desk, 3)
    with desk.db.writing() as session:
        audit.append(session, desk, "backup.make", "backup", "copy.sqlite3")
    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 4")
    (data_dir / head.HEAD_FILE).unlink()
    assert audit.verify(desk) == audit.VerifyResult(3, None, "ok")


def test_a_lagging_head_is_fine_and_a_leading_one_is_kept_as_evidence(desk, data_dir):
    record(desk, 3)
    first = events(desk)[0]
    head.anchor(1, first.hash)
    assert audit.verify(desk).ok  # e.g. killed between the commit and the head's update
    head.anchor(9, "ab" * 32)
    assert audit.verify(desk) == audit.VerifyResult(3, 4, "truncated")
    record(desk, 1)  # new events do not move a head that is ahead of the trail
    assert head.read_head() == (9, "ab" * 32)
    newest = events(desk)[-1]
    head.anchor(newest.seq, newest.hash)  # what a restore does (desk_app.audit.chain)
    assert audit.verify(desk) == audit.VerifyResult(4, None, "ok")
    head.forget()
    assert audit.verify(desk) == audit.VerifyResult(4, None, "ok")
    record(desk, 1)
    assert head.read_head() == (5, events(desk)[-1].hash)


def test_with_the_key_a_rewrite_is_caught_by_the_head_or_the_links(desk, data_dir):
    """Someone holding the key can make valid seals; the links and the head still catch some."""
    record(desk, 3)
    key = keyfile.read_key()
    unlinked = raw_row(data_dir, 2) | {"prev_hash": "ab" * 32}
    unlinked["hash"] = seal.seal(key, unlinked)
    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 2")
    insert_raw(data_dir, unlinked)
    assert audit.verify(desk) == audit.VerifyResult(1, 2, "unlinked")

    tamper(data_dir, "DELETE FROM audit_event WHERE seq >= 2")
    prev = raw_row(data_dir, 1)["hash"]
    for seq in (2, 3):  # a rewritten tail, properly chained and sealed
        row = raw_row(data_dir, 1) | {"seq": seq, "prev_hash": prev, "actor": "penyusup"}
        row["hash"] = prev = seal.seal(key, row)
        insert_raw(data_dir, row)
    assert audit.verify(desk) == audit.VerifyResult(2, 3, "rewritten")


def test_a_missing_or_damaged_key_is_reported(desk, data_dir):
    record(desk, 2)
    key_file = data_dir / keyfile.KEY_FILE
    key = key_file.read_text()
    key_file.unlink()
    assert audit.verify(desk) == audit.VerifyResult(0, 1, "no_key")
    assert not key_file.exists()  # verify never makes a key
    key_file.write_text("not a key")
    assert audit.verify(desk) == audit.VerifyResult(0, 1, "no_key")
    key_file.write_text(key)
    assert audit.verify(desk).ok


def test_the_seal_is_hmac_sha256_over_canonical_json(desk, data_dir):
    record(desk, 1)
    row = raw_row(data_dir, 1)
    key = bytes.fromhex((data_dir / keyfile.KEY_FILE).read_text().strip())
    at = row["at"].replace(" ", "T")
    fields = [seal.FORMAT, 1, at, row["actor"], row["action"], row["object_type"]]
    fields += [row["object_id"], None, row["after"], None, seal.ZERO_HASH]
    message = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    assert row["hash"] == hmac.new(key, message, hashlib.sha256).hexdigest()


# -- schema -------------------------------------------------------------------------------------


def test_a_database_from_before_the_audit_trail_upgrades(data_dir):
    from alembic import command

    from desk_app import paths
    from desk_app.store import migrate
    from desk_app.store.db import Database, sqlite_url

    paths.init(data_dir)
    old = Database(sqlite_url(data_dir / DB_NAME))
    command.upgrade(migrate.alembic_config(old), "0001")
    old.close()
    desk = open_acting(data_dir)
    try:
        assert migrate.current_revision(desk.db) == migrate.SCHEMA_HEAD
        assert audit.verify(desk) == audit.VerifyResult(0, None, "ok")
        record(desk, 2)
        assert audit.verify(desk).count == 2
    finally:
        desk.close()


# -- the command --------------------------------------------------------------------------------


def test_cli_audit_verify_exit_codes(capsys, desk, data_dir):
    record(desk, 3)
    code, out, err = run(capsys, data_dir, "audit", "verify")
    assert code == 0, err
    checked = len(events(desk))  # the 3 recordings, the set-up, the sign-ins
    assert out.strip() == str(checked) and checked > 3
    assert str(checked) in err

    tamper(data_dir, "DELETE FROM audit_event WHERE seq = 2")
    code, out, err = run(capsys, data_dir, "audit", "verify")
    assert code == 1
    assert out == ""
    assert err.strip() == AuditTrailBroken(seq=2, reason="missing").message()
    assert "2" in err and "Traceback" not in err


def test_cli_audit_needs_an_action(capsys, data_dir):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--data-dir", str(data_dir), "audit"])
    assert exc.value.code == 2
