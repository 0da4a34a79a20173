"""The desk's sync client against the REAL training hub (a subprocess on 127.0.0.1): upload,
duplicate, rejected-then-fixed, conflict, correction and erasure after upload, status pull-back
with history, reference refresh, the audit anchors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import keyring
import pytest
from sqlalchemy import text, update

from desk_app import reference
from desk_app.services import corrections, intake, lookup, privacy, sync
from desk_app.store import models
from desk_app.sync import protocol as p
from desk_app.sync.transport import HttpTransport
from tests.conftest import CLERK, IT, SERVICE, SUPERVISOR, make_form
from tests.sync.desk_side import (
    FAST,
    MemoryKeyring,
    after,
    connect,
    events,
    items,
    reset_credentials,
    states,
)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    monkeypatch.setattr(sync, "RETRY_POLICY", FAST)
    yield ring
    keyring.set_keyring(previous)
    reset_credentials()


APPEND_ONLY_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete")  # migration 0002


def record(desk, **overrides) -> intake.Recorded:
    return intake.record_complaint(desk.acting(CLERK), make_form(**overrides))


def held(hub) -> dict[str, dict]:
    return {c["complaint_id"] if "complaint_id" in c else c["id"]: c for c in hub.export()}


def test_upload_sends_every_waiting_complaint_once_and_marks_it_sent(desk, hub):
    connect(desk, hub)
    recorded = [record(desk) for _ in range(3)]
    report = sync.run(desk.acting(IT))
    assert (report.accepted, report.error, report.pending) == (3, None, 0)
    assert report.ok
    assert states(desk) == {"sent": 3}
    exported = hub.export()
    assert sorted(c["complaint_id"] for c in exported) == sorted(r.id for r in recorded)
    for r in recorded:
        detail = lookup.get_complaint(desk, r.id)
        assert detail.uploaded and detail.complaint.provincial_id
        assert detail.complaint.status == "recorded"  # the case status is the province's
    [batch] = sync.batches(desk.acting(IT))
    assert (batch.items, batch.accepted, batch.state) == (3, 3, "answered")
    views = sync.batch_items(desk.acting(IT), batch.batch_id)
    assert {v.tracking_no for v in views} == {r.tracking_no for r in recorded}
    assert all(v.result == "accepted" and v.provincial_id for v in views)
    # Nothing left: a second run sends nothing, only the audit anchor.
    again = sync.run(desk.acting(IT))
    assert (again.accepted, again.batches, again.ok) == (0, 0, True)
    assert len(hub.export()) == 3


def test_each_batch_costs_the_desk_one_commit(desk, hub):
    """The next batch is made in the transaction that applies the last answer: on a slow
    disk each commit is an fsync, so a batch costs one, not two (issue 9)."""
    from sqlalchemy import event

    from desk_app import settings

    connect(desk, hub)
    settings.set_value(desk.db, "sync_batch_size", 2)
    for _ in range(8):
        record(desk)
    writes = []  # write transactions: BEGIN IMMEDIATE (store/db.py), each ends in a commit

    def listener(_conn, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            writes.append(statement)

    event.listen(desk.db.engine, "before_cursor_execute", listener)
    try:
        report = sync.run(desk.acting(IT))
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", listener)
    assert (report.accepted, report.batches, report.error) == (8, 4, None)
    assert states(desk) == {"sent": 8}
    # The first two batches made on their own (the second while the first is in flight),
    # each answer applied with the batch after the next made (4); around them the lease
    # taken and given back, the status page, the run's record (4). A batch made and an
    # answer applied in transactions of their own would be 8 for the batches.
    assert len(writes) <= 2 + 4 + 4, len(writes)


def test_the_service_identity_syncs_too(desk, hub):
    connect(desk, hub)
    record(desk)
    assert sync.run(desk.acting(SERVICE)).accepted == 1


def test_a_batch_sent_again_after_the_answer_was_lost_is_a_duplicate_not_a_second_record(desk, hub):
    """The hub committed, the desk did not hear: the same record item in a new batch is
    answered "duplicate" with the same provincial id."""
    connect(desk, hub)
    r = record(desk)
    sync.run(desk.acting(IT))
    first = lookup.get_complaint(desk, r.id).complaint.provincial_id
    with desk.db.writing() as session:  # forget the answer, as a desk restored from backup
        session.execute(
            update(models.Outbox).values(
                state="waiting", batch_id=None, result=None, provincial_id=None
            )
        )
    report = sync.run(desk.acting(IT))
    assert (report.accepted, report.duplicate) == (0, 1)
    assert items(desk)[0].provincial_id == first
    assert len(hub.export()) == 1


def test_a_rejected_complaint_is_corrected_and_sent_again_as_a_new_item(desk, hub):
    connect(desk, hub)
    r = record(desk)
    with desk.db.writing() as session:  # an agency code the province does not know
        session.execute(
            update(models.Complaint).where(models.Complaint.id == r.id).values(agency="NOPE")
        )
    report = sync.run(desk.acting(IT))
    assert (report.rejected, report.ok) == (1, False)
    [view] = sync.rejected(desk.acting(IT))
    assert view.tracking_no == r.tracking_no and view.state == "rejected"
    assert view.errors and "NOPE" not in json.dumps(view.errors)  # never the value sent
    label, problem = view.errors[0]
    assert problem == sync.field_problem("unknown_code")
    # Not corrected yet: send_again would only be rejected again, so it queues nothing.
    assert sync.send_again(desk.acting(IT), [view.item_id]) == 0
    form = corrections.form_of(desk.acting(SUPERVISOR), r.id)
    form = type(form)(**{**form.to_dict(), "agency": make_form().agency})
    corrections.correct_complaint(desk.acting(SUPERVISOR), r.id, form, "kode OPD salah")
    [view] = sync.rejected(desk.acting(IT))
    assert view.corrected_since
    assert sync.send_again(desk.acting(IT), [view.item_id]) == 1
    assert sync.rejected(desk.acting(IT)) == []
    report = sync.run(desk.acting(IT))
    assert (report.accepted, report.ok) == (1, True)
    assert [i.state for i in items(desk, r.id)] == ["resent", "sent"]
    assert [c["complaint"]["agency"] for c in hub.export()] == [make_form().agency]


def test_a_record_held_with_other_content_is_a_conflict_the_it_officer_sees(desk, hub):
    connect(desk, hub)
    r = record(desk)
    sync.run(desk.acting(IT))
    with desk.db.writing() as session:  # changed behind the outbox's back, then resent
        session.execute(
            update(models.Complaint)
            .where(models.Complaint.id == r.id)
            .values(subject="Subjek lain")
        )
        session.execute(update(models.Outbox).values(state="waiting", batch_id=None, result=None))
    report = sync.run(desk.acting(IT))
    assert report.conflict == 1 and not report.ok
    [view] = sync.rejected(desk.acting(IT))
    assert view.state == "conflict" and view.provincial_id
    assert any(problem == sync.field_problem("differs") for _l, problem in view.errors)
    # send again: the desk's version goes as a correction
    assert sync.send_again(desk.acting(IT), [view.item_id]) == 1
    report = sync.run(desk.acting(IT))
    assert report.accepted == 1
    assert [c["complaint"]["subject"] for c in hub.export()] == ["Subjek lain"]


def test_a_correction_after_upload_reaches_the_hub(desk, hub):
    connect(desk, hub)
    r = record(desk)
    sync.run(desk.acting(IT))
    form = corrections.form_of(desk.acting(SUPERVISOR), r.id)
    form = type(form)(**{**form.to_dict(), "subject": "Jalan amblas di depan SD"})
    corrections.correct_complaint(desk.acting(SUPERVISOR), r.id, form, "salah ketik")
    assert [(i.kind, i.revision, i.state) for i in items(desk, r.id)] == [
        ("record", 0, "sent"),
        ("correction", 1, "waiting"),
    ]
    report = sync.run(desk.acting(IT))
    assert (report.accepted, report.ok) == (1, True)
    [held_row] = hub.export()
    assert held_row["complaint"]["subject"] == "Jalan amblas di depan SD"
    assert held_row["revision"] == 1 and len(hub.revisions(r.id)) == 2


def test_an_erasure_after_upload_blanks_the_identity_at_the_hub(desk, hub):
    connect(desk, hub)
    nik = make_form().reporter_nik
    r = record(desk)
    sync.run(desk.acting(IT))
    assert hub.export()[0]["complaint"]["reporter_nik"] == nik
    privacy.erase_subject(desk, nik=nik, reason="permintaan pelapor", older_than_years=0)
    assert [i.kind for i in items(desk, r.id)] == ["record", "erasure"]
    report = sync.run(desk.acting(IT))
    assert (report.accepted, report.ok) == (1, True)
    [held_row] = hub.export()
    assert not held_row["complaint"]["reporter_nik"] and not held_row["complaint"]["reporter_name"]
    assert nik not in json.dumps(hub.revisions(r.id))


def test_statuses_come_back_with_history_and_the_clerks_list_shows_what_changed(desk, hub):
    connect(desk, hub)
    first, second = record(desk), record(desk)
    sync.run(desk.acting(IT))
    clerk = desk.acting(CLERK)
    sync.mark_looked(clerk)
    provincial = lookup.get_complaint(desk, first.id).complaint.provincial_id
    hub.set_status(provincial, "verified")
    agency = make_form().agency
    hub.set_status(provincial, "disposed", note="Diteruskan ke Dinas PU", agency=agency)
    report = sync.run(desk.acting(IT))
    assert report.statuses == 2
    c = lookup.get_complaint(desk, first.id).complaint
    assert c.status == "disposed" and c.status_changed_at is not None
    history = corrections.history(desk, first.id)
    status_events = [h for h in history if h.action == "complaint.status"]
    assert [ch[2] for h in status_events for ch in h.changes if ch[0] == "status"] == [
        "verified",
        "disposed",
    ]
    assert status_events[-1].reason == "Diteruskan ke Dinas PU"
    assert ("disposed_to", None, agency) in status_events[-1].changes
    from desk_app.audit.words import value_text

    shown = value_text("disposed_to", agency, zone=desk.zone, ref=desk.reference)
    assert shown == desk.reference.label("agency", agency) != agency
    assert sync.changed_since_last_look(clerk) == {first.id}
    assert sync.changed_since_last_look(desk.acting(SUPERVISOR)) == {first.id}  # never looked
    sync.mark_looked(clerk)
    assert sync.changed_since_last_look(clerk) == set()
    # The cursor was kept: the next run applies nothing twice.
    assert sync.run(desk.acting(IT)).statuses == 0
    assert len(events(desk, "complaint.status")) == 2
    assert lookup.get_complaint(desk, second.id).complaint.status == "recorded"
    # The audit trail still matches the tables (a status change is a recorded change).
    from desk_app.services import audit

    assert audit.verify(desk.acting(IT)).ok


class ProvinceAddsACategory(HttpTransport):
    """The real hub's reference sets, with one category the province added."""

    def reference_sets(self):
        changed = "2026-11-30+0badcafe"
        return [
            p.ReferenceVersion(s.name, changed if s.name == "categories" else s.version)
            for s in super().reference_sets()
        ]

    def reference_set(self, name):
        data = super().reference_set(name)
        if name == "categories":
            data["source"] = {**data["source"], "name": "Kategori LAPOR! Provinsi Riau"}
            data["categories"].append(
                {
                    "code": "BENCANA",
                    "name": "Bencana Alam",
                    "name_en": "Disaster",
                    "sla_working_days": 3,
                    "keywords": ["banjir"],
                }
            )
        return data


