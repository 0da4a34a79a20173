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
