"""A reporter's personal-data requests (UU 27/2022): find, export, erase; the private data
folder; the log file and its scrubbing filter; `desk-app privacy`."""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import stat
import sys

import pytest
from sqlalchemy import func, select

from desk_app import cli, logs, paths, settings
from desk_app.errors import ValidationFailed
from desk_app.services import audit, intake, lookup, privacy
from desk_app.services.privacy import ExportNotWritten
from desk_app.store import models
from tests.conftest import SUPERVISOR, make_form, make_training_desk, run_cli

NIK = "1471054107990077"
PHONE = "+6281299990123"
EMAIL = "kanari.zyxwvu@example.id"
NAME = "Kanari Zyxwvu Testname"
POSIX = os.name == "posix"


@pytest.fixture(autouse=True)
def _restore_logging_and_umask():
    umask = os.umask(0o022)
    os.umask(umask)
    hooks = sys.excepthook, __import__("threading").excepthook
    yield
    logs.teardown()
    os.umask(umask)
    sys.excepthook, __import__("threading").excepthook = hooks


def subject_form(**overrides):
    values = dict(
        reporter_name=NAME,
        reporter_nik=NIK,
        reporter_phone="0812 9999 0123",
        reporter_email="Kanari.Zyxwvu@example.id",
        reporter_address="Jl. Kenari No. 7",
        subject="Jembatan kanarizyx rusak",
    )
    values.update(overrides)
    return make_form(**values)


def years_ago(desk, years: int) -> dt.datetime:
    return desk.now() - dt.timedelta(days=365 * years + 5)


@pytest.fixture
def recorded(desk):
    """Two old complaints of the subject (one by NIK only, one by phone only), one recent
    one, and one of somebody else."""
    old_nik = intake.record_complaint(
        desk, subject_form(reporter_phone="", reporter_email=""), now=years_ago(desk, 7)
    )
    old_phone = intake.record_complaint(
        desk, subject_form(reporter_nik="", reporter_email=""), now=years_ago(desk, 6)
    )
    recent = intake.record_complaint(desk, subject_form(), now=years_ago(desk, 1))
    other = intake.record_complaint(desk, make_form(), now=years_ago(desk, 8))
    return dict(old_nik=old_nik, old_phone=old_phone, recent=recent, other=other)


def complaint(desk, id_):
    with desk.db.reading() as s:
        return s.scalar(select(models.Complaint).where(models.Complaint.id == id_))


def events(desk, action=None):
    with desk.db.reading() as s:
        stmt = select(models.AuditEvent).order_by(models.AuditEvent.seq)
        if action:
            stmt = stmt.where(models.AuditEvent.action == action)
        return list(s.scalars(stmt))


# -- find ----------------------------------------------------------------------------------