def test_a_hub_serving_the_shipped_reference_files_refreshes_nothing(desk, hub):
    connect(desk, hub)
    assert sync.run(desk.acting(IT)).references == ()
    assert events(desk, "reference.refresh") == []


def test_a_refreshed_category_set_is_read_by_the_desk_and_audited(desk, hub, data_dir, monkeypatch):
    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        return ProvinceAddsACategory(
            server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=FAST
        )

    monkeypatch.setattr(sync, "make_transport", factory)
    connect(desk, hub)
    report = sync.run(desk.acting(IT))
    assert report.references == ("categories",)
    assert report.references_text == "kategori"  # in the user's words, not the protocol's
    (refreshed,) = events(desk, "reference.refresh")
    assert after(refreshed)["version"] == "2026-11-30+0badcafe"
    # The desk's loader reads the fetched set over the shipped one; its source says so.
    ref = reference.load(data_dir)
    assert ref.categories["BENCANA"].name == "Bencana Alam"
    source = next(s for s in ref.sources if s.kind == "categories")
    assert source.imported and source.name == "Kategori LAPOR! Provinsi Riau"
    # A desk opened after the sync takes the new category on the form.
    reopened = dataclasses.replace(desk, reference=ref)
    recorded = intake.record_complaint(reopened.acting(CLERK), make_form(category="BENCANA"))
    assert lookup.get_complaint(reopened, recorded.id).complaint.category == "BENCANA"
    # The same versions: nothing fetched, nothing audited.
    assert sync.run(desk.acting(IT)).references == ()
    assert len(events(desk, "reference.refresh")) == 1


