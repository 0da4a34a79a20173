"""The client's edges against the real hub: attachments by SHA-256 (sent once, before the
batch), one new token on a 401 and no retry of a bad secret, a batch halved on 413, a batch
whose content changed between a lost answer and its resend (409), a token of another desk."""

from __future__ import annotations

import keyring
import pytest

from desk_app import settings
from desk_app.i18n import _
from desk_app.services import attachments, corrections, intake, lookup, sync
from desk_app.sync import protocol as p
from desk_app.sync.transport import HttpTransport
from tests.conftest import CLERK, IT, SUPERVISOR, make_form
from tests.sync.desk_side import FAST, MemoryKeyring, connect, items, reset_credentials, states


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr(sync, "RETRY_POLICY", FAST)
    yield
    keyring.set_keyring(previous)
    reset_credentials()


class Counting(HttpTransport):
    """HttpTransport that counts what it sent, by call."""

    calls: list[str] = []

    def put_attachment(self, sha256, data):
        Counting.calls.append("put_attachment")
        return super().put_attachment(sha256, data)

    def missing_attachments(self, sha256s):
        Counting.calls.append("missing_attachments")
        return super().missing_attachments(sha256s)

    def post_batch(self, batch):
        Counting.calls.append(f"post_batch:{len(batch.items)}")
        return super().post_batch(batch)


@pytest.fixture
def counting(monkeypatch):
    Counting.calls = []

    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        return Counting(
            server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=FAST
        )

    monkeypatch.setattr(sync, "make_transport", factory)
    return Counting.calls


def test_attachments_go_first_by_sha256_and_only_once(desk, hub, tmp_path, counting):
    connect(desk, hub)
    scan = tmp_path / "surat.pdf"
    scan.write_bytes(b"%PDF-1.4 surat pengaduan " * 100)
    clerk = desk.acting(CLERK)
    first = attachments.add_file(clerk, scan)
    a = intake.record_complaint(clerk, make_form(attachments=[first]))
    report = sync.run(desk.acting(IT))
    assert report.accepted == 1
    assert counting[:3] == ["missing_attachments", "put_attachment", "post_batch:1"]
    stored = hub.data_dir / "attachments" / first["sha256"][:2] / first["sha256"]
    assert stored.read_bytes() == scan.read_bytes()
    [held] = hub.export()
    assert held["complaint"]["attachments"] == [
        {"sha256": first["sha256"], "size": int(first["size"]), "filename": "surat.pdf"}
    ]
    # The same file with another complaint: asked for, not sent again.
    counting.clear()
    b = intake.record_complaint(clerk, make_form(attachments=[first]))
    assert sync.run(desk.acting(IT)).accepted == 1
    assert "put_attachment" not in counting and "missing_attachments" in counting
    assert {i.complaint_id for i in items(desk)} == {a.id, b.id}


def test_an_expired_token_is_renewed_once(desk, hub):
    client_id, secret = hub.add_desk("PKU01")
    transport = HttpTransport(hub.url, client_id, secret, policy=FAST)
    try:
        transport.token()
        transport._token = "expired-or-revoked"
        assert transport.statuses(0).next_cursor == 0  # 401, a new token, then the answer
        assert transport.requests == 4  # token, 401, token, answer
    finally:
        transport.close()


def test_a_wrong_secret_is_refused_once_and_not_retried(desk, hub):
    client_id, _secret = hub.add_desk("PKU01")
    sync.configure(desk.acting(IT), hub.url, client_id, "not-the-secret")
    intake.record_complaint(desk.acting(CLERK), make_form())
    report = sync.run(desk.acting(IT))
    assert (report.error, report.status, report.pending) == ("unauthorized", 401, 1)
    assert "not-the-secret" not in report.error_text
    assert hub.export() == []


def refuse_batches_over(monkeypatch, most: int) -> None:
    """The hub as Counting reaches it answers 413 to a batch of more than `most` items."""
    real = Counting.post_batch

    def picky(self, batch):
        if len(batch.items) > most:
            Counting.calls.append(f"refused:{len(batch.items)}")
            raise p.Refused("too_large", 413)
        return real(self, batch)

    monkeypatch.setattr(Counting, "post_batch", picky)


def test_a_batch_refused_as_too_large_is_halved(desk, hub, monkeypatch, counting):
    """The hub answers 413 for more than 200 items or 16 MiB; here anything over 2 items is
    refused that way (the hub's limit cannot be reached with the client's cap of 200)."""
    connect(desk, hub)
    for _i in range(5):
        intake.record_complaint(desk.acting(CLERK), make_form())
    refuse_batches_over(monkeypatch, 2)
    report = sync.run(desk.acting(IT))
    assert report.ok and report.accepted == 5
    assert counting[0] == "refused:5" and "refused:3" in counting
    assert all(int(c.split(":")[1]) <= 2 for c in counting if c.startswith("post_batch"))
    assert {b.state for b in sync.batches(desk.acting(IT))} == {"failed", "answered"}
    assert len(hub.export()) == 5


