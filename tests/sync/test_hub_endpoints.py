"""The training hub's other endpoints and its transport rules (docs/sync-protocol.md §1, §3,
§5, §8, §9, §10), against the real hub process on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import hashlib
import json

import httpx

from desk_app.hub.app import reference_sets
from tests.sync.conftest import batch, make_complaint, new_id, post_batch, record_item


def test_attachments_missing_then_put_then_held(shared_hub):
    data = b"%PDF-1.4 surat pengantar " + new_id().encode()
    digest = hashlib.sha256(data).hexdigest()
    with shared_hub.client() as client:
        before = client.post("/api/v1/attachments/missing", json={"sha256": [digest]})
        put = client.put(f"/api/v1/attachments/{digest}", content=data)
        again = client.put(f"/api/v1/attachments/{digest}", content=data)
        after = client.post("/api/v1/attachments/missing", json={"sha256": [digest]})
    assert before.json() == {"missing": [digest]}
    assert put.status_code == 201
    assert again.status_code == 200
    assert after.json() == {"missing": []}


def test_an_attachment_whose_bytes_do_not_match_its_hash_is_refused(shared_hub):
    digest = hashlib.sha256(b"what the desk meant to send").hexdigest()
    with shared_hub.client() as client:
        put = client.put(f"/api/v1/attachments/{digest}", content=b"something else")
        missing = client.post("/api/v1/attachments/missing", json={"sha256": [digest]})
    assert put.status_code == 422
    assert put.json()["code"] == "hash_mismatch"
    assert missing.json() == {"missing": [digest]}


def test_a_record_naming_a_file_the_hub_lacks_is_rejected_until_it_is_put(shared_hub):
    data = b"foto jalan " + new_id().encode()
    digest = hashlib.sha256(data).hexdigest()
    files = [{"sha256": digest, "size": len(data), "filename": "jalan.jpg"}]
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code, attachments=files)
        first = post_batch(client, batch(client.desk_code, [record_item(complaint)])).json()
        client.put(f"/api/v1/attachments/{digest}", content=data)
        second = post_batch(client, batch(client.desk_code, [record_item(complaint)])).json()
    assert first["results"][0]["result"] == "rejected"
    [error] = first["results"][0]["errors"]
    assert (error["field"], error["code"]) == ("attachments", "attachment_missing")
    assert second["results"][0]["result"] == "accepted"


def test_anchors_are_kept_from_batches_and_puts_for_the_desk_only(shared_hub):
    first = {"event_no": 10, "hash": "a" * 64, "at": "2026-12-02T08:00:00Z"}
    second = {"event_no": 12, "hash": "b" * 64, "at": "2026-12-02T09:00:00Z"}
    with shared_hub.client() as client, shared_hub.client() as other:
        post_batch(client, batch(client.desk_code, [], anchor=first))
        put = client.put("/api/v1/anchors", json=second)
        mine = client.get("/api/v1/anchors").json()["anchors"]
        theirs = other.get("/api/v1/anchors").json()["anchors"]
    assert put.status_code == 204
    assert [{k: a[k] for k in ("event_no", "hash", "at")} for a in mine] == [first, second]
    assert all(a["received_at"].endswith("Z") for a in mine)
    assert theirs == []


def test_the_status_feed_pages_by_cursor_and_shows_only_the_desks_own(shared_hub):
    with shared_hub.client() as client, shared_hub.client() as other:
        ids = []
        for c in (client, other):
            complaint = make_complaint(c.desk_code)
            answer = post_batch(c, batch(c.desk_code, [record_item(complaint)])).json()
            ids.append(answer["results"][0]["provincial_id"])
        mine, theirs = ids
        shared_hub.set_status(mine, "verified")
        shared_hub.set_status(theirs, "archived")
        shared_hub.set_status(mine, "disposed", note="Diteruskan ke Setda", agency="SETDA")
        page = client.get("/api/v1/statuses", params={"cursor": 0, "limit": 1}).json()
        rest = client.get("/api/v1/statuses", params={"cursor": page["next_cursor"]}).json()
        after = client.get("/api/v1/statuses", params={"cursor": rest["next_cursor"]}).json()
        too_many = client.get("/api/v1/statuses", params={"limit": 501})
    assert [c["status"] for c in page["changes"]] == ["verified"]
    assert page["more"] is True
    [disposed] = rest["changes"]
    assert rest["more"] is False
    assert disposed["provincial_id"] == mine
    assert (disposed["status"], disposed["agency"], disposed["note"]) == (
        "disposed",
        "SETDA",
        "Diteruskan ke Setda",
    )
    assert disposed["seq"] > page["changes"][0]["seq"]
    assert after == {"changes": [], "next_cursor": rest["next_cursor"], "more": False}
    assert too_many.status_code == 422


def test_reference_sets_carry_date_and_hash_versions(shared_hub):
    expected = reference_sets()
    with shared_hub.client() as client:
        index = client.get("/api/v1/reference").json()
        regions = client.get("/api/v1/reference/regions").json()
        unknown = client.get("/api/v1/reference/villages")
    assert {s["name"] for s in index["sets"]} == {"categories", "agencies", "regions"}
    versions = {s["name"]: s["version"] for s in index["sets"]}
    assert versions == {name: data["version"] for name, data in expected.items()}
    date, digest = versions["regions"].split("+")
    assert date == regions["source"]["date"]
    assert len(digest) == 8
    assert regions["version"] == versions["regions"]
    assert regions["regions"][0]["code"].startswith("14.")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def test_a_gzip_body_is_read(shared_hub):
    with shared_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        body = batch(client.desk_code, [record_item(complaint)])
        answer = client.post(
            "/api/v1/batches",
            content=gzip.compress(json.dumps(body).encode(), compresslevel=1),
            headers={
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Idempotency-Key": body["batch_id"],
            },
        )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["result"] == "accepted"


def test_another_encoding_is_415(shared_hub):
    with shared_hub.client() as client:
        body = batch(client.desk_code, [])
        answer = client.post(
            "/api/v1/batches",
            content=json.dumps(body).encode(),
            headers={"Content-Encoding": "br", "Idempotency-Key": body["batch_id"]},
        )
    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported_encoding"


def test_a_body_over_16_mib_once_decompressed_is_413(shared_hub):
    padding = " " * (16 * 1024 * 1024)
    with shared_hub.client() as client:
        body = batch(client.desk_code, [])
        raw = json.dumps(body)[:-1] + padding + "}"
        answer = client.post(
            "/api/v1/batches",
            content=gzip.compress(raw.encode(), compresslevel=1),
            headers={"Content-Encoding": "gzip", "Idempotency-Key": body["batch_id"]},
        )
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"


def test_a_batch_over_200_items_is_413(shared_hub):
    with shared_hub.client() as client:
        items = [record_item(make_complaint(client.desk_code)) for _ in range(201)]
        answer = post_batch(client, batch(client.desk_code, items))
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert not any(row["desk_code"] == client.desk_code for row in shared_hub.export())


def test_malformed_json_is_400(shared_hub):
    with shared_hub.client() as client:
        answer = client.post(
            "/api/v1/batches",
            content=b'{"batch_id": ',
            headers={"Content-Type": "application/json", "Idempotency-Key": new_id()},
        )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request"


def test_a_batch_without_its_idempotency_key_is_400(shared_hub):
    with shared_hub.client() as client:
        answer = client.post("/api/v1/batches", json=batch(client.desk_code, []))
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request"


def test_a_batch_of_another_desk_is_403(shared_hub):
    with shared_hub.client() as client:
        answer = post_batch(client, batch("OTHER1", [record_item(make_complaint("OTHER1"))]))
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


def test_a_batch_of_the_wrong_shape_is_422_without_the_sent_values(shared_hub):
    with shared_hub.client() as client:
        body = batch(client.desk_code, [record_item(make_complaint(client.desk_code))])
        body["items"][0]["kind"] = "Budi Santoso 1471010101900001"
        answer = post_batch(client, body)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid"
    assert [e["field"] for e in problem["errors"]] == ["items.0.kind"]
    assert "Budi" not in answer.text
    assert "1471010101900001" not in answer.text


def test_the_hub_serves_the_openapi_file_of_the_docs(shared_hub):
    from tests.sync.hub_process import ROOT

    answer = httpx.get(f"{shared_hub.url}/api/v1/openapi.json")
    document = json.loads((ROOT / "docs" / "sync-openapi.json").read_text("utf-8"))
    assert answer.json() == document