def test_refreshed_sets_are_named_in_the_users_words():
    names = sync.reference_set_names(("categories", "agencies", "regions"))
    assert names == "kategori, instansi, wilayah"


def test_every_batch_carries_the_audit_anchor_and_a_cut_trail_is_caught(desk, hub):
    connect(desk, hub)
    record(desk)
    sync.run(desk.acting(IT))  # the anchor goes with the batch
    sync.run(desk.acting(IT))  # nothing to send: the anchor alone
    report = sync.check_anchors(desk.acting(IT))
    assert report.ok and report.anchors == 2
    with desk.db.writing() as session:  # cut the trail back past the anchors
        for trigger in APPEND_ONLY_TRIGGERS:
            session.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        recorded = session.scalar(
            text("SELECT max(seq) FROM audit_event WHERE action = 'complaint.record'")
        )
        session.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": recorded})
    report = sync.check_anchors(desk.acting(IT))
    assert not report.ok
    assert {kind for _no, kind in report.problems} == {"missing"}


def test_show_and_the_detail_say_where_the_province_has_the_complaint(desk, hub):
    from desk_app import formatting
    from desk_app.cli import describe

    from ui.complaints.page import detail_html

    connect(desk, hub)
    recorded = record(desk)
    sync.run(desk.acting(IT))
    clerk = desk.acting(CLERK)
    before = describe(clerk, lookup.get_complaint(clerk, recorded.id))
    assert "Catatan provinsi" not in before  # nothing from the province yet: no empty lines
    provincial = lookup.get_complaint(desk, recorded.id).complaint.provincial_id
    agency = make_form().agency
    hub.set_status(provincial, "disposed", note="Diteruskan ke Dinas PU", agency=agency)
    hub.set_status(provincial, "followed_up", note="Sedang ditindaklanjuti")
    sync.run(desk.acting(IT))
    detail = lookup.get_complaint(clerk, recorded.id)
    changed = formatting.datetime_text(detail.complaint.status_changed_at, desk.zone)
    shown = describe(clerk, detail)
    for wanted in (
        provincial,
        changed,
        desk.reference.label("agency", agency),  # still where it was sent
        "Sedang ditindaklanjuti",  # the latest note
    ):
        assert wanted in shown
    assert "Diteruskan ke Dinas PU" not in shown
    assert "Didisposisikan ke instansi" in shown and "Catatan provinsi" in shown
    html = detail_html(clerk, detail)
    assert "Sedang ditindaklanjuti" in html and provincial in html


