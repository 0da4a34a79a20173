"""The save's own write path (issue 11): Database.writing_core (one pooled connection, the
transaction held by the driver) and store/prepared.py (statements compiled once, run as
prepared sqlite3 statements). It must store exactly what SQLAlchemy would, roll back whole,
say a busy or damaged database in words, and move the audit head only after a commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

import pytest
from sqlalchemy import bindparam, func, insert, select, text

from desk_app.audit import head
from desk_app.errors import DeskBusy
from desk_app.services import drafts, intake
from desk_app.store import db as store_db
from desk_app.store import models
from desk_app.store.prepared import Prepared
from tests.conftest import make_form

DB_FILE = "meja-aduan.sqlite3"


@contextlib.contextmanager
def write_locked(data_dir):
    """Another connection inside BEGIN IMMEDIATE, holding the write lock."""
    locker = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def count(desk, model) -> int:
    with desk.db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_save_beside_a_writer_says_busy_writes_nothing_and_keeps_the_draft(
    desk, data_dir, monkeypatch
):
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    desk.db.engine.dispose()  # new connections take the short busy timeout
    drafts.save_draft(desk, intake.INTAKE_DRAFT, make_form(subject="Masih diketik"))
    with write_locked(data_dir), pytest.raises(DeskBusy):
        intake.record_complaint(desk, make_form())
    assert count(desk, models.Complaint) == 0
    assert count(desk, models.DayCounter) == 0
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT).subject == "Masih diketik"
    # The pooled connection went back clean: the next save gets the day's first number.
    saved = intake.record_complaint(desk, make_form())
    assert saved.tracking_no.split("-")[2] == "0001"
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT) is None


def test_a_save_that_fails_half_way_leaves_nothing_and_does_not_move_the_head(desk, monkeypatch):
    first = intake.record_complaint(desk, make_form())
    before = head.read_head()
    assert before is not None

    def broken(*args, **kwargs):
        raise RuntimeError("after the complaint row, before its audit event")

    monkeypatch.setattr(intake.audit, "append", broken)
    with pytest.raises(RuntimeError):
        intake.record_complaint(desk, make_form())
    monkeypatch.undo()
    assert count(desk, models.Complaint) == 1
    assert count(desk, models.Outbox) == 1
    assert head.read_head() == before
    second = intake.record_complaint(desk, make_form())
    assert int(second.tracking_no.split("-")[2]) == int(first.tracking_no.split("-")[2]) + 1
    assert head.read_head()[0] == before[0] + 1


def test_a_core_statement_joins_the_save_transaction_and_rolls_back_with_it(desk):
    table = models.Setting.__table__
    prepared = Prepared(insert(table))
    with pytest.raises(RuntimeError):
        with desk.db.writing_core() as write:
            write.execute(insert(table).values(key="lewat_core", value="1"))
            prepared.run(write, {"key": "lewat_driver", "value": "1"})
            raise RuntimeError("undo both")
    with desk.db.writing_core() as write:
        write.execute(insert(table).values(key="lewat_core", value="2"))
        prepared.run(write, {"key": "lewat_driver", "value": "2"})
    with desk.db.reading() as session:
        stored = dict(
            session.execute(
                select(table.c.key, table.c.value).where(table.c.key.like("lewat_%"))
            ).all()
        )
    assert stored == {"lewat_core": "2", "lewat_driver": "2"}


def _stored_text(desk, day: dt.date) -> tuple:
    """The calendar_day row as SQLite holds it (text, integers), not as SQLAlchemy reads it."""
    conn = sqlite3.connect(desk.db.path)
    try:
        return conn.execute(
            "SELECT day, working, name, changed_by, changed_at FROM calendar_day WHERE day = ?",
            (day.isoformat(),),
        ).fetchone()
    finally:
        conn.close()


def test_prepared_statements_store_and_read_what_sqlalchemy_does(desk):
    table = models.CalendarDay.__table__
    at = dt.datetime(2026, 11, 20, 3, 4, 5, 678901)
    rows = {
        "core": dict(day=dt.date(2026, 12, 1), working=False, name="a", changed_by="x"),
        "session": dict(day=dt.date(2026, 12, 2), working=True, name="b", changed_by="x"),
        "driver": dict(day=dt.date(2026, 12, 3), working=True, name="c", changed_by="x"),
    }
    prepared = Prepared(insert(table))
    with desk.db.writing() as session:
        session.execute(insert(table), [dict(rows["core"], changed_at=at)])
        prepared.run(session, dict(rows["session"], changed_at=at))  # exec_driver_sql
    with desk.db.writing_core() as write:
        prepared.many(write, [dict(rows["driver"], changed_at=at)])  # the driver itself
    core = _stored_text(desk, rows["core"]["day"])
    for way in ("session", "driver"):
        stored = _stored_text(desk, rows[way]["day"])
        assert stored[2:] == ("b" if way == "session" else "c", "x", core[4])
        assert stored[1] == 1 and core[1] == 0
        assert stored[0] == rows[way]["day"].isoformat()

    days = Prepared(
        select(table.c.day, table.c.working, table.c.changed_at)
        .where(table.c.day >= bindparam("since"))
        .order_by(table.c.day)
    )
    with desk.db.writing_core() as write:
        read = days.all(write, {"since": dt.date(2026, 12, 2)})
    with desk.db.reading() as session:
        assert days.all(session, {"since": dt.date(2026, 12, 2)}) == read
    assert read == [(dt.date(2026, 12, 2), True, at), (dt.date(2026, 12, 3), True, at)]


def test_a_prepared_insert_must_name_the_columns_that_have_a_default(desk):
    # Defaults are SQLAlchemy's to fill in; a prepared insert does not, so it refuses to run.
    short = Prepared(insert(models.Outbox.__table__))
    with pytest.raises(TypeError, match="default"):
        with desk.db.writing_core() as write:
            short.run(write, {"item_id": "x", "complaint_id": "y", "kind": "record"})


def test_a_save_uses_no_orm_session(desk, monkeypatch):
    # The save runs on writing_core; writing() (the ORM Session) stays for everyone else.
    def no_session():
        raise AssertionError("the save opened an ORM session")

    monkeypatch.setattr(desk.db, "writing", no_session)
    saved = intake.record_complaint(desk, make_form())
    with desk.db.reading() as session:
        assert (
            session.scalar(
                text("SELECT count(*) FROM audit_event WHERE object_id = :id"), {"id": saved.id}
            )
            == 1
        )
