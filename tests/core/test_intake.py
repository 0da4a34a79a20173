"""Recording complaints through the service: numbering, durability, drafts, duplicates."""

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select

from desk_app.domain import numbering
from desk_app.errors import NotFound, ValidationFailed
from desk_app.services import attachments, drafts, intake, lookup
from desk_app.store import models
from tests.conftest import make_form


def test_record_gives_a_valid_number_and_writes_outbox(desk, valid_form):
    recorded = intake.record_complaint(desk, valid_form)
    assert numbering.parse(recorded.tracking_no) == recorded.tracking_no
    assert recorded.tracking_no.startswith(desk.desk_code + "-")
    with desk.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(models.Outbox)) == 1
        row = s.scalar(select(models.Complaint))
        assert row.id == recorded.id and row.status == "recorded"


def test_daily_sequence_counts_up_per_day(desk, valid_form):
    now = dt.datetime(2026, 11, 26, 3, 0)
    first = intake.record_complaint(desk, valid_form, now=now)
    second = intake.record_complaint(desk, valid_form, now=now + dt.timedelta(minutes=1))
    next_day = intake.record_complaint(desk, valid_form, now=now + dt.timedelta(days=1))
    assert first.tracking_no.split("-")[2] == "0001"
    assert second.tracking_no.split("-")[2] == "0002"
    assert next_day.tracking_no.split("-")[1] == "261127"
    assert next_day.tracking_no.split("-")[2] == "0001"


def test_number_date_follows_the_desk_zone(desk, valid_form):
    # 18:30 UTC on the 26th is 01:30 WIB on the 27th.
    recorded = intake.record_complaint(desk, valid_form, now=dt.datetime(2026, 11, 26, 18, 30))
    assert recorded.tracking_no.split("-")[1] == "261127"


def test_due_date_in_working_days(desk, valid_form):
    # Friday 20/11/2026 WIB; INFRASTRUKTUR has 5 working days: Fri 27/11.
    recorded = intake.record_complaint(desk, valid_form, now=dt.datetime(2026, 11, 20, 3, 0))
    assert recorded.due_date == dt.date(2026, 11, 27)


def test_invalid_form_writes_nothing_and_keeps_the_draft(desk, valid_form):
    drafts.save_draft(desk, intake.INTAKE_DRAFT, valid_form)
    bad = make_form(subject="")
    with pytest.raises(ValidationFailed):
        intake.record_complaint(desk, bad)
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT) == valid_form
    assert lookup.list_complaints(desk, lookup.ListQuery()).rows == []


def test_saving_clears_the_draft_in_the_same_transaction(desk, valid_form):
    drafts.save_draft(desk, intake.INTAKE_DRAFT, valid_form)
    intake.record_complaint(desk, valid_form)
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT) is None


def test_blank_draft_is_not_kept(desk):
    drafts.save_draft(desk, "intake", make_form())
    from desk_app.domain.complaint import ComplaintForm

    drafts.save_draft(desk, "intake", ComplaintForm())
    assert drafts.load_draft(desk, "intake") is None


def test_committed_complaint_is_on_disk_for_another_connection(desk, valid_form, data_dir):
    recorded = intake.record_complaint(desk, valid_form)
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    assert conn.execute(
        "select count(*) from complaint where tracking_no = ?", (recorded.tracking_no,)
    ).fetchone() == (1,)
    assert conn.execute("pragma journal_mode").fetchone() == ("wal",)


def test_sqlite_pragmas(desk):
    with desk.db.engine.connect() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() >= 5000


def test_duplicates_by_nik_phone_and_text(desk, valid_form):
    first = intake.record_complaint(desk, valid_form)
    by_nik = intake.find_duplicates(desk, make_form(reporter_phone="", subject="Lain hal"))
    assert [c.tracking_no for c in by_nik] == [first.tracking_no]
    assert any("NIK" in r for r in by_nik[0].reasons)
    by_text = intake.find_duplicates(
        desk,
        make_form(
            reporter_nik="",
            reporter_phone="",
            reporter_name="Orang Lain",
            description="Jalan di depan SDN 3 Bengkalis berlubang besar sejak bulan Agustus.",
        ),
    )
    assert [c.tracking_no for c in by_text] == [first.tracking_no]
    other_agency = intake.find_duplicates(
        desk, make_form(reporter_nik="", reporter_phone="", agency="DISDIK")
    )
    assert other_agency == []


def test_old_complaints_are_not_duplicates(desk, valid_form):
    intake.record_complaint(desk, valid_form, now=dt.datetime(2025, 1, 1))
    assert intake.find_duplicates(desk, valid_form) == []


def test_link_to_existing_complaint(desk, valid_form):
    first = intake.record_complaint(desk, valid_form)
    second = intake.record_complaint(desk, valid_form, link_to=first.id)
    detail = lookup.get_complaint(desk, second.tracking_no)
    assert detail.linked_number == first.tracking_no
    assert lookup.get_complaint(desk, first.tracking_no).linked_from == [second.tracking_no]
    with pytest.raises(NotFound):
        intake.record_complaint(desk, valid_form, link_to="no-such-id")


def test_attachment_copied_with_sha256(desk, tmp_path):
    source = tmp_path / "ktp scan.jpg"
    source.write_bytes(b"\xff\xd8fake jpeg" * 1000)
    item = attachments.add_file(desk, source)
    assert item["filename"] == "ktp scan.jpg" and int(item["size"]) == 11000
    assert attachments.verify(desk, item["sha256"])
    recorded = intake.record_complaint(desk, make_form(attachments=[item]))
    detail = lookup.get_complaint(desk, recorded.tracking_no)
    assert [a.sha256 for a in detail.attachments] == [item["sha256"]]
    attachments.stored_path(desk, item["sha256"]).write_bytes(b"tampered")
    assert not attachments.verify(desk, item["sha256"])


def test_the_audit_trail_keeps_attachments_by_content_not_by_name(desk, tmp_path):
    """A KTP scan named after the person: the name is erasable, the sealed trail is not."""
    import json

    from sqlalchemy import select

    from desk_app.store.models import AuditEvent

    source = tmp_path / "KTP Siti Aminah.jpg"
    source.write_bytes(b"\xff\xd8fake jpeg" * 10)
    item = attachments.add_file(desk, source)
    intake.record_complaint(desk, make_form(attachments=[item]))
    with desk.db.reading() as session:
        after = session.scalar(
            select(AuditEvent.after).where(AuditEvent.action == "complaint.record")
        )
    assert json.loads(after)["attachments"] == [{"sha256": item["sha256"], "size": 110}]
    assert "Siti" not in after
