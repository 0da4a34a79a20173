"""The client under the hub's faults (docs/sync-protocol.md §3, §12): a timeout, 500s, 429
with Retry-After, the connection dropped after the hub committed, the hub killed mid-batch and
restarted; TLS with a test CA; no keyring backend. After each: every complaint held exactly
once at the hub, every one sent at the desk."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import keyring
import keyring.backends.fail
import pytest

from desk_app.services import intake, sync
from desk_app.sync import client as sync_client
from desk_app.sync import credentials
from desk_app.sync import protocol as p
from desk_app.sync.transport import HttpTransport, RetryPolicy, backoff_hook
from tests.conftest import CLERK, IT, make_form
from tests.sync.desk_side import FAST, MemoryKeyring, connect, items, reset_credentials, states


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr(sync, "RETRY_POLICY", FAST)
    yield
    keyring.set_keyring(previous)
    reset_credentials()


def record_many(desk, n: int) -> list[str]:
    return [intake.record_complaint(desk.acting(CLERK), make_form()).id for _ in range(n)]


def assert_held_once(desk, hub, ids: list[str]) -> None:
    held = [c["complaint_id"] for c in hub.export()]
    assert sorted(held) == sorted(ids), "every complaint exactly once at the hub"
    assert states(desk) == {"sent": len(ids)}, "every complaint sent at the desk"


def transports(monkeypatch, **options) -> list[HttpTransport]:
    """Make the service's transports with `options` (timeouts) and keep them for the test."""
    made: list[HttpTransport] = []

    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        t = HttpTransport(
            server,
            client_id,
            secret,
            ca_bundle=ca_bundle,
            cancelled=cancelled,
            policy=sync.RETRY_POLICY,
            **options,
        )
        made.append(t)
        return t

    monkeypatch.setattr(sync, "make_transport", factory)
    return made


def test_a_timeout_leaves_the_batch_open_and_the_next_run_sends_the_same_key(
    desk, start_hub, monkeypatch
):
    hub = start_hub(latency=1500)
    connect(desk, hub)
    ids = record_many(desk, 3)
    made = transports(monkeypatch)
    real_post = HttpTransport.post_batch

    def impatient_post(self, batch):  # the token may take its time; the batch may not
        self.http.timeout = httpx.Timeout(0.3)
        return real_post(self, batch)

    monkeypatch.setattr(HttpTransport, "post_batch", impatient_post)
    report = sync.run(desk.acting(IT))
    assert made[0].requests >= 1
    assert (report.error, report.pending, report.ok) == ("timeout", 3, False)
    [batch] = sync.batches(desk.acting(IT))
    assert batch.state == "open" and batch.last_error == "timeout"
    assert {i.last_error for i in items(desk)} == {"timeout"}
    hub.restart(latency=None)
    monkeypatch.setattr(HttpTransport, "post_batch", real_post)
    report = sync.run(desk.acting(IT))
    assert report.ok and report.batches == 1
    [again] = sync.batches(desk.acting(IT))
    assert again.batch_id == batch.batch_id and again.state == "answered"  # the same key
    assert_held_once(desk, hub, ids)


def test_server_errors_are_retried_until_the_batch_goes_through(desk, start_hub, monkeypatch):
    """A retried batch sends the same bytes again: its body is made once, before the batch
    goes to the sender (transport.prepare), off the path of the batch in flight."""
    hub = start_hub(fault_rate=0.5, seed=7)
    connect(desk, hub)
    ids = record_many(desk, 5)
    made = transports(monkeypatch)
    monkeypatch.setattr(
        sync,
        "RETRY_POLICY",
        RetryPolicy(attempts=20, wait_initial=0.01, wait_max=0.02, wait_jitter=0.01),
    )
    encoded = []
    real_encode = HttpTransport._encode

    def counting_encode(self, body):
        if "items" in body:
            encoded.append(body["batch_id"])
        return real_encode(self, body)

    monkeypatch.setattr(HttpTransport, "_encode", counting_encode)
    report = sync.run(desk.acting(IT))
    assert report.error is None and report.accepted == 5 and report.batches == 1
    assert made[0].requests > 6  # some answers were 500s, and were tried again
    assert len(encoded) == 1
    assert_held_once(desk, hub, ids)


def test_a_server_that_keeps_failing_stops_the_run_with_nothing_lost(desk, start_hub):
    hub = start_hub(fault_rate=1)
    connect(desk, hub)
    ids = record_many(desk, 2)
    report = sync.run(desk.acting(IT))
    assert (report.error, report.status, report.pending) == ("server_error", 500, 2)
    assert report.error_text == sync.stop_reason("server_error")
    hub.restart(fault_rate=None)
    assert sync.run(desk.acting(IT)).ok
    assert_held_once(desk, hub, ids)


