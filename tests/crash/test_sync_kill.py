"""Crash test for the sync: a child process runs `desk-app sync` against the real training
hub (with --latency, so uploads take a while) and is killed with SIGKILL at random moments,
at least 100 times, while the parent keeps recording complaints between lives. Then one clean
sync, and:

* the hub holds every complaint of the desk exactly once (no complaint twice, none missing);
* the desk shows every one as sent, and no batch is left open;
* the anchors the hub keeps are still in the desk's trail.

The kills land everywhere: while the interpreter starts, while the desk opens, between a batch
made and sent, while the hub holds a batch (before or after its commit), while the answer is
applied, while statuses and reference sets are pulled. Lives whose kill left a batch open (the
Idempotency-Key committed, the answer not yet applied) are counted: a run where none did would
not have tested the resend, and fails.

CRASH_SEED=<n> replays the random choices (the timing of the processes still varies).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from sqlalchemy import func, select

from desk_app import settings
from desk_app.services import intake, sync
from desk_app.services.desk import open_desk
from desk_app.store import models
from tests.conftest import CLERK, IT, PASSWORD, SERVICE, make_form, set_up_desk
from tests.sync.hub_process import Hub, subprocess_env

pytestmark = pytest.mark.slow

KILLS = 100
MAX_LIVES = 160  # lives that finish before their kill do not count: sync got faster
NEW_PER_LIFE = 5
BATCH_SIZE = 2
LATENCY_MS = 80
KILL_WINDOW = (0.2, 1.5)  # seconds after start: startup is ~0.6 s, a run ~1.2 s with latency
HANG = 60.0


def _desk_app(data_dir: Path, secret: str) -> subprocess.Popen:
    env = subprocess_env()
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # secret on stdin
    proc = subprocess.Popen(
        [sys.executable, "-m", "desk_app", "--data-dir", str(data_dir)]
        + ["--user", SERVICE.username, "sync"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdin.write(f"{PASSWORD}\n{secret}\n".encode())
    proc.stdin.close()
    return proc


def _open_batches(desk) -> int:
    with desk.db.reading() as session:
        return session.scalar(
            select(func.count())
            .select_from(models.SyncBatch)
            .where(models.SyncBatch.state == "open")
        )


@pytest.mark.timeout(600)
def test_sync_killed_at_random_holds_every_complaint_once(tmp_path):
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print(f"CRASH_SEED={seed}")
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    hub = Hub(hub_dir, None, {"latency": LATENCY_MS}).start()
    data_dir = tmp_path / "desk"
    try:
        set_up_desk(data_dir)
        desk = open_desk(data_dir)
        client_id, secret = hub.add_desk("PKU01")
        sync.configure(desk.acting(IT), hub.url, client_id, secret)
        settings.set_value(desk.db, "sync_batch_size", BATCH_SIZE)
        clerk = desk.acting(CLERK)
        outcomes = {"killed": 0, "finished": 0, "open_batch_left": 0}
        lives = 0
        while outcomes["killed"] < KILLS and lives < MAX_LIVES:
            life, lives = lives, lives + 1
            for _ in range(NEW_PER_LIFE):
                intake.record_complaint(clerk, make_form())
            child = _desk_app(data_dir, secret)
            delay = rng.uniform(*KILL_WINDOW)
            try:
                child.wait(timeout=delay)
                outcomes["finished"] += 1
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=HANG)
                outcomes["killed"] += 1
            err = child.stderr.read().decode("utf-8", "replace")
            child.stderr.close()
            assert "Traceback" not in err, f"seed {seed}, life {life}: {err}"
            assert secret not in err
            if _open_batches(desk):
                outcomes["open_batch_left"] += 1
        print(f"CRASH_SEED={seed} {outcomes}")
        assert outcomes["killed"] >= KILLS, (seed, outcomes)
        assert outcomes["open_batch_left"] >= 5, (seed, outcomes)

        # A clean sync: everything goes, the open batch first with its own key.
        keyring.set_keyring(previous)
        sync.remember_secret_for_session(desk.acting(SERVICE), secret)
        deadline = time.monotonic() + HANG
        while True:
            report = sync.run(desk.acting(SERVICE))
            if report.ok or time.monotonic() > deadline:
                break
        assert report.ok, (seed, report)

        with desk.db.reading() as session:
            ids = set(session.scalars(select(models.Complaint.id)))
            states = dict(
                session.execute(
                    select(models.Outbox.state, func.count()).group_by(models.Outbox.state)
                ).all()
            )
        held = [c["complaint_id"] for c in hub.export()]
        assert len(held) == len(set(held)), f"seed {seed}: a complaint held twice at the hub"
        assert set(held) == ids, f"seed {seed}: hub and desk differ"
        assert len(ids) == lives * NEW_PER_LIFE
        assert states == {"sent": len(ids)}, (seed, states)
        assert _open_batches(desk) == 0
        assert sync.check_anchors(desk.acting(SERVICE)).ok
        desk.close()
    finally:
        keyring.set_keyring(previous)
        from desk_app.sync import credentials

        credentials.forget_session()
        hub.stop()
