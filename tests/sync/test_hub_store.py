"""The hub's own database: durable SQLite settings, and secrets kept only as hashes."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text

from desk_app.hub.store import HubStore, desk_client, token


def test_sqlite_is_in_wal_mode_with_full_sync(tmp_path):
    store = HubStore(tmp_path)
    try:
        with store.engine.begin() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert (tmp_path / "hub.sqlite3").exists()
    finally:
        store.close()


def test_the_hub_keeps_only_hashes_of_secrets_and_tokens(tmp_path):
    store = HubStore(tmp_path)
    try:
        client_id, secret = store.add_desk("PKU01")
        issued, desk = store.issue_token(client_id, secret)
        with store.engine.begin() as conn:
            [row] = conn.execute(select(desk_client)).all()
            [kept] = conn.execute(select(token)).all()
        raw = (tmp_path / "hub.sqlite3").read_bytes() + (tmp_path / "hub.sqlite3-wal").read_bytes()
        refused = store.issue_token(client_id, secret + "x")
    finally:
        store.close()
    assert desk == "PKU01"
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert kept.token_sha256 == hashlib.sha256(issued.encode()).hexdigest()
    assert secret.encode() not in raw and issued.encode() not in raw
    assert len(secret) >= 43  # 256 random bits, URL-safe base64
    assert refused is None


def test_rows_written_through_the_driver_are_stored_as_sqlalchemy_stores_them(tmp_path):
    """store._insert_many skips SQLAlchemy's per-row parameter building; a datetime (with and
    without microseconds) and a NULL must land exactly as insert(table) writes them."""
    import datetime as dt

    from sqlalchemy import insert

    from desk_app.hub.store import _insert_many, revision

    store = HubStore(tmp_path)
    rows = [
        {
            "complaint_id": f"c{n}",
            "revision": 0,
            "content_sha256": "0" * 64,
            "body": "{}",
            "received_at": at,
        }
        for n, at in enumerate(
            [dt.datetime(2026, 12, 2, 3, 4, 5), dt.datetime(2026, 1, 2, 3, 4, 5, 6)]
        )
    ]
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(revision), rows)
            _insert_many(
                conn, revision, [{**r, "complaint_id": "d" + r["complaint_id"]} for r in rows]
            )
            raw = conn.exec_driver_sql(
                "SELECT complaint_id, received_at FROM complaint_revision ORDER BY id"
            ).all()
            back = conn.execute(select(revision.c.received_at).order_by(revision.c.id)).scalars()
            read = list(back)
    finally:
        store.close()
    by_id = dict(raw)
    assert by_id["dc0"] == by_id["c0"] and by_id["dc1"] == by_id["c1"]
    assert read == [r["received_at"] for r in rows] * 2
