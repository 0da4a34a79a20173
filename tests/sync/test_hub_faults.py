"""The training hub's fault injection and durability (docs/sync-protocol.md §4, §11, §12):
429 with Retry-After, 500s, a connection dropped after the commit, and the hub killed with
SIGKILL in the middle of a batch, then restarted: every item is applied exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from tests.sync.conftest import batch, make_complaint, post_batch, record_item


def _connections(port: int) -> set[str]:
    """The remote ends of the open TCP connections to `port` on this machine (/proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, state = parts[1], parts[2], parts[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(remote)
    return found


def _new_connection(port: int):
    """A condition: a connection to `port` opened after this call (not a kept-alive one)."""
    before = _connections(port)
    return lambda: bool(_connections(port) - before)


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def _each_once(hub, complaint_ids) -> None:
    counts = Counter(row["complaint_id"] for row in hub.export())
    assert {cid: counts[cid] for cid in complaint_ids} == dict.fromkeys(complaint_ids, 1)


def test_over_the_rate_limit_is_429_with_retry_after(start_hub):
    hub = start_hub(rate_limit=2)
    with hub.client() as client:
        answers = [client.get("/api/v1/anchors") for _ in range(6)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert all(a.status_code in (200, 429) for a in answers)
    for answer in limited:
        assert answer.json()["code"] == "rate_limited"
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["retry_after"] == int(answer.headers["Retry-After"])


def test_latency_delays_every_answer(start_hub):
    hub = start_hub(latency=400)
    started = time.monotonic()
    answer = httpx.post(f"{hub.url}/api/v1/token", json={"client_id": "x", "client_secret": "y"})
    assert answer.status_code == 401
    assert time.monotonic() - started >= 0.4


def test_fault_rate_1_answers_500_and_holds_nothing(start_hub):
    hub = start_hub()
    with hub.client() as client:
        complaint = make_complaint(client.desk_code)
        body = batch(client.desk_code, [record_item(complaint)])
        hub.restart(fault_rate=1)
        answer = post_batch(client, body)
    assert answer.status_code == 500
    assert answer.json()["code"] == "server_error"
    assert hub.export() == []


def test_a_connection_dropped_after_the_commit_then_a_retry_doubles_nothing(start_hub, hub_db):
    hub = start_hub(db_url=hub_db, drop_after_commit=1)
    with hub.client() as client:
        complaints = [make_complaint(client.desk_code) for _ in range(3)]
        body = batch(client.desk_code, [record_item(c) for c in complaints])
        with pytest.raises(httpx.TransportError) as dropped:
            post_batch(client, body)
        assert not isinstance(dropped.value, httpx.TimeoutException)  # closed, not slow
        _each_once(hub, [c["id"] for c in complaints])  # committed, though never answered
        hub.restart(drop_after_commit=None)
        retry = post_batch(client, body)
    assert retry.status_code == 200
    assert [r["result"] for r in retry.json()["results"]] == ["accepted"] * 3
    _each_once(hub, [c["id"] for c in complaints])


def test_a_hub_killed_mid_batch_applies_the_retry_exactly_once(start_hub, hub_db):
    hub = start_hub(db_url=hub_db, latency=3000)
    with hub.client() as client:
        complaints = [make_complaint(client.desk_code) for _ in range(20)]
        body = batch(client.desk_code, [record_item(c) for c in complaints])
        outcome = []

        def send():
            try:
                outcome.append(post_batch(client, body))
            except httpx.TransportError as exc:
                outcome.append(exc)

        connected = _new_connection(hub.port)
        sender = threading.Thread(target=send)
        sender.start()
        _wait_for(connected)
        hub.kill()
        sender.join(timeout=30)
        assert isinstance(outcome[0], httpx.TransportError)
        hub.restart(latency=None)
        retry = post_batch(client, body)
        again = post_batch(client, body)
    assert [r["result"] for r in retry.json()["results"]] == ["accepted"] * 20
    assert again.json() == retry.json()
    _each_once(hub, [c["id"] for c in complaints])


def _writing(hub):
    """A condition: the hub has begun writing a transaction (PostgreSQL: a backend holds a
    transaction id; SQLite: the write-ahead log grew, so the commit is being written)."""
    if hub.db_url:
        import psycopg

        def pg() -> bool:
            with psycopg.connect(hub.db_url, autocommit=True) as conn:
                return bool(
                    conn.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND backend_xid IS NOT NULL"
                    ).fetchone()[0]
                )

        return pg
    wal = hub.data_dir / "hub.sqlite3-wal"
    size = wal.stat().st_size if wal.exists() else 0
    return lambda: wal.exists() and wal.stat().st_size > size


@pytest.mark.parametrize("moment", ["connected", "writing"])
def test_a_hub_killed_inside_a_big_batch_applies_the_retry_exactly_once(start_hub, hub_db, moment):
    """SIGKILL lands in a 200-item batch as soon as the request is under way, or once the
    hub writes its transaction; the retry after the restart applies every item once."""
    hub = start_hub(db_url=hub_db)
    with hub.client() as client:
        sent = []
        for _round in range(2):
            complaints = [make_complaint(client.desk_code) for _ in range(200)]
            body = batch(client.desk_code, [record_item(c) for c in complaints])
            started, connected = _writing(hub), _new_connection(hub.port)
            fresh = httpx.Client(base_url=hub.url, headers=client.headers, timeout=30)
            sender = threading.Thread(target=_post_quietly, args=(fresh, body))
            sender.start()
            done = sender.is_alive
            _wait_for(lambda done=done, connected=connected: connected() or not done())
            if moment == "writing":
                _wait_for(lambda done=done, started=started: started() or not done())
            hub.kill()
            sender.join(timeout=30)
            fresh.close()
            hub.restart()
            retry = post_batch(client, body)
            assert retry.status_code == 200
            assert {r["result"] for r in retry.json()["results"]} == {"accepted"}
            sent += [c["id"] for c in complaints]
    _each_once(hub, sent)
    assert len(hub.export()) == len(sent)


def _post_quietly(client, body) -> None:
    try:
        post_batch(client, body)
    except httpx.TransportError:
        pass