def test_find_by_each_identifier_normalised(desk, recorded):
    r = recorded
    assert privacy.find_subject(desk, nik="1471-0541-0799-0077") == [
        r["old_nik"].id,
        r["recent"].id,
    ]
    assert privacy.find_subject(desk, phone="0812-9999-0123") == [
        r["old_phone"].id,
        r["recent"].id,
    ]
    assert privacy.find_subject(desk, email="KANARI.ZYXWVU@example.id") == [r["recent"].id]
    assert set(privacy.find_subject(desk, nik=NIK, phone=PHONE)) == {
        r["old_nik"].id,
        r["old_phone"].id,
        r["recent"].id,
    }


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"nik": "1234"}, "nik"),
        ({"phone": "12"}, "phone"),
        ({"email": "x@"}, "email"),
        ({}, "subject"),
    ],
)
def test_bad_identifiers_are_validation_errors_without_the_value(desk, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        privacy.find_subject(desk, **kwargs)
    assert set(exc.value.errors) == {field}
    for value in kwargs.values():
        assert value not in str(exc.value.errors)


# -- export --------------------------------------------------------------------------------


def test_export_holds_fields_attachments_and_history_and_is_audited(desk, recorded, tmp_path):
    from desk_app.services import attachments

    scan = tmp_path / "ktp <scan>.txt"
    scan.write_text("scan", encoding="utf-8")
    added = attachments.add_file(desk, scan)
    with_file = intake.record_complaint(
        desk,
        subject_form(attachments=[added], description="Kanari <b>tebal</b> & rusak parah sekali"),
    )
    out, page = tmp_path / "export.json", tmp_path / "export.html"
    count = privacy.export_subject(desk, nik=NIK, out=out, html_out=page)
    assert count == 3

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["identifiers"] == {"nik": NIK}
    by_id = {c["id"]: c for c in data["complaints"]}
    assert set(by_id) == {recorded["old_nik"].id, recorded["recent"].id, with_file.id}
    item = by_id[with_file.id]
    assert item["reporter_name"] == NAME and item["reporter_phone"] == PHONE
    assert item["tracking_no"] == with_file.tracking_no
    assert item["attachments"] == [
        {"filename": "ktp <scan>.txt", "sha256": added["sha256"], "size": 4}
    ]
    assert [e["action"] for e in item["audit_events"]] == ["complaint.record"]
    # The trail keeps only that the identity was given, never the identity itself.
    assert item["audit_events"][0]["after"]["reporter_nik"] == intake.IDENTITY_MARK

    text = page.read_text(encoding="utf-8")
    assert "<b>tebal</b>" not in text and html.escape("<b>tebal</b>") in text
    assert html.escape("ktp <scan>.txt") in text and with_file.tracking_no in text
    if POSIX:
        assert stat.S_IMODE(out.stat().st_mode) == 0o600

    (event,) = events(desk, "privacy.export")
    assert (event.object_type, event.object_id) == ("privacy", "nik")
    assert NIK not in (event.before or "") + (event.after or "") + (event.reason or "")
    assert audit.verify(desk).ok


def test_export_to_an_unwritable_place_writes_and_audits_nothing(desk, recorded, tmp_path):
    with pytest.raises(ExportNotWritten) as exc:
        privacy.export_subject(desk, nik=NIK, out=tmp_path / "missing" / "x.json")
    assert NIK not in exc.value.message()
    good = tmp_path / "ok.json"
    with pytest.raises(ExportNotWritten):
        privacy.export_subject(desk, nik=NIK, out=good, html_out=tmp_path / "nope" / "x.html")
    assert not good.exists()  # all or nothing
    assert events(desk, "privacy.export") == []


# -- erase ---------------------------------------------------------------------------------


def test_erase_blanks_old_complaints_only_and_audits_field_names_not_values(desk, recorded):
    r = recorded
    before = lookup.list_complaints(desk, lookup.ListQuery(text="Kanari Zyxwvu")).rows
    assert {row.id for row in before} == {r["old_nik"].id, r["old_phone"].id, r["recent"].id}
    result = privacy.erase_subject(desk, nik=NIK, phone=PHONE, reason="permintaan subjek #12")
    assert (result.erased, result.kept, result.older_than_years) == (2, 1, 5)

    for key in ("old_nik", "old_phone"):
        c = complaint(desk, r[key].id)
        assert (c.reporter_name, c.reporter_nik, c.reporter_phone, c.reporter_email) == (
            "",
            None,
            None,
            None,
        )
        assert c.reporter_address == ""
        assert c.subject == "Jembatan kanarizyx rusak"  # the complaint itself stays
    assert complaint(desk, r["recent"].id).reporter_name == NAME
    assert complaint(desk, r["other"].id).reporter_name == make_form().reporter_name

    # Full text no longer finds the name in the erased complaints (the trigger followed).
    found = lookup.list_complaints(desk, lookup.ListQuery(text="Kanari Zyxwvu")).rows
    assert [row.id for row in found] == [r["recent"].id]

    erased = events(desk, "privacy.erase")
    assert {e.object_id for e in erased} == {r["old_nik"].id, r["old_phone"].id}
    for e in erased:
        assert e.reason == "permintaan subjek #12"
        before, after = json.loads(e.before), json.loads(e.after)
        assert "reporter_name" in before["fields_set"]
        assert after == privacy.IDENTITY_BLANKS
        for value in (NAME, NIK, PHONE, "Kenari"):
            assert value not in e.before + e.after
    (req,) = events(desk, "privacy.erase_request")
    assert req.object_id == "nik+phone" and NIK not in req.after
    assert audit.verify(desk).ok


def test_erase_uses_the_setting_and_an_explicit_period(desk, recorded):
    settings.set_value(desk.db, "retention_years", 10)
    result = privacy.erase_subject(desk, nik=NIK, reason="r")
    assert (result.erased, result.kept) == (0, 2)
    result = privacy.erase_subject(desk, nik=NIK, reason="r", older_than_years=0)
    assert (result.erased, result.kept) == (2, 0)
    assert privacy.find_subject(desk, nik=NIK) == []


def test_erase_needs_a_reason_and_a_sane_period(desk, recorded):
    with pytest.raises(ValidationFailed) as exc:
        privacy.erase_subject(desk, nik=NIK, reason="  ")
    assert set(exc.value.errors) == {"reason"}
    with pytest.raises(ValidationFailed):
        privacy.erase_subject(desk, nik=NIK, reason="r", older_than_years=-1)
    assert complaint(desk, recorded["old_nik"].id).reporter_nik == NIK


def test_erase_is_all_or_nothing(desk, recorded, monkeypatch):
    calls = []

    def failing_append(session, *args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(session, *args, **kwargs)

    real = audit.append
    monkeypatch.setattr(audit, "append", failing_append)
    with pytest.raises(RuntimeError):
        privacy.erase_subject(desk, nik=NIK, phone=PHONE, reason="r")
    assert complaint(desk, recorded["old_nik"].id).reporter_name == NAME
    assert events(desk, "privacy.erase") == []


# -- the CLI -------------------------------------------------------------------------------


def run(capsys, data_dir, *args: str, user: str = SUPERVISOR.username):
    code = run_cli(data_dir, *args, user=user)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_export_and_erase(capsys, data_dir, desk, recorded, tmp_path):
    out, page = tmp_path / "subjek.json", tmp_path / "subjek.html"
    code, stdout, err = run(
        capsys, data_dir, "privacy", "export", "--phone", "0812 9999 0123", "--out", str(out),
        "--html", str(page),
    )  # fmt: skip
    assert code == 0, err
    assert stdout.strip() == "2"
    assert len(json.loads(out.read_text(encoding="utf-8"))["complaints"]) == 2
    assert page.exists()

    code, stdout, err = run(
        capsys, data_dir, "privacy", "erase", "--nik", NIK, "--reason", "permintaan",
        "--older-than-years", "3",
    )  # fmt: skip
    assert code == 0, err
    assert stdout.strip() == "erased=1 kept=1"
    assert "1" in err


@pytest.mark.parametrize(
    "args",
    [
        ["privacy", "export", "--nik", "1234", "--out", "x.json"],
        ["privacy", "erase", "--email", "bukan-email", "--reason", "r"],
        ["privacy", "erase", "--nik", NIK, "--reason", " "],
        ["privacy", "erase", "--nik", NIK, "--reason", "r", "--older-than-years", "-2"],
    ],
)
def test_cli_bad_input_exits_2(capsys, data_dir, args):
    code, stdout, err = run(capsys, data_dir, *args)
    assert code == 2
    assert stdout == ""
    assert "1234" not in err and "bukan-email" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["privacy", "export", "--out", "x.json"],  # no identifier
        ["privacy", "export", "--nik", NIK, "--phone", PHONE, "--out", "x.json"],  # two
        ["privacy", "erase", "--nik", NIK],  # no reason
    ],
)
def test_cli_usage_errors_exit_2(capsys, data_dir, args):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--data-dir", str(data_dir), *args])
    assert exc.value.code == 2