def test_a_batch_sent_back_to_waiting_is_not_passed_by_the_next_one(
    desk, hub, monkeypatch, counting
):
    """The next batch is made while one is in flight. When the one in flight is refused and
    its items wait again (413 here), the next one is unmade too, so a complaint's second
    correction never reaches the hub before its first (the first would then conflict, and
    the run end with it for the IT officer)."""
    connect(desk, hub)
    a = intake.record_complaint(desk.acting(CLERK), make_form())
    assert sync.run(desk.acting(IT)).accepted == 1
    settings.set_value(desk.db, "sync_batch_size", 2)
    intake.record_complaint(desk.acting(CLERK), make_form())
    for n in (1, 2):
        form = corrections.form_of(desk.acting(SUPERVISOR), a.id)
        form.subject = f"Perbaikan {n}: {form.subject}"
        corrections.correct_complaint(desk.acting(SUPERVISOR), a.id, form, "salah ketik")
    refuse_batches_over(monkeypatch, 1)
    report = sync.run(desk.acting(IT))
    assert (report.ok, report.accepted, report.conflict) == (True, 3, 0)
    # The unmade batch left no trace in the history: the refused one and three answered.
    batches = [b.state for b in sync.batches(desk.acting(IT))]
    assert sorted(batches) == ["answered"] * 4 + ["failed"]


def test_a_complaint_corrected_while_its_answer_was_lost_ends_as_the_desks_version(desk, start_hub):
    """The hub committed the record, the answer was lost; the supervisor corrected the
    complaint; the resend with the same key now differs (409): the items go under a new key,
    the record meets the older content held (conflict) and the correction brings the hub to
    the desk's version, so nothing is left for the IT officer."""
    hub = start_hub(drop_after_commit=1)
    connect(desk, hub)
    r = intake.record_complaint(desk.acting(CLERK), make_form())
    assert sync.run(desk.acting(IT)).error == "unreachable"
    form = corrections.form_of(desk.acting(SUPERVISOR), r.id)
    form = type(form)(**{**form.to_dict(), "subject": "Jalan amblas, bukan berlubang"})
    corrections.correct_complaint(desk.acting(SUPERVISOR), r.id, form, "salah ketik")
    hub.restart(drop_after_commit=None)
    report = sync.run(desk.acting(IT))
    assert report.ok, report
    assert states(desk) == {"sent": 2}
    [held] = hub.export()
    assert held["complaint"]["subject"] == "Jalan amblas, bukan berlubang"
    assert lookup.get_complaint(desk, r.id).complaint.provincial_id == held["provincial_id"]
    assert [b.state for b in sync.batches(desk.acting(IT))] == ["answered", "failed"]


def test_a_token_of_another_desk_is_refused_before_anything_is_sent(desk, hub):
    client_id, secret = hub.add_desk("BKS01")
    sync.configure(desk.acting(IT), hub.url, client_id, secret)
    intake.record_complaint(desk.acting(CLERK), make_form())
    report = sync.run(desk.acting(IT))
    assert (report.error, report.pending) == ("wrong_desk", 1)
    assert hub.export() == []


class RefusesBatches(HttpTransport):
    """The real hub, but the first `refusals` batches are refused as a whole with `status`."""

    refusals: list[tuple[str, int]] = []
    keys: list[str] = []

    def post_batch(self, batch):
        RefusesBatches.keys.append(batch.batch_id)
        if RefusesBatches.refusals:
            code, status = RefusesBatches.refusals.pop(0)
            raise p.Refused(code, status)
        return super().post_batch(batch)


def record(desk) -> intake.Recorded:
    return intake.record_complaint(desk.acting(CLERK), make_form())


@pytest.fixture
def refusing(monkeypatch):
    RefusesBatches.keys = []

    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        return RefusesBatches(
            server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=FAST
        )

    monkeypatch.setattr(sync, "make_transport", factory)
    return RefusesBatches


@pytest.mark.parametrize(
    "refusals",
    [
        [("invalid_batch", 422)],
        [("forbidden", 403)],
        # 409: sent once again under a new key (the resend rule), refused again: for good.
        [("idempotency_key_reused", 409), ("idempotency_key_reused", 409)],
    ],
    ids=["422", "403", "409"],
)
def test_a_batch_refused_for_good_rejects_its_items_and_the_run_goes_on(
    desk, hub, refusing, refusals
):
    settings.set_value(desk.db, "sync_batch_size", 2)
    connect(desk, hub)
    first = [record(desk) for _ in range(2)]
    later = [record(desk) for _ in range(2)]
    refusing.refusals = list(refusals)
    report = sync.run(desk.acting(IT))
    assert (report.rejected, report.accepted, report.pending) == (2, 2, 0)
    code = refusals[-1][0]
    # The refused batch is failed; its items are on the Rejected tab with the refusal's code.
    failed = [b for b in sync.batches(desk.acting(IT)) if b.state == "failed"]
    assert [b.last_error for b in failed][-1] == code
    shown = sync.rejected(desk.acting(IT))
    assert sorted(v.tracking_no for v in shown) == sorted(r.tracking_no for r in first)
    assert all(v.errors == ((_("The whole batch"), sync.stop_reason(code)),) for v in shown)
    assert {c["complaint_id"] for c in hub.export()} == {r.id for r in later}
    # Once the cause is fixed the IT officer sends them again; nothing needs correcting.
    assert all(v.corrected_since for v in shown)
    assert sync.send_again(desk.acting(IT), [v.item_id for v in shown]) == 2
    assert sync.run(desk.acting(IT)).accepted == 2
    assert len(hub.export()) == 4


def test_a_retryable_failure_leaves_the_batch_open_for_the_same_key(desk, hub, refusing):
    connect(desk, hub)
    record(desk)
    refusing.refusals = [("server_error", 503)]  # 503 past the retries
    report = sync.run(desk.acting(IT))
    assert (report.error, report.rejected, report.pending) == ("server_error", 0, 1)
    assert sync.run(desk.acting(IT)).accepted == 1
    assert refusing.keys[0] == refusing.keys[1]  # the same Idempotency-Key, sent again
