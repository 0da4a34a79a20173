"""Bulk recording (an import, demo data; services/bulk.py): per chunk, not per row (issue 11),
with everything a save gives each complaint: its number, outbox row, audit event and its
words in the full-text index; the per-row FTS trigger is back, word for word, afterwards."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import event, text

from desk_app.domain import numbering
from desk_app.errors import StorageError
from desk_app.services import audit, bulk, intake, lookup
from desk_app.store import models
from tests.conftest import make_form

NOW = dt.datetime(2026, 11, 20, 3, 0)


def trigger_sql(desk) -> str:
    with desk.db.reading() as session:
        return session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'complaint_fts_ai'")
        ).scalar()


def statements_while(desk, call):
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(desk.db.engine, "before_cursor_execute", grab)
    try:
        result = call()
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", grab)
    return result, seen


def forms(count: int):
    return [(i + 2, make_form(subject=f"Gorong-gorong tersumbat nomor{i}")) for i in range(count)]


def test_an_import_writes_each_table_once_per_chunk_and_fills_the_index_once(desk):
    before = trigger_sql(desk)
    recorded, seen = statements_while(desk, lambda: intake.record_many(desk, forms(40), now=NOW))
    assert len(recorded) == 40
    assert sum(s.startswith("INSERT INTO complaint (") for s in seen) == 1
    assert sum(s.startswith("INSERT INTO outbox") for s in seen) == 1
    assert sum(s.startswith("INSERT INTO complaint_fts") for s in seen) == 1
    assert sum(s.startswith("INSERT INTO day_counter") for s in seen) == 1  # one day
    assert sum(s.startswith("INSERT INTO audit_event") for s in seen) == 1
    assert trigger_sql(desk) == before  # the per-row trigger is back, word for word

    # Each complaint as a save leaves it: numbered in order, findable, queued, audited.
    assert [numbering.parse(r.tracking_no) for r in recorded] == [r.tracking_no for r in recorded]
    assert [int(r.tracking_no.split("-")[2]) for r in recorded] == list(range(1, 41))
    for i in (0, 17, 39):
        page = lookup.list_complaints(desk, lookup.ListQuery(text=f"nomor{i}"))
        assert [r.id for r in page.rows] == [recorded[i].id]
    with desk.db.reading() as session:
        assert session.query(models.Outbox).count() == 40
        events = session.query(models.AuditEvent).filter_by(action="complaint.record").count()
        assert events == 40
        session.execute(text("INSERT INTO complaint_fts(complaint_fts) VALUES ('integrity-check')"))
    assert audit.verify(desk).ok


def test_a_save_after_a_bulk_chunk_is_indexed_by_the_trigger_again(desk):
    intake.record_many(desk, forms(3), now=NOW)
    one = intake.record_complaint(desk, make_form(subject="Selokan mampet kelurahanbaru"))
    page = lookup.list_complaints(desk, lookup.ListQuery(text="kelurahanbaru"))
    assert [r.id for r in page.rows] == [one.id]


def test_a_chunk_that_fails_leaves_nothing_and_keeps_the_trigger(desk, monkeypatch):
    before = trigger_sql(desk)

    def broken(*args, **kwargs):
        raise StorageError(reason="disk full")

    monkeypatch.setattr(bulk.chain, "append_many", broken)
    with pytest.raises(StorageError):
        intake.record_many(desk, forms(5), now=NOW)
    assert trigger_sql(desk) == before
    with desk.db.reading() as session:
        assert session.query(models.Complaint).count() == 0


def _written(desk, complaint_id: str) -> dict:
    """What a save wrote for one complaint, with the values that differ per complaint (its
    keys, number and sequence) left out."""
    own = {"seq", "id", "tracking_no", "complaint_id", "item_id"}
    with desk.db.reading() as session:
        row = (
            session.execute(text("SELECT * FROM complaint WHERE id = :id"), {"id": complaint_id})
            .mappings()
            .one()
        )
        box = (
            session.execute(
                text("SELECT * FROM outbox WHERE complaint_id = :id"), {"id": complaint_id}
            )
            .mappings()
            .all()
        )
        files = (
            session.execute(
                text(
                    "SELECT filename, sha256, size FROM attachment WHERE complaint_id = :id"
                    " ORDER BY seq"
                ),
                {"id": complaint_id},
            )
            .mappings()
            .all()
        )
        events = (
            session.execute(
                text(
                    "SELECT actor, action, object_type, before, after, reason FROM audit_event"
                    " WHERE object_id = :id"
                ),
                {"id": complaint_id},
            )
            .mappings()
            .all()
        )
    after = [json.loads(e["after"]) for e in events]
    for item in after:
        for key in own:
            item.pop(key, None)
    return {
        "complaint": {k: v for k, v in row.items() if k not in own},
        "outbox": [{k: v for k, v in b.items() if k not in own} for b in box],
        "attachments": [dict(f) for f in files],
        "events": [
            (e["actor"], e["action"], e["object_type"], e["before"], e["reason"]) for e in events
        ],
        "after": after,
    }


SCAN = {"filename": "ktp siti.jpg", "sha256": "ab" * 32, "size": "11000"}
LETTER = {"filename": "surat.pdf", "sha256": "cd" * 32, "size": "2048"}


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        # every optional value left out (NULLs in the row), two attachments, a time received
        dict(
            reporter_nik="",
            reporter_phone="",
            reporter_email="",
            anonymous="yes",
            reporter_name="",
            district="",
            event_date="",
            complained_before="",
            received_at="2026-11-19T22:15:30.000001+07:00",
            attachments=[SCAN, LETTER],
        ),
    ],
)
def test_a_bulk_chunk_writes_what_a_save_writes(desk, overrides):
    # bulk.write_many repeats intake._write for many: a change to one must reach the other.
    form = make_form(subject="Lampu jalan padam di simpang empat", **overrides)
    saved = intake.record_complaint(desk, form, draft_key=None, now=NOW)
    [bulked] = intake.record_many(desk, [(2, form)], now=NOW)
    written = _written(desk, bulked.id)
    assert written == _written(desk, saved.id)
    assert len(written["attachments"]) == len(overrides.get("attachments", []))