def test_rate_limited_requests_wait_and_go_through(desk, start_hub, monkeypatch):
    hub = start_hub(rate_limit=2)
    connect(desk, hub)
    ids = record_many(desk, 4)
    monkeypatch.setattr(
        sync, "RETRY_POLICY", RetryPolicy(wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)
    )
    waits: list[float] = []
    real = backoff_hook

    def hook(policy):
        inner = real(policy)

        def seen(exc):
            answer = inner(exc)
            if isinstance(answer, float):
                waits.append(answer)
            return answer

        return seen

    monkeypatch.setattr("desk_app.sync.transport.backoff_hook", hook)
    monkeypatch.setattr(sync, "make_transport", sync._http_transport)
    from desk_app.settings import set_value

    set_value(desk.db, "sync_batch_size", 1)  # four batches: more than 2 requests a second
    report = sync.run(desk.acting(IT))
    assert report.ok and report.accepted == 4
    assert waits and all(0 < w <= 1 for w in waits)  # the hub's Retry-After, honoured
    assert_held_once(desk, hub, ids)


def test_retry_after_is_honoured_up_to_its_cap_and_client_errors_are_never_retried():
    from desk_app.sync.transport import _Retriable

    hook = backoff_hook(RetryPolicy())
    assert hook(_Retriable(429, p.Problem(429, "rate_limited", retry_after=5))) == 5
    assert hook(_Retriable(503, p.Problem(503, "unavailable", retry_after=600))) == 60
    assert hook(_Retriable(500, p.Problem(500, "server_error"))) is True
    assert hook(p.Refused("invalid", 422)) is False
    assert hook(ValueError()) is False


def test_a_connection_dropped_after_the_hub_committed_doubles_nothing(desk, start_hub):
    """Every answer lost after the hub committed: the desk never heard, keeps the batch open,
    and the next run's same Idempotency-Key gets the stored answer, not a second record."""
    hub = start_hub(drop_after_commit=1)
    connect(desk, hub)
    ids = record_many(desk, 3)
    report = sync.run(desk.acting(IT))
    assert (report.error, report.pending) == ("unreachable", 3)
    assert sorted(c["complaint_id"] for c in hub.export()) == sorted(ids)  # committed there
    [batch] = sync.batches(desk.acting(IT))
    assert batch.state == "open"
    hub.restart(drop_after_commit=None)
    report = sync.run(desk.acting(IT))
    assert report.ok and report.accepted == 3  # the stored answer of the first commit
    assert sync.batches(desk.acting(IT))[0].batch_id == batch.batch_id
    assert_held_once(desk, hub, ids)


def test_the_hub_killed_mid_batch_and_restarted_holds_each_complaint_once(
    desk, start_hub, monkeypatch
):
    hub = start_hub(latency=800)
    connect(desk, hub)
    ids = record_many(desk, 4)
    posted = threading.Event()
    real_post = HttpTransport.post_batch

    def post_batch(self, batch):
        posted.set()
        return real_post(self, batch)

    monkeypatch.setattr(HttpTransport, "post_batch", post_batch)
    result: list = []
    runner = threading.Thread(target=lambda: result.append(sync.run(desk.acting(IT))))
    runner.start()
    assert posted.wait(30)
    hub.kill()  # SIGKILL while the batch is in the hub's hands
    runner.join(60)
    [report] = result
    assert report.error == "unreachable" and report.pending == 4
    hub.restart(latency=None)
    report = sync.run(desk.acting(IT))
    assert report.ok
    assert_held_once(desk, hub, ids)


def test_one_sync_at_a_time_per_database(desk, hub):
    connect(desk, hub)
    lease = sync_client.Lease(desk.db, desk.now)
    lease.claim()
    try:
        with pytest.raises(sync.SyncBusy):
            sync.run(desk.acting(IT))
        assert sync.overview(desk.acting(IT)).running
    finally:
        lease.release()
    assert sync.run(desk.acting(IT)).error is None


def test_the_lease_of_a_killed_sync_is_taken_over(desk, hub):
    connect(desk, hub)
    import json

    with desk.db.writing() as session:  # a lease whose process is gone (this host)
        sync_client.write_state(
            session,
            sync_client.LOCK_KEY,
            json.dumps(
                {
                    "owner": "x",
                    "pid": 2**22 + 12345,
                    "host": __import__("socket").gethostname(),
                    "until": "2999-01-01T00:00:00",
                }
            ),
        )
    assert sync.run(desk.acting(IT)).error is None


