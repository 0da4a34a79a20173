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


def _accept_one(store, key: str) -> str:
    from desk_app.hub.store import Item
    from tests.sync.conftest import make_complaint, new_id

    complaint = make_complaint("PKU01")
    item = Item(new_id(), "record", complaint["id"], 0, complaint)
    answer = store.apply_batch("PKU01", key, key, [item], None)
    [result] = answer["results"]
    assert result["result"] == "accepted", result
    return result["provincial_id"]


def test_provincial_numbers_start_again_each_year(tmp_path, monkeypatch):
    import datetime as dt

    from desk_app.hub import store as hub_store

    store = HubStore(tmp_path)
    try:
        store.add_desk("PKU01")
        monkeypatch.setattr(hub_store, "utcnow", lambda: dt.datetime(2026, 12, 31, 16, 59))
        first = [_accept_one(store, f"k{i}") for i in range(2)]
        monkeypatch.setattr(hub_store, "utcnow", lambda: dt.datetime(2027, 1, 1, 0, 1))
        later = _accept_one(store, "k2")
    finally:
        store.close()
    assert first == ["RIAU-2026-000001", "RIAU-2026-000002"]
    assert later == "RIAU-2027-000001"


def test_a_hub_with_one_counter_for_all_years_goes_on_without_giving_an_id_twice(tmp_path):
    from sqlalchemy import delete, insert

    from desk_app.hub.store import counter, utcnow

    store = HubStore(tmp_path)
    try:
        store.add_desk("PKU01")
        held = [_accept_one(store, f"k{i}") for i in range(3)]
        with store.engine.begin() as conn:  # as an older hub kept it
            conn.execute(delete(counter))
            conn.execute(insert(counter).values(name="provincial", value=3))
        after = _accept_one(store, "k3")
    finally:
        store.close()
    year = utcnow().year
    assert held[-1] == f"RIAU-{year}-000003"
    assert after == f"RIAU-{year}-000004"
