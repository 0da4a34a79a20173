"""The training hub's batches (docs/sync-protocol.md §2, §4) against the real hub process, on
SQLite and on PostgreSQL, with plain httpx."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.sync.conftest import (
    batch,
    correction_item,
    erasure_item,
    make_complaint,
    post_batch,
    record_item,
)

IDENTITY = ("reporter_name", "reporter_nik", "reporter_phone", "reporter_email", "reporter_address")


def held(hub, complaint_id: str) -> list[dict]:
    return [row for row in hub.export() if row["complaint_id"] == complaint_id]


def test_a_token_for_the_right_secret(shared_hub):
    client_id, secret = shared_hub.add_desk("PKU01")
    answer = httpx.post(
        f"{shared_hub.url}/api/v1/token", json={"client_id": client_id, "client_secret": secret}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["desk_code"] == "PKU01"
    assert len(body["access_token"]) >= 32


def test_a_wrong_secret_is_401_in_the_one_error_format(shared_hub):
    client_id, secret = shared_hub.add_desk("PKU01")
    answer = httpx.post(
        f"{shared_hub.url}/api/v1/token",
        json={"client_id": client_id, "client_secret": secret + "x"},
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "unauthorized"
    assert secret not in answer.text


def test_a_batch_without_a_token_is_401(shared_hub):
    body = batch("PKU01", [record_item(make_complaint("PKU01"))])
    answer = httpx.post(
        f"{shared_hub.url}/api/v1/batches", json=body, headers={"Idempotency-Key": body["batch_id"]}
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"


def test_a_record_is_accepted_with_a_provincial_id(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        item = record_item(complaint)
        answer = post_batch(client, batch(client.desk_code, [item]))
    assert answer.status_code == 200
    [result] = answer.json()["results"]
    assert result["item_id"] == item["item_id"]
    assert result["complaint_id"] == complaint["id"]
    assert result["result"] == "accepted"
    assert result["provincial_id"].startswith("RIAU-")
    [row] = held(shared_hub, complaint["id"])
    assert row["provincial_id"] == result["provincial_id"]
    assert row["complaint"]["subject"] == complaint["subject"]


def test_the_same_batch_again_gets_the_stored_answer(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        body = batch(client.desk_code, [record_item(complaint)])
        first = post_batch(client, body)
        again = post_batch(client, body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(held(shared_hub, complaint["id"])) == 1


def test_the_same_key_with_other_content_is_409(shared_hub):
    with shared_hub.client() as client:
        body = batch(client.desk_code, [record_item(make_complaint(client.desk_code))])
        post_batch(client, body)
        other = {**body, "items": [record_item(make_complaint(client.desk_code))]}
        answer = post_batch(client, other)
    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key_reused"
    assert held(shared_hub, other["items"][0]["complaint_id"]) == []


def test_a_record_sent_again_in_a_new_batch_is_a_duplicate(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        first = post_batch(client, batch(client.desk_code, [record_item(complaint)])).json()
        answer = post_batch(client, batch(client.desk_code, [record_item(complaint)]))
    [result] = answer.json()["results"]
    assert result["result"] == "duplicate"
    assert result["provincial_id"] == first["results"][0]["provincial_id"]
    assert len(held(shared_hub, complaint["id"])) == 1


def test_a_record_held_with_other_content_is_a_conflict_and_changes_nothing(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        post_batch(client, batch(client.desk_code, [record_item(complaint)]))
        changed = {**complaint, "subject": "Pokok aduan yang lain"}
        answer = post_batch(client, batch(client.desk_code, [record_item(changed)]))
    [result] = answer.json()["results"]
    assert result["result"] == "conflict"
    assert result["provincial_id"].startswith("RIAU-")
    assert {"field": "subject", "code": "differs"} in [
        {"field": e["field"], "code": e["code"]} for e in result["errors"]
    ]
    assert "Pokok aduan yang lain" not in answer.text
    [row] = held(shared_hub, complaint["id"])
    assert row["complaint"]["subject"] == complaint["subject"]


def test_field_errors_reject_the_item_and_the_answer_holds_no_sent_value(shared_hub):
    with shared_hub.client() as client:
        good = make_complaint(client.desk_code)
        bad = make_complaint(
            client.desk_code,
            reporter_nik="1499999999999999",
            reporter_phone="0812-3456-7890",
            category="NO_SUCH_CATEGORY",
            subject="",
            description="x" * 5001,
            reporter_name="Siti Nurhaliza Rahasia",
        )
        answer = post_batch(client, batch(client.desk_code, [record_item(good), record_item(bad)]))
    assert answer.status_code == 200
    accepted, rejected = answer.json()["results"]
    assert accepted["result"] == "accepted"
    assert rejected["result"] == "rejected"
    assert "provincial_id" not in rejected
    codes = {(e["field"], e["code"]) for e in rejected["errors"]}
    assert codes == {
        ("reporter_nik", "invalid_nik"),
        ("reporter_phone", "invalid_phone"),
        ("category", "unknown_code"),
        ("subject", "required"),
        ("description", "too_long"),
    }
    for value in ("1499999999999999", "0812-3456-7890", "NO_SUCH_CATEGORY", "Siti Nurhaliza"):
        assert value not in answer.text
    assert held(shared_hub, bad["id"]) == []


def test_a_rejected_record_fixed_and_sent_again_is_accepted(shared_hub):
    with shared_hub.client() as client:
        bad = make_complaint(client.desk_code, region="99.99")
        first = post_batch(client, batch(client.desk_code, [record_item(bad)])).json()
        fixed = {**bad, "region": "14.71"}
        again = post_batch(client, batch(client.desk_code, [record_item(fixed)])).json()
    assert first["results"][0]["errors"][0]["code"] == "unknown_code"
    assert again["results"][0]["result"] == "accepted"


def test_a_newer_correction_is_applied_and_an_older_one_is_a_conflict(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        post_batch(client, batch(client.desk_code, [record_item(complaint)]))
        second = {**complaint, "subject": "Jalan berlubang", "agency": "SETWAN"}
        newer = correction_item(second, 2, ["subject", "agency"])
        applied = post_batch(client, batch(client.desk_code, [newer])).json()["results"][0]
        same = post_batch(client, batch(client.desk_code, [{**newer, "item_id": "again"}]))
        older = correction_item({**complaint, "subject": "Versi lama"}, 1, ["subject"])
        stale = post_batch(client, batch(client.desk_code, [older])).json()["results"][0]
    assert applied["result"] == "accepted"
    assert same.json()["results"][0]["result"] == "duplicate"
    assert stale["result"] == "conflict"
    [row] = held(shared_hub, complaint["id"])
    assert row["complaint"]["subject"] == "Jalan berlubang"
    assert row["complaint"]["agency"] == "SETWAN"
    assert row["revision"] == 2
    assert row["revisions_held"] == 2


def test_a_correction_of_a_complaint_not_held_is_rejected(shared_hub):
    with shared_hub.client() as client:
        item = correction_item(make_complaint(client.desk_code), 1, ["subject"])
        [result] = post_batch(client, batch(client.desk_code, [item])).json()["results"]
    assert result["result"] == "rejected"
    assert result["errors"][0]["code"] == "unknown_complaint"


def test_an_erasure_blanks_the_identity_in_every_revision_held(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        corrected = {**complaint, "subject": "Jalan berlubang"}
        items = [record_item(complaint), correction_item(corrected, 1, ["subject"])]
        post_batch(client, batch(client.desk_code, items))
        erased = post_batch(client, batch(client.desk_code, [erasure_item(complaint["id"], 2)]))
        again = post_batch(client, batch(client.desk_code, [erasure_item(complaint["id"], 2)]))
    assert erased.json()["results"][0]["result"] == "accepted"
    assert again.json()["results"][0]["result"] == "duplicate"
    [row] = held(shared_hub, complaint["id"])
    assert row["erased"] is True
    revisions = shared_hub.revisions(complaint["id"])
    assert len(revisions) == 2
    for body in [row["complaint"], *revisions]:
        assert all(body[field] is None for field in IDENTITY)
        assert body["subject"] in (complaint["subject"], "Jalan berlubang")


def test_an_erasure_of_a_complaint_not_held_is_rejected(shared_hub):
    with shared_hub.client() as client:
        item = erasure_item(make_complaint(client.desk_code)["id"], 1)
        [result] = post_batch(client, batch(client.desk_code, [item])).json()["results"]
    assert result["result"] == "rejected"
    assert result["errors"][0]["code"] == "unknown_complaint"


def test_results_come_one_per_item_in_the_items_order(shared_hub):
    with shared_hub.client() as client:
        complaints = [make_complaint(client.desk_code) for _ in range(5)]
        items = [record_item(c) for c in complaints]
        items.insert(2, record_item(make_complaint(client.desk_code, channel="fax")))
        results = post_batch(client, batch(client.desk_code, items)).json()["results"]
    assert [r["item_id"] for r in results] == [i["item_id"] for i in items]
    assert [r["result"] for r in results] == ["accepted"] * 2 + ["rejected"] + ["accepted"] * 3


def test_a_record_its_correction_and_its_erasure_in_one_batch_apply_in_order(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        corrected = {**complaint, "subject": "Jalan berlubang"}
        items = [
            record_item(complaint),
            record_item(complaint),
            correction_item(corrected, 1, ["subject"]),
            erasure_item(complaint["id"], 2),
        ]
        results = post_batch(client, batch(client.desk_code, items)).json()["results"]
    assert [r["result"] for r in results] == ["accepted", "duplicate", "accepted", "accepted"]
    assert len({r["provincial_id"] for r in results}) == 1
    [row] = held(shared_hub, complaint["id"])
    assert row["complaint"]["subject"] == "Jalan berlubang"
    assert row["erased"] is True
    assert all(body["reporter_nik"] is None for body in shared_hub.revisions(complaint["id"]))


def test_an_expired_token_is_401(shared_hub):
    from sqlalchemy import update

    from desk_app.hub.store import HubStore, sha256_text, token, utcnow

    with shared_hub.client() as client:
        mine = sha256_text(client.headers["Authorization"].split()[1])
        store = HubStore(shared_hub.data_dir, shared_hub.db_url)
        try:
            with store.engine.begin() as conn:  # the token's 15 minutes are over
                conn.execute(
                    update(token).where(token.c.token_sha256 == mine).values(expires_at=utcnow())
                )
        finally:
            store.close()
        answer = client.get("/api/v1/anchors")
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_the_same_batch_sent_twice_at_once_is_applied_once(shared_hub):
    from concurrent.futures import ThreadPoolExecutor

    with shared_hub.client() as client:
        complaints = [make_complaint(client.desk_code) for _ in range(50)]
        body = batch(client.desk_code, [record_item(c) for c in complaints])
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _n: post_batch(client, body), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json() == answers[0].json() for a in answers)
    counts = Counter(row["complaint_id"] for row in shared_hub.export())
    assert [counts[c["id"]] for c in complaints] == [1] * 50