def test_a_cancelled_run_stops_after_the_batch_in_flight_and_keeps_what_was_sent(desk, hub):
    """One batch is in flight while the next is made (client._upload): a cancel stops the run
    once that one is answered and kept; nothing more is sent."""
    connect(desk, hub)
    record_many(desk, 3)
    from desk_app.settings import set_value

    set_value(desk.db, "sync_batch_size", 1)
    seen: list[sync.SyncProgress] = []

    def cancelled() -> bool:
        return sum(1 for s in seen if s.phase == "upload") >= 2

    report = sync.run(desk.acting(IT), progress=seen.append, cancelled=cancelled)
    assert report.error == "cancelled"
    assert states(desk) == {"sent": 2, "waiting": 1}
    assert len(hub.export()) == 2
    assert sync.run(desk.acting(IT)).ok and len(hub.export()) == 3


# -- TLS ---------------------------------------------------------------------------------------


# The hub's own tls_hub fixture (tests/sync/conftest.py): `desk-app hub serve --tls-cert
# --tls-key` with a certificate from a trustme CA.


def test_tls_with_the_provinces_ca_is_accepted(desk, tls_hub):
    connect(desk, tls_hub, ca_bundle=str(tls_hub.ca_file))
    ids = record_many(desk, 2)
    report = sync.run(desk.acting(IT))
    assert report.ok
    assert sorted(c["complaint_id"] for c in tls_hub.export()) == sorted(ids)


def test_tls_without_the_ca_is_refused_and_not_retried(desk, tls_hub, monkeypatch):
    connect(desk, tls_hub)
    record_many(desk, 1)
    made = transports(monkeypatch)
    report = sync.run(desk.acting(IT))
    assert (report.error, report.pending) == ("tls_refused", 1)
    assert made[0].requests == 0
    assert tls_hub.export() == []


def test_plain_http_is_refused_except_to_loopback(desk):
    with pytest.raises(sync.SyncSetupRefused):
        sync.configure(desk.acting(IT), "http://provinsi.example.id", "c", "s")
    with pytest.raises(sync.SyncSetupRefused):
        sync.configure(desk.acting(IT), "ftp://127.0.0.1", "c", "s")
    for url in ("http://127.0.0.1:8080", "http://[::1]:8080", "https://aduan.riau.go.id"):
        assert sync.configure(desk.acting(IT), url, "c", "s").server == url


# -- no keyring --------------------------------------------------------------------------------


def test_without_a_keyring_the_secret_lives_in_memory_only(desk, hub, data_dir):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    client_id, secret = hub.add_desk("PKU01")
    cfg = sync.configure(desk.acting(IT), hub.url, client_id, secret)
    assert not cfg.keyring_ok and cfg.secret_stored  # held for this session
    ids = record_many(desk, 1)
    assert sync.run(desk.acting(IT)).ok
    # A new session (the program restarted): the secret is asked for again.
    credentials.forget_session()
    assert not sync.config(desk.acting(IT)).secret_stored
    with pytest.raises(sync.SyncSecretNeeded) as refused:
        sync.run(desk.acting(IT))
    assert "keyring" in refused.value.message()
    sync.remember_secret_for_session(desk.acting(IT), secret)
    assert sync.run(desk.acting(IT)).ok
    assert [c["complaint_id"] for c in hub.export()] == ids
    # No trace of the secret anywhere in the data folder (database, WAL, logs, audit trail).
    needle = secret.encode()
    for path in Path(data_dir).rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), path.name
    assert secret not in repr(sync.config(desk.acting(IT)))


def test_the_secret_goes_to_the_keyring_not_to_the_settings(desk, hub, data_dir):
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    secret = connect(desk, hub)
    assert list(ring.secrets.values()) == [secret]
    [(service, account)] = ring.secrets
    assert service == "meja-aduan" and account.endswith(
        "#" + sync.config(desk.acting(IT)).client_id
    )
    credentials.forget_session()
    assert sync.config(desk.acting(IT)).secret_stored  # from the keyring, a new session
    for path in Path(data_dir).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name


def test_an_unreadable_ca_bundle_is_said_before_any_request(tmp_path):
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("nope")
    with pytest.raises(p.SyncError) as refused:
        HttpTransport("https://127.0.0.1:1", "c", "s", ca_bundle=str(bad))
    assert refused.value.code == "ca_bundle_unreadable"


class PlaintextFileKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring: "keeps" the secret, in a file."""


PlaintextFileKeyring.__module__ = "keyrings.alt.file"


def test_a_keyrings_alt_file_backend_counts_as_no_keyring(desk):
    ring = PlaintextFileKeyring()
    keyring.set_keyring(ring)
    cfg = sync.configure(desk.acting(IT), "https://aduan.riau.go.id", "c", "rahasia")
    assert not cfg.keyring_ok and cfg.secret_stored  # held for this session only
    assert ring.secrets == {}  # nothing went to the file
