"""Reading the audit trail: keyset paging newest first, filters, summaries without personal
values, and exports (CSV and JSON Lines) written in batches."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from desk_app.audit.seal import ZERO_HASH
from desk_app.errors import MistypedNumber
from desk_app.services import audit, intake
from tests.conftest import Clocked, make_form


def record(desk, n: int, **overrides) -> list[intake.Recorded]:
    return [intake.record_complaint(desk, make_form(**overrides)) for _ in range(n)]


def at(desk, when: dt.datetime):
    """The desk, its clock saying `when` (UTC) for the events written with it."""
    return Clocked(desk, when)


def add_event(desk, action: str, object_id: str, before=None, after=None, **kw) -> int:
    with desk.db.writing() as session:
        return audit.append(session, desk, action, "complaint", object_id, before, after, **kw)


def test_pages_newest_first_by_seq(desk):
    record(desk, 7)
    seen, cursor = [], None
    sizes = []
    while True:
        page = audit.list_events(desk, audit.AuditQuery(), cursor, limit=3)
        sizes.append(len(page.rows))
        seen += [r.seq for r in page.rows]
        if page.cursor is None:
            break
        cursor = page.cursor
    assert sizes == [3, 3, 1]
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_an_exact_page_has_no_cursor(desk):
    record(desk, 3)
    page = audit.list_events(desk, audit.AuditQuery(), limit=3)
    assert len(page.rows) == 3 and page.cursor is None


def test_new_events_do_not_move_later_pages(desk):
    record(desk, 4)
    first = audit.list_events(desk, audit.AuditQuery(), limit=2)
    record(desk, 2)
    second = audit.list_events(desk, audit.AuditQuery(), first.cursor, limit=2)
    assert [r.seq for r in second.rows] == [2, 1]


def test_rows_carry_a_summary_with_field_labels_only(desk):
    done = record(desk, 1, reporter_name="Rahmat Hidayat")[0]
    row = audit.list_events(desk, audit.AuditQuery()).rows[0]
    assert (row.action, row.object_type, row.object_id) == (
        "complaint.record",
        "complaint",
        done.id,
    )
    assert row.actor == desk.user and row.reason is None
    assert row.tracking_no == done.tracking_no
    assert row.change == "created"
    assert "reporter_name" in row.fields and "status" in row.fields
    assert "Rahmat" not in repr(row)  # no values, only names
    assert str(len(row.fields)) in row.summary

    add_event(
        desk,
        "complaint.update",
        done.id,
        before={"status": "recorded", "agency": "A", "subject": "x"},
        after={"status": "verified", "agency": "B", "subject": "x"},
        reason="Diperiksa ulang",
    )
    row = audit.list_events(desk, audit.AuditQuery()).rows[0]
    assert row.change == "changed" and row.fields == ("agency", "status")
    assert row.tracking_no == done.tracking_no  # from the complaint, not the event
    assert "Status, Instansi" in row.summary  # labels in reading order, not keys by name
    assert "verified" not in row.summary
    assert row.reason == "Diperiksa ulang"

    add_event(desk, "complaint.erase", done.id, before={"status": "verified"})
    assert audit.list_events(desk, audit.AuditQuery()).rows[0].change == "removed"


def test_filter_by_action_actor_and_object(desk):
    first, second = record(desk, 2)
    add_event(desk, "complaint.update", first.id, {"a": 1}, {"a": 2}, actor="Admin.Dua")
    q = audit.AuditQuery
    assert [r.seq for r in audit.list_events(desk, q(action="complaint.update")).rows] == [3]
    assert [r.seq for r in audit.list_events(desk, q(actor="admin")).rows] == [3]
    assert audit.list_events(desk, q(actor="adm%")).rows == []  # LIKE characters are literal
    by_id = audit.list_events(desk, q(object_id=first.id)).rows
    assert [r.seq for r in by_id] == [3, 1]
    by_number = audit.list_events(desk, q(object_id=second.tracking_no.lower())).rows
    assert [r.seq for r in by_number] == [2]
    assert audit.list_events(desk, q(object_id="no-such-id")).rows == []
    assert audit.actions(desk) == ["complaint.record", "complaint.update"]


def test_a_mistyped_number_is_said_so(desk):
    done = record(desk, 1)[0]
    number = done.tracking_no
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    with pytest.raises(MistypedNumber):
        audit.list_events(desk, audit.AuditQuery(object_id=typo))


def test_filter_by_local_dates(desk):
    # 2026-03-09 23:30 UTC is already 10 March in Pekanbaru (WIB, UTC+7).
    record(at(desk, dt.datetime(2026, 3, 9, 16, 0)), 1)
    record(at(desk, dt.datetime(2026, 3, 9, 23, 30)), 1)
    record(at(desk, dt.datetime(2026, 3, 12, 2, 0)), 1)
    q = audit.AuditQuery
    day = dt.date(2026, 3, 10)
    assert [r.seq for r in audit.list_events(desk, q(date_from=day, date_to=day)).rows] == [2]
    assert [r.seq for r in audit.list_events(desk, q(date_to=dt.date(2026, 3, 9))).rows] == [1]
    assert [r.seq for r in audit.list_events(desk, q(date_from=day)).rows] == [3, 2]


def test_get_event_decodes_before_and_after(desk):
    done = record(desk, 1, subject="Lampu jalan padam")[0]
    detail = audit.get_event(desk, 1)
    assert detail.before is None
    assert detail.after["subject"] == "Lampu jalan padam"
    assert detail.after["tracking_no"] == done.tracking_no
    assert detail.prev_hash == ZERO_HASH and len(detail.hash) == 64
    assert audit.get_event(desk, 99) is None


def test_export_csv_in_batches(desk, tmp_path):
    done = record(desk, 5)
    add_event(desk, "complaint.update", done[0].id, {"a": 1}, {"a": 2}, reason="=HYPERLINK(1)")
    out = tmp_path / "audit.csv"
    assert audit.export_events(desk, audit.AuditQuery(), out, "csv", batch=2) == 6
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["seq"]) for r in rows] == [6, 5, 4, 3, 2, 1]
    assert list(rows[0]) == list(audit.EXPORT_FIELDS)
    assert rows[0]["reason"] == "'=HYPERLINK(1)"  # not run as a formula
    assert rows[0]["fields"] == "a"
    assert rows[1]["tracking_no"] == done[-1].tracking_no
    assert rows[1]["at"].endswith("+07:00")
    assert "Siti" not in out.read_text(encoding="utf-8-sig")  # no personal values
    assert not list(tmp_path.glob("*.part"))


def test_export_jsonl_with_filters(desk):
    done = record(desk, 3)
    add_event(desk, "complaint.update", done[1].id, {"a": 1}, {"a": 2})
    buffer = io.StringIO()
    query = audit.AuditQuery(object_id=done[1].id)
    assert audit.export_events(desk, query, buffer, "jsonl", batch=1) == 2
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [(x["seq"], x["action"]) for x in lines] == [
        (4, "complaint.update"),
        (2, "complaint.record"),
    ]
    assert lines[0]["fields"] == ["a"]


def test_export_refuses_an_unknown_format(desk, tmp_path):
    with pytest.raises(ValueError):
        audit.export_events(desk, audit.AuditQuery(), tmp_path / "x.xml", "xml")
    assert not list(tmp_path.glob("x.xml*"))