# -- the private data folder ---------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_init_makes_the_data_folder_and_its_files_private(tmp_path):
    folder = tmp_path / "desk"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "meja-aduan.sqlite3").write_bytes(b"")
    (folder / "window.ini").write_text("x")
    (folder / "backups").mkdir()
    (folder / "not-ours.sh").write_text("#!/bin/sh\n")  # a --data-dir pointed at a busy folder
    for p in folder.iterdir():
        os.chmod(p, 0o755 if p.is_dir() or p.suffix == ".sh" else 0o644)
    paths.init(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "not-ours.sh").stat().st_mode) == 0o755  # left alone
    assert stat.S_IMODE((folder / "meja-aduan.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "window.ini").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "backups").stat().st_mode) == 0o700


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_files_made_through_the_cli_are_private(capsys, tmp_path):
    folder = tmp_path / "fresh"
    os.umask(0o022)
    make_training_desk(folder)  # demo data goes only to a training desk
    code, _out, err = run(capsys, folder, "demo-data", "--count", "3", "--seed", "1")
    assert code == 0, err
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    made = [p for p in folder.rglob("*")]
    assert any(p.name == "meja-aduan.sqlite3" for p in made)
    for p in made:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, (p, oct(mode))


# -- the log -------------------------------------------------------------------------------


def test_log_file_rotates_in_the_log_folder_and_scrubs_identifiers(data_dir):
    paths.init(data_dir)
    handler = logs.setup()
    assert handler.maxBytes == 1_000_000 and handler.backupCount == 5
    log = logging.getLogger("desk_app.test")
    log.warning("nik %s phone %s mail %s", NIK, "+62 812 9999 0123", EMAIL)
    log.warning("national 0812-9999-0123 and %(x)s", {"x": "6281299990123"})
    log.info("tracking number PKU01-261122-0007-4 kept, seq 12345")
    try:
        raise ValueError(f"bad {NIK} {EMAIL}")
    except ValueError:
        log.exception("failed")
    handler.flush()
    text = (paths.log_dir() / "meja-aduan.log").read_text(encoding="utf-8")
    for value in (NIK, "812", "9999", EMAIL, "zyxwvu", "6281299990123"):
        assert value not in text.lower(), value
    assert "[NIK]" in text and "[PHONE]" in text and "[EMAIL]" in text
    assert "PKU01-261122-0007-4" in text and "12345" in text
    assert "ValueError" in text


def test_setup_again_moves_the_log_to_the_new_folder(tmp_path):
    paths.init(tmp_path / "a")
    logs.setup()
    paths.init(tmp_path / "b")
    logs.setup()
    logging.getLogger("desk_app.test").warning("hello")
    assert "hello" in (tmp_path / "b" / "logs" / "meja-aduan.log").read_text(encoding="utf-8")
    assert "hello" not in (tmp_path / "a" / "logs" / "meja-aduan.log").read_text(encoding="utf-8")
    root_handlers = [h for h in logging.getLogger().handlers if isinstance(h, type(logs._handler))]
    assert root_handlers.count(logs._handler) == 1


def test_after_erasure_no_byte_of_the_identity_is_left_in_the_database(desk, data_dir):
    """Not in the complaint, not in the audit trail (it keeps only that identity fields were
    set), not in the full-text index, not in freed pages."""
    nik, name, phone = "1403016404800007", "Qorinawati Jumbarsyah", "081377889911"
    form = make_form(
        reporter_name=name,
        reporter_nik=nik,
        reporter_phone=phone,
        reporter_email="qorina.jumbar@example.id",
        reporter_address="Jl. Kuini 9",
    )
    recorded = intake.record_complaint(desk, form, now=years_ago(desk, 9))
    with desk.db.reading() as s:
        event = s.scalar(
            select(models.AuditEvent).where(models.AuditEvent.object_id == recorded.id)
        )
    assert nik not in event.after and "Qorinawati" not in event.after
    result = privacy.erase_subject(desk, nik=nik, reason="permintaan subjek")
    assert result.erased == 1
    desk.close()
    raw = b"".join(p.read_bytes() for p in data_dir.glob("meja-aduan.sqlite3*"))
    for needle in (nik, "qorinawati", "jumbarsyah", "77889911", "qorina.jumbar", "Kuini"):
        assert needle.encode() not in raw.lower(), needle


def test_only_a_supervisor_handles_personal_data_and_the_preview_matches_the_erasure(
    desk, recorded
):
    from desk_app.domain.roles import Actor, Role
    from desk_app.errors import PermissionDenied

    for role in (Role.CLERK, Role.IT):
        who = desk.acting(Actor("orang", "Orang", role))
        for call in (
            lambda who=who: privacy.find_subject(who, nik=NIK),
            lambda who=who: privacy.preview_erasure(who, nik=NIK),
            lambda who=who: privacy.erase_subject(who, nik=NIK, reason="uji"),
        ):
            with pytest.raises(PermissionDenied):
                call()
    desk = desk.acting(Actor("koor", "Koordinator", Role.SUPERVISOR))
    preview = privacy.preview_erasure(desk, nik=NIK, phone=PHONE)
    result = privacy.erase_subject(desk, nik=NIK, phone=PHONE, reason="permintaan subjek")
    assert (preview.erase, preview.keep) == (result.erased, result.kept) == (2, 1)


# -- issue 7: attachments, the record of erasures, retention, refusals, the readable export ------

from desk_app.services import attachments, backup, erasure_record, retention  # noqa: E402
from desk_app.services.desk import open_desk  # noqa: E402
from tests.conftest import CLERK, IT  # noqa: E402


def attach(desk, tmp_path, name: str, content: bytes) -> dict:
    source = tmp_path / name
    source.write_bytes(content)
    return attachments.add_file(desk, source)


def attachment_rows(desk) -> list[tuple[str, str, str]]:
    with desk.db.reading() as s:
        return [
            (a.complaint_id, a.filename, a.sha256) for a in s.scalars(select(models.Attachment))
        ]


@pytest.fixture
def with_files(desk, tmp_path):
    """An old complaint of the reporter with a KTP scan named after them and a letter that a
    recent complaint of somebody else carries too."""
    ktp = attach(desk, tmp_path, "KTP Kanari Zyxwvu.jpg", b"ktp scan of kanari")
    letter = attach(desk, tmp_path, "surat-lurah.pdf", b"a letter both complaints carry")
    old = intake.record_complaint(
        desk, subject_form(attachments=[ktp, letter]), now=years_ago(desk, 7)
    )
    other = intake.record_complaint(desk, make_form(attachments=[letter]), now=years_ago(desk, 1))
    return dict(old=old, other=other, ktp=ktp, letter=letter)


def test_erasure_removes_the_attachment_rows_and_files_but_a_shared_file_stays(desk, with_files):
    ktp, letter = with_files["ktp"], with_files["letter"]
    assert attachments.stored_path(desk, ktp["sha256"]).exists()
    privacy.erase_subject(desk.acting(SUPERVISOR), nik=NIK, reason="permintaan subjek")

    rows = attachment_rows(desk)
    assert rows == [(with_files["other"].id, "surat-lurah.pdf", letter["sha256"])]
    assert not any("Kanari" in name for _id, name, _sha in rows)
    assert not attachments.stored_path(desk, ktp["sha256"]).exists()
    assert attachments.stored_path(desk, letter["sha256"]).exists()  # still used
    assert erasure_record.pending(desk.attachments_dir) == set()
    (event,) = events(desk, "privacy.erase")
    assert json.loads(event.before)["fields_set"][-1] == "attachments"
    assert "KTP" not in event.before + event.after
    assert audit.verify(desk).ok


def test_an_attachment_file_that_cannot_be_removed_now_goes_at_the_next_start(
    desk, data_dir, with_files, monkeypatch
):
    from pathlib import Path

    ktp = attachments.stored_path(desk, with_files["ktp"]["sha256"])
    real_unlink = Path.unlink

    def busy_unlink(self, *args, **kwargs):
        if self == ktp:
            raise PermissionError(13, "held open by a viewer")
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", busy_unlink)
    result = privacy.erase_subject(desk.acting(SUPERVISOR), nik=NIK, reason="permintaan")
    assert result.erased == 1 and ktp.exists()
    assert erasure_record.pending(desk.attachments_dir) == {with_files["ktp"]["sha256"]}
    monkeypatch.undo()
    desk.close()

    open_desk(data_dir).close()
    assert not ktp.exists()
    assert not (desk.attachments_dir / erasure_record.PENDING_NAME).exists()


def test_the_record_of_erasures_names_complaints_and_fields_never_values(desk, with_files):
    privacy.erase_subject(desk.acting(SUPERVISOR), nik=NIK, reason="permintaan")
    path = paths.erasure_record_path()
    text = path.read_text(encoding="utf-8")
    for value in (NIK, NAME, "Kanari", "Kenari", "KTP", with_files["ktp"]["sha256"], "0812"):
        assert value not in text, value
    (entry,) = erasure_record.read()
    assert entry.complaints == (with_files["old"].id,)
    assert "reporter_nik" in entry.fields and "attachments" in entry.fields
    if POSIX:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_erasure_that_cannot_be_recorded_is_not_made(desk, recorded):
    paths.erasure_record_path().mkdir()  # in the way: the line cannot be written
    with pytest.raises(erasure_record.ErasureNotRecorded):
        privacy.erase_subject(desk.acting(SUPERVISOR), nik=NIK, reason="permintaan")
    assert complaint(desk, recorded["old_nik"].id).reporter_nik == NIK


def test_restoring_a_backup_made_before_an_erasure_erases_again_at_the_next_start(
    desk, data_dir, with_files
):
    old = with_files["old"]
    before = backup.make_backup(desk.acting(IT))
    privacy.erase_subject(desk.acting(SUPERVISOR), nik=NIK, reason="permintaan subjek")
    desk.close()

    backup.restore(data_dir, before)
    restored = open_desk(data_dir)
    try:
        c = complaint(restored, old.id)
        assert (c.reporter_name, c.reporter_nik, c.reporter_phone) == ("", None, None)
        assert [r[0] for r in attachment_rows(restored)] == [with_files["other"].id]
        (again,) = events(restored, "privacy.erase")
        assert (again.object_id, again.reason) == (old.id, privacy.REAPPLIED)
        assert again.actor == privacy.SYSTEM_ACTOR
        assert NIK not in again.before + again.after
        assert privacy.find_subject(restored.acting(SUPERVISOR), nik=NIK) == []
        assert audit.verify(restored.acting(SUPERVISOR)).ok
    finally:
        restored.close()
    open_desk(data_dir).close()  # once is enough: the trail now holds the erasure
    with open_desk(data_dir).db.reading() as s:
        count = s.scalar(select(func.count()).where(models.AuditEvent.action == "privacy.erase"))
    assert count == 1


BACKUP_KINDS = [
    (backup.MANUAL, "backup_keep_manual_days"),
    (backup.PRE_RESTORE, "backup_keep_pre_restore_days"),
    ("pre-migration", "backup_keep_pre_migration_days"),
]


def _name(kind: str, when: dt.datetime) -> str:
    if kind == "pre-migration":
        return f"pre-migration-0003-{when:%Y%m%dT%H%M%SZ}.sqlite3"
    return backup.backup_name(kind, when)


@pytest.mark.parametrize(("kind", "setting"), BACKUP_KINDS)
def test_each_backup_kind_is_deleted_after_the_days_the_settings_state(desk, kind, setting):
    settings.set_value(desk.db, setting, 12)
    now = dt.datetime(2026, 11, 26, 5, 0)
    folder = paths.backups_dir()
    folder.mkdir(exist_ok=True)
    young = _name(kind, now - dt.timedelta(days=11, hours=23))
    old = _name(kind, now - dt.timedelta(days=12, hours=1))
    for name in (young, old):
        (folder / name).write_bytes(b"x")

    made = backup.daily_backup_if_due(desk, now)  # the daily copy rotates the folder

    assert made is not None and (folder / young).exists()
    assert not (folder / old).exists()
    said = retention.describe(retention.from_settings(desk.db))
    assert "12 hari" in said  # what the screens say is what was applied


def test_automatic_copies_are_kept_as_the_settings_state(desk):
    for name, value in (("backup_keep_daily", 2), ("backup_keep_weekly", 0)):
        settings.set_value(desk.db, name, value)
    settings.set_value(desk.db, "backup_keep_monthly", 0)
    folder = paths.backups_dir()
    folder.mkdir(exist_ok=True)
    start = dt.datetime(2026, 11, 20, 3, 0)
    for day in range(5):
        (folder / backup.backup_name(backup.DAILY, start + dt.timedelta(days=day))).write_bytes(
            b"x"
        )
    backup.daily_backup_if_due(desk, start + dt.timedelta(days=5))
    daily = sorted(p.name for p in folder.iterdir() if "-daily-" in p.name)
    assert len(daily) == 2  # today's new copy and yesterday's
    assert "20261124" in daily[0] and "20261125" in daily[1]
    said = retention.describe(retention.from_settings(desk.db))
    assert "2 hari, 0 minggu dan 0 bulan" in said


def test_a_copy_written_elsewhere_is_never_deleted(desk, tmp_path):
    elsewhere = tmp_path / "flashdisk"
    elsewhere.mkdir()
    settings.set_value(desk.db, "backup_keep_manual_days", 1)
    copy = backup.make_backup(desk.acting(IT), elsewhere, now=dt.datetime(2026, 1, 1))
    backup.make_backup(desk.acting(IT), now=dt.datetime(2026, 11, 26))
    assert copy.exists()
    assert "--out" in retention.describe(retention.from_settings(desk.db))


def test_a_refused_request_is_audited_with_its_reason_and_no_identifier(desk, recorded):
    held = privacy.refuse_request(
        desk.acting(SUPERVISOR),
        nik="1471-0541-0799-0077",
        reason="Aduan masih dalam masa retensi 5 tahun",
    )
    assert held == 2
    (event,) = events(desk, "privacy.request_refused")
    assert (event.object_type, event.object_id) == ("privacy", "nik")
    assert event.reason == "Aduan masih dalam masa retensi 5 tahun"
    assert json.loads(event.after) == {"identifiers": ["nik"], "complaints": 2}
    assert event.actor == "koor"
    for text in (event.before or "", event.after, event.reason):
        assert NIK not in text and "1471" not in text
    assert complaint(desk, recorded["old_nik"].id).reporter_nik == NIK  # nothing erased


def test_a_refusal_needs_a_reason(desk, recorded):
    with pytest.raises(ValidationFailed) as exc:
        privacy.refuse_request(desk.acting(SUPERVISOR), nik=NIK, reason="  ")
    assert set(exc.value.errors) == {"reason"}


def test_a_refusal_reason_may_not_repeat_the_identifier(desk, recorded):
    with pytest.raises(ValidationFailed) as exc:
        privacy.refuse_request(
            desk.acting(SUPERVISOR), phone="0812 9999 0123", reason="nomor 0812 9999 0123"
        )
    assert set(exc.value.errors) == {"reason"}
    assert events(desk, "privacy.request_refused") == []


def test_a_clerk_may_not_record_a_refusal(desk, recorded):
    from desk_app.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        privacy.refuse_request(desk.acting(CLERK), nik=NIK, reason="masih dalam retensi")


def test_cli_refuse_records_the_reason_and_never_echoes_the_identifier(
    capsys, data_dir, desk, recorded
):
    code, stdout, err = run(
        capsys, data_dir, "privacy", "refuse", "--phone", "0812 9999 0123",
        "--reason", "masih dalam masa retensi",
    )  # fmt: skip
    assert code == 0, err
    assert stdout == "" and "9999" not in err
    (event,) = events(desk, "privacy.request_refused")
    assert event.reason == "masih dalam masa retensi" and event.object_id == "phone"


def test_cli_refuse_without_a_reason_is_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--data-dir", str(data_dir), "privacy", "refuse", "--nik", NIK])
    assert exc.value.code == 2


def test_the_readable_export_is_in_indonesian_words_and_local_times(desk, tmp_path):
    from desk_app import privacy_report

    scan = attach(desk, tmp_path, "ktp.jpg", b"scan")
    recorded_at = dt.datetime(2026, 11, 26, 7, 5)  # 14:05 WIB
    done = intake.record_complaint(desk, subject_form(attachments=[scan]), now=recorded_at)
    out, page = tmp_path / "subjek.json", tmp_path / "subjek.html"
    privacy.export_subject(desk.acting(SUPERVISOR), nik=NIK, out=out, html_out=page)
    text = page.read_text(encoding="utf-8")

    assert "26/11/2026 14:05 WIB" in text
    for words in ("Nomor pelacakan", "Tercatat", "Datang langsung", "Pengaduan", "Lampiran"):
        assert words in text, words
    assert done.tracking_no in text and "ktp.jpg" in text
    assert "Riwayat" in text and "Pengaduan dicatat." in text  # the history in words
    for raw in ("reporter_nik", "tracking_no", "received_at", "complaint.record", "+00:00"):
        assert raw not in text, raw
    assert "Received" not in text and "History" not in text and ">recorded<" not in text
    data = json.loads(out.read_text(encoding="utf-8"))  # the JSON stays machine-readable
    assert data["complaints"][0]["received_at"] == "2026-11-26T07:05:00+00:00"
    assert set(privacy.COMPLAINT_FIELDS) <= set(privacy_report.FIELD_LABELS)


def test_a_torn_line_in_the_record_is_skipped_and_the_next_line_kept(data_dir):
    paths.init(data_dir)
    path = paths.erasure_record_path()
    path.write_text('{"v":1,"at":"2026-11-26T07:00:00Z","complaints":["a"],"fie', "utf-8")
    erasure_record.append(erasure_record.Erasure(dt.datetime(2026, 11, 27), ("b",), ("f",)))
    assert [e.complaints for e in erasure_record.read()] == [("b",)]
