"""The real training hub as a subprocess (`python -m desk_app hub serve --port 0`), and a
throwaway PostgreSQL server, for the sync tests. The fixtures in conftest.py hand these out.

Hub: url, data_dir, db_url; add_desk(code) -> (client_id, secret); token(client_id, secret);
client(code) -> an httpx.Client with a token of a fresh desk; set_status(...); export();
cli(...); kill(sig); restart(**options) on the same data folder, database and port; stop().
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
_LISTENING = re.compile(r"listening on (https?://\S+)")
_desk_numbers = itertools.count(1)


def subprocess_env() -> dict:
    """The environment of a child that runs this checkout's desk_app (not an installed one)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MEJA_ADUAN_LANG"] = "en"
    env.pop("MEJA_ADUAN_DATA_DIR", None)
    return env


def _death_signal():
    """Linux: a function for the child (before exec) that asks for SIGKILL when the thread
    that started it ends (the test process dying, say), so no hub is left running. Bound
    here, in the parent: the child runs no import (a fork while another thread holds the
    import lock would hang there). Start hubs from the test's own thread."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    kill = int(signal.SIGKILL)
    return lambda: prctl(1, kill)  # PR_SET_PDEATHSIG


_DIE_WITH_PARENT = _death_signal()


def fresh_desk_code() -> str:
    """A desk code no other test in this run uses (for a hub shared between tests)."""
    return f"T{os.getpid() % 1000:03d}{next(_desk_numbers):04d}"[:8]


@dataclass
class Hub:
    """One training hub process. Options are `desk-app hub serve` flags without the dashes:
    fault_rate, latency (ms), rate_limit, drop_after_commit, seed, tls_cert, tls_key (then
    `verify` is the CA file or ssl context httpx checks the hub with)."""

    data_dir: Path
    db_url: str | None = None
    options: dict = field(default_factory=dict)
    port: int = 0
    url: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    verify: object = True

    # -- the process -----------------------------------------------------------------------

    def start(self) -> Hub:
        args = [sys.executable, "-m", "desk_app", "hub", "serve"]
        args += ["--data-dir", str(self.data_dir), "--port", str(self.port)]
        if self.db_url:
            args += ["--db", self.db_url]
        for name, value in self.options.items():
            if value is not None:
                args += [f"--{name.replace('_', '-')}", str(value)]
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-hub.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        try:
            self.process = subprocess.Popen(
                args,
                stdout=subprocess.PIPE,
                stderr=log,
                env=subprocess_env(),
                cwd=ROOT,
                preexec_fn=_DIE_WITH_PARENT,
            )
        finally:
            log.close()
        self.url = self._read_url()
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def _read_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        buffer = b""
        try:
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                buffer += chunk
                found = _LISTENING.search(buffer.decode("utf-8", "replace"))
                if found:
                    return found.group(1)
        finally:
            selector.close()
        self.kill()
        raise RuntimeError(f"the hub did not start; its log:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` (SIGKILL: no chance to finish anything) and wait for the process."""
        if self.running:
            self.process.send_signal(sig)
        if self.process is not None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
            self.process.stdout.close()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def restart(self, **options) -> Hub:
        """Kill the hub if it runs, then start it again on the same data folder, database and
        port (so a client keeps its URL); `options` change fault flags (None removes one)."""
        self.kill()
        self.options.update(options)
        return self.start()

    # -- the province's side, through the hub's own store ----------------------------------

    def _store(self):
        from desk_app.hub.store import HubStore

        return HubStore(self.data_dir, self.db_url)

    def add_desk(self, code: str) -> tuple[str, str]:
        """Register desk `code` (as `desk-app hub add-desk` does): (client_id, secret)."""
        store = self._store()
        try:
            return store.add_desk(code)
        finally:
            store.close()

    def set_status(
        self, provincial_id: str, status: str, note: str | None = None, agency: str | None = None
    ) -> int:
        """Set a complaint's status (as `desk-app hub set-status`); the change's seq."""
        store = self._store()
        try:
            changed = store.set_status(provincial_id, status, note, agency)
        finally:
            store.close()
        if changed is None:
            raise KeyError(provincial_id)
        return changed["seq"]

    def export(self) -> list[dict]:
        """Every complaint the hub holds (as `desk-app hub export`), oldest first."""
        store = self._store()
        try:
            return list(store.export())
        finally:
            store.close()

    def revisions(self, complaint_id: str) -> list[dict]:
        store = self._store()
        try:
            return store.revisions(complaint_id)
        finally:
            store.close()

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run `desk-app hub ARGS --data-dir ... [--db ...]` (a command other than serve)."""
        command = [sys.executable, "-m", "desk_app", "hub", *args, "--data-dir", str(self.data_dir)]
        if self.db_url:
            command += ["--db", self.db_url]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=subprocess_env()
        )

    # -- a desk's side, with plain httpx ---------------------------------------------------

    def token(self, client_id: str, secret: str) -> str:
        import httpx

        answer = httpx.post(
            f"{self.url}/api/v1/token",
            json={"client_id": client_id, "client_secret": secret},
            timeout=10,
            verify=self.verify,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def client(self, code: str | None = None, **kwargs):
        """An httpx.Client on this hub with the bearer token of desk `code` (a fresh desk
        when None); its `.desk_code` says which. Close it (or use `with`)."""
        import httpx

        code = code or fresh_desk_code()
        client_id, secret = self.add_desk(code)
        client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token(client_id, secret)}"},
            timeout=kwargs.pop("timeout", 30),
            verify=kwargs.pop("verify", self.verify),
            **kwargs,
        )
        client.desk_code = code
        return client


# -- PostgreSQL ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return versions[-1].parent if versions else None


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder, on a free port on 127.0.0.1 and a
    unix socket in that folder, trust authentication. As root it runs as the `postgres` system
    user (PostgreSQL refuses root). `new_database()` gives each test its own database."""

    def __init__(self):
        self.bin = _pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) are not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._names = itertools.count(1)

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        import psycopg

        name = f"hub_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", timeout=30)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
