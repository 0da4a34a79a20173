"""`desk-app hub add-desk|export|set-status` as the province's administrator runs them, the
message when the `hub` extra is missing, and the rule that only desk_app/hub may import the
web framework (the desk and its bundle never need it)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import httpx

from desk_app import cli
from tests.sync.conftest import batch, make_complaint, post_batch, record_item
from tests.sync.hub_process import ROOT, subprocess_env

WEB = ("fastapi", "uvicorn", "starlette", "pydantic")


def test_add_desk_prints_a_client_id_and_secret_that_get_a_token(backend_hub):
    done = backend_hub.cli("add-desk", "--desk-code", "bks01")
    assert done.returncode == 0, done.stderr
    lines = dict(line.split("=", 1) for line in done.stdout.split())
    answer = httpx.post(
        f"{backend_hub.url}/api/v1/token",
        json={"client_id": lines["client_id"], "client_secret": lines["client_secret"]},
    )
    assert answer.json()["desk_code"] == "BKS01"
    assert "BKS01" in done.stderr


def test_export_and_set_status_on_the_command_line(backend_hub):
    with backend_hub.client() as client:
        complaint = make_complaint(client.desk_code)
        answer = post_batch(client, batch(client.desk_code, [record_item(complaint)])).json()
        provincial_id = answer["results"][0]["provincial_id"]
        done = backend_hub.cli(
            "set-status", provincial_id, "disposed", "--note", "Ke Setda", "--agency", "SETDA"
        )
        feed = client.get("/api/v1/statuses").json()["changes"]
    assert done.returncode == 0, done.stderr
    assert [(c["status"], c["agency"], c["note"]) for c in feed] == [
        ("disposed", "SETDA", "Ke Setda")
    ]
    exported = backend_hub.cli("export")
    [row] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert row["complaint_id"] == complaint["id"]
    assert row["provincial_id"] == provincial_id
    assert row["status"] == "disposed"
    assert row["complaint"]["reporter_nik"] == complaint["reporter_nik"]


def test_set_status_of_an_unknown_provincial_id_is_refused_in_words(hub):
    done = hub.cli("set-status", "RIAU-2026-999999", "verified")
    assert done.returncode == 2
    assert "RIAU-2026-999999" not in done.stdout
    assert "no complaint" in done.stderr


def test_without_the_hub_extra_the_command_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi now fails
    code = cli.main(["hub", "export", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "meja-aduan[hub]" in err
    assert "tidak termasuk dalam instalasi ini" in err
    assert "Traceback" not in err and "ImportError" not in err


def test_the_desk_cli_loads_no_web_framework():
    probe = (
        "import sys, desk_app.cli, desk_app.hub.commands, desk_app.hub.store;"
        f"print([m for m in {WEB!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=subprocess_env()
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_only_the_hub_imports_the_web_framework():
    offenders = []
    for folder in ("desk_app", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if Path(ROOT / "desk_app" / "hub") in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in WEB for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_hub_serves_https_with_its_certificate(tls_hub):
    assert tls_hub.url.startswith("https://127.0.0.1:")
    with tls_hub.client() as client:
        assert client.get("/api/v1/anchors").status_code == 200
    try:
        httpx.get(f"{tls_hub.url}/api/v1/reference")  # the system's CAs do not know it
    except httpx.ConnectError as exc:
        assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
    else:
        raise AssertionError("a certificate of an unknown CA was accepted")


def test_serve_refuses_a_certificate_without_its_key(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "desk_app", "hub", "serve", "--data-dir", str(tmp_path)]
        + ["--port", "0", "--tls-cert", str(tmp_path / "missing.pem")],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 2
    assert "--tls-key" in done.stderr


def test_set_status_with_an_unknown_agency_names_it_and_how_to_list_codes(hub):
    done = hub.cli("set-status", "RIAU-2026-000001", "disposed", "--agency", "DINAS-XYZ")
    assert done.returncode == 2
    assert "DINAS-XYZ" in done.stderr and "desk-app hub agencies" in done.stderr
    listed = hub.cli("agencies")
    assert listed.returncode == 0
    assert "SETDA\t" in listed.stdout


def test_the_hub_answers_without_waiting_for_nagle():
    """The hub's connections have TCP_NODELAY: without it each answer on a kept-alive
    connection (headers and body written apart) waited ~40 ms for the client's delayed ACK."""
    import asyncio
    import socket

    from desk_app.hub.commands import listening_socket

    async def accepted_nodelay() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(
            Probe, sock=listening_socket("127.0.0.1", 0)
        )
        port = server.sockets[0].getsockname()[1]
        async with server:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(seen, 5)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
