"""Fixtures for the sync tests: the REAL training hub as a subprocess on 127.0.0.1, on SQLite
or on a throwaway PostgreSQL, and sample protocol objects. Reusable by the client's tests.

- `start_hub(db_url=None, data_dir=None, **options)`: start a hub (options are serve flags:
  fault_rate=1, latency=1500, rate_limit=2, drop_after_commit=1, seed=N); every hub started is
  stopped after the test. Returns a hub_process.Hub: url, data_dir, db_url, add_desk(code) ->
  (client_id, secret), token(...), client(code=None) -> httpx.Client with a bearer token,
  set_status(provincial_id, status, note=None, agency=None), export() -> list[dict],
  revisions(complaint_id), cli(*args), kill(sig=SIGKILL), restart(**options), stop().
  add_desk, set_status, export and revisions work on the hub's database in this process (as
  the `hub add-desk|set-status|export` commands do; `cli("export")` runs the real command).
  restart() keeps the data folder, the database and the port, so a client keeps its URL; a
  hub started with --port 0 prints its URL and the fixture reads it (no fixed ports).
- `hub`: a fresh hub on SQLite for this test.
- `hub_db`: parametrised over "sqlite" and "postgresql": None or a fresh PostgreSQL URL.
- `backend_hub`: a fresh hub on each backend (two runs of the test).
- `shared_hub`: one hub per backend for the whole session (two runs of the test); a test
  using it must work with its own desk (`shared_hub.client()` makes one), never kill it.
- `tls_hub`: a fresh SQLite hub serving HTTPS with a certificate for 127.0.0.1 and localhost
  from a test CA (trustme); `tls_hub.ca` is the trustme.CA, `tls_hub.ca_file` its PEM file,
  and `tls_hub.verify` the context its own token()/client() use.
- `postgres`: the session's PostgreSQL server (`new_database()` -> URL). Where it cannot be
  started the PostgreSQL runs skip with the reason, except with CI=true: then they fail.
- `make_complaint(desk_code, **fields)`, `record_item(complaint)`, `correction_item(complaint,
  revision, changed)`, `erasure_item(complaint_id, revision)`, `batch(desk_code, items,
  anchor=None)`: valid protocol objects (docs/sync-protocol.md §4, §6) to change in a test;
  `post_batch(client, body)` sends one with its Idempotency-Key.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.sync.hub_process import Hub, PostgresServer

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres():
    try:
        server = PostgresServer().start()
    except Exception as exc:  # noqa: BLE001 - the reason is what the run reports
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL could not be started (CI must run these tests): {exc}")
        pytest.skip(f"PostgreSQL could not be started here: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def hub_db(request) -> str | None:
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def start_hub(tmp_path):
    started: list[Hub] = []

    def start(db_url: str | None = None, data_dir=None, **options) -> Hub:
        folder = data_dir or tmp_path / f"hub{len(started)}"
        folder.mkdir(parents=True, exist_ok=True)
        hub = Hub(folder, db_url, dict(options))
        started.append(hub)
        return hub.start()

    yield start
    for hub in started:
        hub.stop()


@pytest.fixture
def hub(start_hub) -> Hub:
    return start_hub()


@pytest.fixture
def tls_hub(start_hub, tmp_path) -> Hub:
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path / "tls"
    folder.mkdir()
    cert_file, key_file, ca_file = folder / "hub.pem", folder / "hub.key", folder / "ca.pem"
    cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(cafile=str(ca_file))
    hub = Hub(tmp_path / "tls-hub", options={"tls_cert": cert_file, "tls_key": key_file})
    hub.data_dir.mkdir()
    hub.verify = context
    hub.ca, hub.ca_file = ca, ca_file
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def backend_hub(start_hub, hub_db) -> Hub:
    return start_hub(db_url=hub_db)


@pytest.fixture(scope="session")
def _shared_hubs(tmp_path_factory):
    hubs: dict[str, Hub] = {}
    yield hubs, tmp_path_factory
    for hub in hubs.values():
        hub.stop()


@pytest.fixture(params=BACKENDS)
def shared_hub(request, _shared_hubs) -> Hub:
    hubs, factory = _shared_hubs
    hub = hubs.get(request.param)
    if hub is None:
        db_url = None
        if request.param == "postgresql":
            db_url = request.getfixturevalue("postgres").new_database()
        folder = factory.mktemp(f"shared-hub-{request.param}")
        hub = hubs[request.param] = Hub(folder, db_url).start()
    elif not hub.running:
        hub.restart()
    return hub


# -- protocol objects --------------------------------------------------------------------------


def new_id() -> str:
    from uuid6 import uuid7

    return str(uuid7())


def make_complaint(desk_code: str, **fields) -> dict:
    """A complaint object (§6) the hub accepts; `fields` change or add fields."""
    complaint_id = fields.pop("id", None) or new_id()
    complaint = {
        "id": complaint_id,
        "tracking_no": f"{desk_code}-261202-{uuid.uuid4().int % 10000:04d}-4",
        "desk_code": desk_code,
        "report_type": "pengaduan",
        "channel": "datang_langsung",
        "received_at": "2026-12-02T02:15:00Z",
        "recorded_by": "ani",
        "reporter_name": "Budi Santoso",
        "reporter_nik": "1471010101900001",
        "reporter_phone": "+6281234567890",
        "reporter_email": "budi@example.id",
        "reporter_address": "Jl. Sudirman 1, Pekanbaru",
        "anonymous": False,
        "confidential": False,
        "subject": "Jalan rusak di depan sekolah",
        "description": "Lubang besar di jalan sejak dua bulan.",
        "category": "ADMINDUK",
        "agency": "SETDA",
        "region": "14.01",
        "district": None,
        "event_date": "2026-11-30",
        "event_place": "",
        "loss": "",
        "remedy": "",
        "complained_before": None,
        "due_date": "2026-12-09",
        "attachments": [],
    }
    complaint.update(fields)
    return complaint


def record_item(complaint: dict, **fields) -> dict:
    return {
        "item_id": new_id(),
        "kind": "record",
        "complaint_id": complaint["id"],
        "revision": 0,
        "complaint": complaint,
        **fields,
    }


def correction_item(complaint: dict, revision: int, changed: list[str]) -> dict:
    return {
        "item_id": new_id(),
        "kind": "correction",
        "complaint_id": complaint["id"],
        "revision": revision,
        "complaint": complaint,
        "changed_fields": changed,
    }


def erasure_item(complaint_id: str, revision: int) -> dict:
    return {
        "item_id": new_id(),
        "kind": "erasure",
        "complaint_id": complaint_id,
        "revision": revision,
        "erased_fields": [
            "reporter_name",
            "reporter_nik",
            "reporter_phone",
            "reporter_email",
            "reporter_address",
        ],
        "erased_at": "2026-12-02T03:00:00Z",
    }


def batch(desk_code: str, items: list[dict], anchor: dict | None = None) -> dict:
    body = {"batch_id": new_id(), "desk_code": desk_code, "items": items}
    if anchor is not None:
        body["audit_anchor"] = anchor
    return body


def post_batch(client, body: dict, key: str | None = None, **kwargs):
    """POST /api/v1/batches with the Idempotency-Key the protocol wants (the batch id)."""
    headers = {"Idempotency-Key": key or body["batch_id"], **kwargs.pop("headers", {})}
    return client.post("/api/v1/batches", json=body, headers=headers, **kwargs)