class ProvinceSetItEarlier(HttpTransport):
    """The real hub's status feed, each change set by the province on 30/11/2026 03:00 UTC
    (a desk that was offline for days learns it later)."""

    def statuses(self, cursor, limit=p.STATUS_PAGE):
        page = super().statuses(cursor, limit)
        changes = tuple(dataclasses.replace(c, changed_at=SET_AT) for c in page.changes)
        return dataclasses.replace(page, changes=changes)


SET_AT = "2026-11-30T03:00:00Z"


def test_a_status_shows_when_the_province_set_it_not_when_the_desk_learned_it(
    desk, hub, monkeypatch
):
    from desk_app.presenter import present
    from desk_app.services.province import province_status

    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        return ProvinceSetItEarlier(
            server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=FAST
        )

    monkeypatch.setattr(sync, "make_transport", factory)
    connect(desk, hub)
    r = record(desk)
    sync.run(desk.acting(IT))
    hub.set_status(lookup.get_complaint(desk, r.id).complaint.provincial_id, "verified")
    assert sync.run(desk.acting(IT)).statuses == 1
    clerk = desk.acting(CLERK)
    province = province_status(clerk, r.id)
    assert province.set_at == dt.datetime(2026, 11, 30, 3, 0)
    assert province.changed_at > province.set_at  # the desk learned it at the sync
    view = present(clerk, lookup.get_complaint(clerk, r.id))
    [line] = [x for x in view.lines if x.key == "status_changed_at"]
    assert line.text == "30/11/2026 10:00 WIB"
    [event] = [h for h in corrections.history(desk, r.id) if h.action == "complaint.status"]
    assert ("set_at", None, SET_AT) in event.changes
