"""Corrections with history: who may correct (DESIGN.md §6), what a correction writes (only the
changed fields, one sealed event with the reason, never identity values) and the history."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select, update

from desk_app.domain.roles import Action, Actor, Role
from desk_app.errors import PermissionDenied, ValidationFailed
from desk_app.services import attachments, audit, corrections, intake, lookup
from desk_app.store import models
from tests.conftest import make_form

CLERK = Actor("ani", "Ani", Role.CLERK)
OTHER_CLERK = Actor("budi", "Budi", Role.CLERK)
SUPERVISOR = Actor("sri", "Sri", Role.SUPERVISOR)
IT = Actor("tono", "Tono", Role.IT)

NAME, NIK, PHONE = "Siti Aminah", "1403015708900002", "081266778899"
NEW_NAME, NEW_NIK, NEW_PHONE = "Rahmawati Kusumadewi", "1403015708900010", "081311112222"


def record_as(desk, who: Actor, **overrides) -> intake.Recorded:
    return intake.record_complaint(desk.acting(who), make_form(**overrides))


def set_status(desk, complaint_id: str, status: str) -> None:
    """ "sent": its record item was uploaded (the outbox's upload state); "in_batch": its record
    item went into a batch not yet answered; else the case status the province set."""
    with desk.db.writing() as session:
        if status in ("sent", "in_batch"):
            session.execute(
                update(models.Outbox)
                .where(models.Outbox.complaint_id == complaint_id)
                .values(
                    state="sent" if status == "sent" else "waiting",
                    batch_id="01900000-0000-7000-8000-000000000000",
                )
            )
            return
        session.execute(
            update(models.Complaint)
            .where(models.Complaint.id == complaint_id)
            .values(status=status)
        )


def correct_as(
    desk, who: Actor | None, complaint_id: str, reason="Salah pilih instansi", **changes
):
    # The form is read as a supervisor (as the correction dialog reads it for who may correct).
    form = dataclasses.replace(corrections.form_of(desk, complaint_id), **changes)
    return corrections.correct_complaint(desk.acting(who), complaint_id, form, reason)


def events(desk, action: str | None = None) -> list[models.AuditEvent]:
    E = models.AuditEvent
    stmt = select(E).order_by(E.seq)
    if action:
        stmt = stmt.where(E.action == action)
    with desk.db.reading() as session:
        return list(session.scalars(stmt))


def stored(desk, complaint_id: str) -> models.Complaint:
    return lookup.get_complaint(desk, complaint_id).complaint


def test_form_of_round_trips_unchanged(desk):
    rec = intake.record_complaint(desk, make_form(event_date="01/11/2025", complained_before="no"))
    form = corrections.form_of(desk, rec.id)
    assert form.subject == make_form().subject and form.event_date == "01/11/2025"
    assert form.reporter_nik == NIK and form.complained_before == "no"
    with pytest.raises(corrections.NothingChanged):
        corrections.correct_complaint(desk, rec.id, form, "cek")
    assert events(desk, "complaint.correct") == []


def test_form_of_hides_the_identity_from_who_may_not_see_it(desk):
    rec = record_as(desk, CLERK, anonymous="yes")
    form = corrections.form_of(desk.acting(OTHER_CLERK), rec.id)
    assert (form.reporter_name, form.reporter_nik, form.reporter_phone) == ("", "", "")


@pytest.mark.parametrize("status", ["recorded", "in_batch", "sent", "completed"])
@pytest.mark.parametrize("recorded_by", [CLERK, OTHER_CLERK])
def test_supervisor_corrects_anything(desk, status, recorded_by):
    rec = record_as(desk, recorded_by)
    set_status(desk, rec.id, status)
    changed = correct_as(desk, SUPERVISOR, rec.id, agency="DISDIK")
    assert changed.fields == ("agency",)
    assert stored(desk, rec.id).agency == "DISDIK"


@pytest.mark.parametrize("status", ["recorded", "in_batch"])
def test_clerk_corrects_own_entry_before_upload(desk, status):
    rec = record_as(desk, CLERK)
    set_status(desk, rec.id, status)
    assert correct_as(desk, CLERK, rec.id, subject="Jalan amblas").fields == ("subject",)
    assert stored(desk, rec.id).subject == "Jalan amblas"


@pytest.mark.parametrize(
    "who, status",
    [(CLERK, "sent"), (OTHER_CLERK, "recorded"), (IT, "recorded")],
)
def test_refused_corrections_are_denied_and_audited(desk, who, status):
    rec = record_as(desk, CLERK)
    set_status(desk, rec.id, status)
    with pytest.raises(PermissionDenied):
        correct_as(desk, who, rec.id, subject="Diubah diam-diam")
    assert stored(desk, rec.id).subject == make_form().subject
    assert events(desk, "complaint.correct") == []
    denied = events(desk, "access.denied")
    assert len(denied) == 1
    assert denied[0].actor == who.username and denied[0].object_id == Action.CORRECT.value
    assert json.loads(denied[0].after)["complaint"] == rec.id


def test_may_correct_matches_the_service(desk):
    clerk, supervisor = desk.acting(CLERK), desk.acting(SUPERVISOR)
    assert corrections.may_correct(clerk, recorded_by="ani", uploaded=False)
    assert not corrections.may_correct(clerk, recorded_by="ani", uploaded=True)
    assert not corrections.may_correct(clerk, recorded_by="budi", uploaded=False)
    assert corrections.may_correct(supervisor, recorded_by="budi", uploaded=True)


def test_a_clerk_may_not_correct_once_the_outbox_says_sent_whatever_the_status(desk):
    """The upload fact comes from the outbox: a complaint the province has (record item sent)
    is uploaded although its case status is still "recorded"."""
    rec = record_as(desk, CLERK)
    set_status(desk, rec.id, "sent")
    assert lookup.get_complaint(desk, rec.id).complaint.status == "recorded"
    assert lookup.get_complaint(desk, rec.id).uploaded
    with pytest.raises(PermissionDenied):
        correct_as(desk, CLERK, rec.id, subject="Diubah setelah terkirim")


def test_a_correction_after_upload_queues_a_correction_item_in_its_transaction(desk):
    rec = record_as(desk, CLERK)
    set_status(desk, rec.id, "sent")
    correct_as(desk, SUPERVISOR, rec.id, agency="DISDIK")
    with desk.db.reading() as session:
        items = session.execute(
            select(models.Outbox.kind, models.Outbox.revision, models.Outbox.fields)
            .where(models.Outbox.complaint_id == rec.id)
            .order_by(models.Outbox.seq)
        ).all()
    assert [(k, r) for k, r, _f in items] == [("record", 0), ("correction", 1)]
    assert json.loads(items[1][2]) == ["agency"]


def test_a_correction_before_upload_queues_nothing_more(desk):
    """The record item not yet sent carries the complaint as it is when it goes."""
    rec = record_as(desk, CLERK)
    correct_as(desk, CLERK, rec.id, subject="Jalan amblas")
    with desk.db.reading() as session:
        kinds = session.scalars(
            select(models.Outbox.kind).where(models.Outbox.complaint_id == rec.id)
        ).all()
    assert kinds == ["record"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_is_required(desk, reason):
    rec = intake.record_complaint(desk, make_form())
    with pytest.raises(ValidationFailed) as caught:
        correct_as(desk, SUPERVISOR, rec.id, reason=reason, subject="Baru")
    assert set(caught.value.errors) == {"reason"}
    assert stored(desk, rec.id).subject == make_form().subject


def test_intake_rules_apply_and_report_every_field_with_the_reason(desk):
    rec = intake.record_complaint(desk, make_form())
    with pytest.raises(ValidationFailed) as caught:
        correct_as(desk, SUPERVISOR, rec.id, reason="", subject="", agency="NOPE", reporter_nik="1")
    assert set(caught.value.errors) == {"reason", "subject", "agency", "reporter_nik"}
    assert events(desk, "complaint.correct") == []


def test_only_changed_fields_in_one_event_with_the_reason(desk):
    rec = intake.record_complaint(desk, make_form())
    before_count = len(events(desk))
    changed = correct_as(
        desk, SUPERVISOR, rec.id, reason="Instansi keliru", subject="Jalan amblas", agency="DISDIK"
    )
    assert changed.fields == ("subject", "agency") and changed.tracking_no == rec.tracking_no
    new = events(desk)[before_count:]
    assert [e.action for e in new] == ["complaint.correct"]
    event = new[0]
    assert event.actor == "sri" and event.reason == "Instansi keliru"
    assert event.object_type == "complaint" and event.object_id == rec.id
    assert json.loads(event.before) == {"subject": make_form().subject, "agency": "PUPRPKPP"}
    assert json.loads(event.after) == {"subject": "Jalan amblas", "agency": "DISDIK"}
    row = stored(desk, rec.id)
    assert row.updated_at > row.created_at
    # The full-text index follows the new subject.
    found = lookup.list_complaints(desk, lookup.ListQuery(text="amblas")).rows
    assert [r.id for r in found] == [rec.id]


def test_identity_values_never_enter_the_trail(desk):
    rec = intake.record_complaint(
        desk, make_form(reporter_name=NAME, reporter_nik=NIK, reporter_email="")
    )
    changed = correct_as(
        desk,
        SUPERVISOR,
        rec.id,
        reporter_name=NEW_NAME,
        reporter_nik=NEW_NIK,
        reporter_phone=NEW_PHONE,
        reporter_email="rahma@example.id",
    )
    assert set(changed.fields) == {
        "reporter_name",
        "reporter_nik",
        "reporter_phone",
        "reporter_email",
    }
    row = stored(desk, rec.id)
    assert (row.reporter_name, row.reporter_nik) == (NEW_NAME, NEW_NIK)
    event = events(desk, "complaint.correct")[0]
    trail = f"{event.before} {event.after} {event.reason}"
    for secret in (NAME, NIK, PHONE, NEW_NAME, NEW_NIK, NEW_PHONE, "rahma", "Rahmawati"):
        assert secret not in trail
    before, after = json.loads(event.before), json.loads(event.after)
    assert before["reporter_name"] == intake.IDENTITY_MARK
    assert after["reporter_name"] == corrections.IDENTITY_CHANGED_MARK
    assert before["reporter_email"] in ("", None)  # was empty: nothing to hide
    assert after["reporter_email"] == intake.IDENTITY_MARK
    # The audit screen sees the identity fields as changed.
    listed = audit.list_events(desk, audit.AuditQuery(action="complaint.correct")).rows[0]
    assert "reporter_name" in listed.fields and "reporter_nik" in listed.fields


def test_category_change_recomputes_the_due_date(desk):
    rec = intake.record_complaint(desk, make_form(category="INFRASTRUKTUR"))
    other = next(
        code
        for code in desk.reference.categories
        if desk.reference.sla_days(code) != desk.reference.sla_days("INFRASTRUKTUR")
    )
    changed = correct_as(desk, SUPERVISOR, rec.id, category=other)
    row = stored(desk, rec.id)
    expected = desk.calendar.add_working_days(
        desk.local_day(row.received_at), desk.reference.sla_days(other)
    )
    assert row.due_date == expected != rec.due_date
    assert changed.fields == ("category", "due_date")
    event = events(desk, "complaint.correct")[0]
    assert json.loads(event.before)["due_date"] == rec.due_date.isoformat()


def test_same_minute_received_time_is_no_change(desk):
    rec = intake.record_complaint(desk, make_form())
    form = corrections.form_of(desk, rec.id)
    minute = rec.received_at.replace(second=0, microsecond=0)
    form = dataclasses.replace(form, received_at=minute.isoformat() + "+00:00")
    with pytest.raises(corrections.NothingChanged):
        corrections.correct_complaint(desk, rec.id, form, "cek")


def test_attachments_may_be_added_not_removed(desk, tmp_path):
    first = tmp_path / "ktp.pdf"
    first.write_bytes(b"%PDF first")
    second = tmp_path / "foto.jpg"
    second.write_bytes(b"JPEG second")
    one = attachments.add_file(desk, first)
    rec = intake.record_complaint(desk, make_form(attachments=[one]))
    form = corrections.form_of(desk, rec.id)
    assert [a["sha256"] for a in form.attachments] == [one["sha256"]]

    with pytest.raises(ValidationFailed) as caught:
        corrections.correct_complaint(desk, rec.id, dataclasses.replace(form, attachments=[]), "x")
    assert set(caught.value.errors) == {"attachments"}

    two = attachments.add_file(desk, second)
    form.attachments.append(two)
    changed = corrections.correct_complaint(desk, rec.id, form, "Foto susulan")
    assert changed.fields == ("attachments",)
    names = [a.filename for a in lookup.get_complaint(desk, rec.id).attachments]
    assert names == ["ktp.pdf", "foto.jpg"]
    event = events(desk, "complaint.correct")[0]
    kept = json.loads(event.after)["attachments"]
    assert [a["sha256"] for a in kept] == [one["sha256"], two["sha256"]]
    assert "ktp" not in event.after and "foto" not in event.after  # names stay erasable


def test_history_lists_record_and_corrections_oldest_first(desk):
    rec = record_as(desk, CLERK)
    correct_as(desk, CLERK, rec.id, reason="Salah ketik", subject="Jalan amblas")
    correct_as(
        desk, SUPERVISOR, rec.id, reason="Instansi keliru", agency="DISDIK", reporter_name=NEW_NAME
    )
    entries = corrections.history(desk, rec.id)
    assert [(e.action, e.actor, e.reason) for e in entries] == [
        ("complaint.record", "ani", None),
        ("complaint.correct", "ani", "Salah ketik"),
        ("complaint.correct", "sri", "Instansi keliru"),
    ]
    assert entries[0].changes == []
    assert entries[1].changes == [("subject", make_form().subject, "Jalan amblas")]
    assert entries[2].changes == [
        ("reporter_name", intake.IDENTITY_MARK, corrections.IDENTITY_CHANGED_MARK),
        ("agency", "PUPRPKPP", "DISDIK"),
    ]
    assert entries[0].at <= entries[1].at <= entries[2].at
    assert NEW_NAME not in repr(entries)


def test_history_needs_view(desk):
    rec = intake.record_complaint(desk, make_form())
    with pytest.raises(PermissionDenied):
        corrections.history(desk.acting(Actor("svc", "", Role.SERVICE)), rec.id)


def test_audit_verify_still_holds(desk):
    rec = record_as(desk, CLERK)
    correct_as(desk, CLERK, rec.id, subject="Jalan amblas")
    with pytest.raises(PermissionDenied):
        correct_as(desk, OTHER_CLERK, rec.id, subject="x")
    correct_as(desk, SUPERVISOR, rec.id, agency="DISDIK")
    result = audit.verify(desk)
    assert result.ok and result.count == len(events(desk)) == 4
