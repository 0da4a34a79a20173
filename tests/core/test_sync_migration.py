"""Migration 0007: the outbox of an older desk becomes protocol items, and "queued"/"submitted"
stop being case statuses."""

from __future__ import annotations

import sqlite3
import uuid

from alembic import command

from desk_app.services import intake
from desk_app.services.desk import open_desk
from desk_app.store import migrate
from tests.conftest import CLERK, make_form, set_up_desk


def test_an_older_outbox_becomes_waiting_record_items_and_statuses_are_recorded(data_dir):
    set_up_desk(data_dir)
    desk = open_desk(data_dir, actor=CLERK)
    ids = [intake.record_complaint(desk, make_form()).id for _ in range(3)]
    command.downgrade(migrate.alembic_config(desk.db), "0006")
    path = desk.db.path
    desk.close()
    with sqlite3.connect(path) as conn:  # as an issue-8 desk left it
        conn.execute("UPDATE complaint SET status = 'queued' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE complaint SET status = 'submitted' WHERE id = ?", (ids[1],))
        conn.execute("UPDATE complaint SET status = 'verified' WHERE id = ?", (ids[2],))
        assert {r[0] for r in conn.execute("SELECT kind FROM outbox")} == {"upload"}
    desk = open_desk(data_dir)
    desk.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT item_id, kind, revision, state, attempts, batch_id FROM outbox ORDER BY seq"
        ).fetchall()
        statuses = dict(conn.execute("SELECT id, status FROM complaint").fetchall())
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert [r[1:] for r in rows] == [("record", 0, "waiting", 0, None)] * 3
    assert len({uuid.UUID(r[0]) for r in rows}) == 3  # each its own item id
    assert statuses == {ids[0]: "recorded", ids[1]: "recorded", ids[2]: "verified"}
    # The complaint table was changed in place: its full-text triggers are still there.
    assert {"complaint_fts_ai", "complaint_fts_ad", "complaint_fts_au"} <= triggers
