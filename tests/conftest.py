"""Shared fixtures: every path points at tmp_path; the language is Indonesian unless a test
says otherwise."""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The machine's cache (desk_app/calendar_cache.py): the run's own, for its processes too.
os.environ["MEJA_ADUAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="meja-aduan-cache-")
atexit.register(shutil.rmtree, os.environ["MEJA_ADUAN_CACHE_DIR"], ignore_errors=True)

from desk_app import i18n  # noqa: E402
from desk_app.domain.complaint import ComplaintForm  # noqa: E402
from desk_app.domain.roles import Actor, Role  # noqa: E402

# Password hashing at test strength (the desk's own parameters are tested in test_accounts).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):

    monkeypatch.setattr("desk_app.services.credentials.HASHER", CHEAP_HASHER)


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch):
    monkeypatch.delenv("MEJA_ADUAN_DATA_DIR", raising=False)
    i18n.install("id")
    yield
    i18n.install("id")


def child_env(repo: Path) -> dict[str, str]:
    """The environment for a desk process a test starts: none of the app's variables but the
    run's own cache folder (no data folder chosen behind the test's back), `repo` importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEJA_ADUAN_")}
    env["MEJA_ADUAN_CACHE_DIR"] = os.environ["MEJA_ADUAN_CACHE_DIR"]
    env["PYTHONPATH"] = str(repo)
    return env


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


# One named user per role, for tests that act as someone (services refuse a desk with nobody).
CLERK = Actor("ani", "Ani Rahmawati", Role.CLERK)
SUPERVISOR = Actor("koor", "Koordinator Uji", Role.SUPERVISOR)
IT = Actor("tono", "Tono TI", Role.IT)
SERVICE = Actor("layanan", "Layanan Meja", Role.SERVICE)


@pytest.fixture
def bare_desk(data_dir):
    """A desk as opened on a fresh data folder: not set up, nobody signed in."""
    from desk_app.services.desk import open_desk

    opened = open_desk(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def desk(bare_desk):
    """A set-up desk (code PKU01) acting as a supervisor, who may record and see everything
    a complaint holds; act as another role with `desk.acting(CLERK)` and the like."""
    from desk_app import settings

    settings.set_value(bare_desk.db, "desk_code", "PKU01")
    return bare_desk.reloaded().acting(SUPERVISOR)


def open_acting(data_dir: Path, actor: Actor | None = SUPERVISOR):
    """open_desk(data_dir), set up (code PKU01) if it was not, acting as `actor`: for tests
    that open a desk of their own (a second process, a reopened folder). Close it after."""
    from desk_app import settings
    from desk_app.services.desk import open_desk

    desk = open_desk(data_dir)
    if not desk.set_up:
        settings.set_value(desk.db, "desk_code", "PKU01")
        desk = desk.reloaded()
    return desk.acting(actor)


class Clocked:
    """A desk whose clock says `when` (naive UTC): the Desk itself is frozen."""

    def __init__(self, desk, when) -> None:
        self._desk, self._when = desk, when

    def __getattr__(self, name):
        return getattr(self._desk, name)

    def now(self):
        return self._when


PASSWORD = "sandi-uji-panjang-1"  # every user set_up_desk makes has it


def set_up_desk(data_dir: Path, desk_code: str = "PKU01", *, training: bool = False) -> None:
    """Set the desk in `data_dir` up as `desk-app init` would, with one user per role (the
    CLERK, SUPERVISOR, IT and SERVICE actors above, password PASSWORD); `training`: as
    `init --training`. Does nothing when the desk already has users."""
    from desk_app.services import accounts
    from desk_app.services.desk import open_desk

    desk = open_desk(data_dir)
    try:
        if accounts.has_users(desk.db):
            return
        admin = accounts.init_desk(
            desk,
            desk_code,
            "Meja Aduan Uji",
            admin_username=IT.username,
            admin_full_name=IT.full_name,
            admin_password=PASSWORD,
            training=training,
        )
        desk = desk.reloaded()
        for who in (CLERK, SUPERVISOR, SERVICE):
            accounts.create_user(
                desk.acting(admin),
                admin,
                who.username,
                who.full_name,
                who.role,
                PASSWORD,
                must_change_password=False,
            )
    finally:
        desk.close()


def run_cli(data_dir: Path, *args: str, user: str | None = SUPERVISOR.username, stdin: str = ""):
    """`desk-app --data-dir DATA_DIR [--user USER] ARGS...` in-process on a set-up desk, the
    user's password on standard input (then `stdin`); returns the exit code."""
    from desk_app import cli

    set_up_desk(data_dir)
    user_args = ["--user", user] if user else []
    previous = sys.stdin
    sys.stdin = io.StringIO((PASSWORD + "\n" if user else "") + stdin)
    try:
        return cli.main(["--data-dir", str(data_dir), *user_args, *args])
    finally:
        sys.stdin = previous


def make_training_desk(data_dir: Path) -> None:
    """Set the desk in `data_dir` up as a training desk (`init --training`, code PKU01, the
    users of set_up_desk), for tests that fill a desk with demo data: services/demo.py
    refuses any other desk."""
    set_up_desk(data_dir, training=True)


def make_form(**overrides) -> ComplaintForm:
    """A valid complaint form; override any field."""
    from desk_app.services.demo import sample_form

    return sample_form(**overrides)


@pytest.fixture
def valid_form():
    return make_form()


@contextlib.contextmanager
def statements_sent(desk, marker: str):
    """Collect (sql, parameters) of every statement containing `marker` sent inside the block:
    through SQLAlchemy (its before_cursor_execute event) and as a prepared statement on the
    driver (store/prepared.py, which SQLAlchemy's events do not see)."""
    from sqlalchemy import event

    from desk_app.store.prepared import Prepared

    seen: list[tuple[str, tuple]] = []

    def grab(conn, cursor_, statement, parameters, context, executemany):
        if marker in statement and (not seen or seen[-1] != (statement, parameters)):
            seen.append((statement, parameters))  # not already seen by args() below

    real = Prepared._args

    def args(compiled, params):
        values = real(compiled, params)
        if marker in compiled.sql:
            seen.append((compiled.sql, values))
        return values

    event.listen(desk.db.engine, "before_cursor_execute", grab)
    Prepared._args = staticmethod(args)
    try:
        yield seen
    finally:
        Prepared._args = staticmethod(real)
        event.remove(desk.db.engine, "before_cursor_execute", grab)
