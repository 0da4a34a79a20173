"""Accounts: first run, argon2id hashing, signing in (growing delay, disabled, forced change),
user management with its audit trail, and the CLI's `init`, `--user`, `users` and `passwd`."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from desk_app import cli, settings
from desk_app.domain.roles import Role
from desk_app.errors import (
    AccountDisabled,
    DeskAlreadyInitialised,
    LastITOfficer,
    LoginDelayed,
    LoginFailed,
    PasswordChangeRequired,
    PasswordRejected,
    UserExists,
    UsernameInvalid,
    ValidationFailed,
)
from desk_app.services import accounts, audit, credentials, lookup
from desk_app.store.models import AuditEvent, User
from desk_app.store.models import Setting as SettingRow
from tests.conftest import SUPERVISOR, child_env

REPO = Path(__file__).resolve().parents[2]
ADMIN_PW = "kata-sandi-admin-1"
T0 = dt.datetime(2026, 11, 30, 2, 0, 0)
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
REAL_HASHER = credentials.HASHER  # before the fixture below swaps in CHEAP


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr("desk_app.services.credentials.HASHER", CHEAP)
    monkeypatch.setattr("desk_app.services.signin._unknown_failures", {})


@pytest.fixture
def desk(bare_desk):
    """These tests set the desk up themselves (init_desk)."""
    return bare_desk


@pytest.fixture
def admin(desk):
    return accounts.init_desk(
        desk,
        desk_code="BKS01",
        desk_name="Meja Aduan Bengkalis",
        office="Kantor Bupati Bengkalis",
        region="14.03",
        timezone="Asia/Jakarta",
        contact="0766-21000",
        admin_username="Admin",
        admin_full_name="Admin TI",
        admin_password=ADMIN_PW,
    )


def events(desk, action: str) -> list[AuditEvent]:
    with desk.db.reading() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def stored_user(desk, username: str) -> User:
    with desk.db.reading() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.expunge_all()
    return user


# -- hashing -----------------------------------------------------------------------------------


def test_desk_hasher_is_argon2id_at_least_owasp_minimum():
    params = extract_parameters(REAL_HASHER.hash("sandi-yang-panjang"))
    assert params.type.name == "ID"
    assert params.memory_cost >= accounts.OWASP_MINIMUM["memory_cost"]
    assert params.time_cost >= accounts.OWASP_MINIMUM["time_cost"]
    assert params.parallelism >= accounts.OWASP_MINIMUM["parallelism"]


def test_desk_hasher_is_the_library_default_rfc_9106_low_memory():
    hasher = REAL_HASHER
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        PasswordHasher().time_cost,
        PasswordHasher().memory_cost,
        PasswordHasher().parallelism,
    )
    assert hasher.type.name == "ID"


def test_password_is_rehashed_at_login_when_parameters_rose(desk, admin, monkeypatch):
    old_hash = stored_user(desk, "admin").password_hash
    assert extract_parameters(old_hash).memory_cost == 8
    stronger = PasswordHasher(time_cost=2, memory_cost=32, parallelism=1)
    monkeypatch.setattr("desk_app.services.credentials.HASHER", stronger)
    accounts.authenticate(desk, "admin", ADMIN_PW)
    new_hash = stored_user(desk, "admin").password_hash
    assert new_hash != old_hash
    params = extract_parameters(new_hash)
    assert (params.time_cost, params.memory_cost) == (2, 32)
    accounts.authenticate(desk, "admin", ADMIN_PW)  # still valid
    assert stored_user(desk, "admin").password_hash == new_hash  # not rehashed again


# -- first run ---------------------------------------------------------------------------------


def test_init_stores_the_desk_identity_and_the_first_it_officer(desk, admin):
    assert admin == accounts.Actor("admin", "Admin TI", Role.IT)
    assert settings.get(desk.db, "desk_code") == desk.reloaded().desk_code == "BKS01"
    assert settings.get(desk.db, "office") == "Kantor Bupati Bengkalis"
    assert settings.get(desk.db, "region") == "14.03"
    assert settings.get(desk.db, "contact") == "0766-21000"
    assert desk.reloaded().desk_name == "Meja Aduan Bengkalis"
    assert [e.actor for e in events(desk, "desk.init")] == ["admin"]
    assert stored_user(desk, "admin").password_hash.startswith("$argon2id$")


def test_init_refuses_a_second_time(desk, admin):
    with pytest.raises(DeskAlreadyInitialised):
        accounts.init_desk(
            desk.db,
            desk_code="XYZ01",
            desk_name="Lain",
            admin_username="lain",
            admin_password="sandi-lain-panjang",
        )
    assert settings.get(desk.db, "desk_code") == "BKS01"


def test_init_checks_its_values(desk):
    with pytest.raises(ValidationFailed) as caught:
        accounts.init_desk(
            desk,
            desk_code="1x",
            desk_name=" ",
            region="99.99",
            timezone="Mars/Olympus",
            admin_username="admin",
            admin_password=ADMIN_PW,
        )
    assert set(caught.value.errors) == {"desk_code", "desk_name", "region", "timezone"}
    with pytest.raises(PasswordRejected):
        accounts.init_desk(
            desk, desk_code="BKS01", desk_name="B", admin_username="admin", admin_password="pendek"
        )
    with pytest.raises(UsernameInvalid):
        accounts.init_desk(
            desk, desk_code="BKS01", desk_name="B", admin_username="a b", admin_password=ADMIN_PW
        )
    assert not accounts.has_users(desk.db)
    with desk.db.reading() as session:
        assert session.scalar(select(SettingRow).where(SettingRow.key == "desk_code")) is None


# -- signing in --------------------------------------------------------------------------------


def test_login_returns_the_actor(desk, admin):
    assert accounts.authenticate(desk, "  ADMIN ", ADMIN_PW) == admin
    assert [e.actor for e in events(desk, "user.login")] == ["admin"]


def _attempts(desk, username, count, now):
    """`count` wrong passwords at `now`; the errors raised."""
    raised = []
    for _i in range(count):
        with pytest.raises((LoginFailed, LoginDelayed)) as caught:
            accounts.authenticate(desk, username, "salah-salah-salah", now=now)
        raised.append(caught.value)
    return raised


@pytest.mark.parametrize("username", ["admin", "tidak-ada"])
def test_failed_logins_make_a_growing_delay_without_telling_who_exists(desk, admin, username):
    now = T0
    errors = _attempts(desk, username, 3, now)
    assert [type(e) for e in errors] == [LoginFailed] * 3
    waits = []
    for _round in range(11):
        (error,) = _attempts(desk, username, 1, now)
        assert isinstance(error, LoginDelayed)
        waits.append(error.params["seconds"])
        # While locked even the right password is not tried.
        with pytest.raises(LoginDelayed) as caught:
            accounts.authenticate(desk, username, ADMIN_PW, now=now + dt.timedelta(seconds=1))
        assert 0 < caught.value.params["seconds"] <= waits[-1]
        now += dt.timedelta(seconds=waits[-1])
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert "900" in LoginDelayed(seconds=900).message()
    if username == "admin":
        assert accounts.authenticate(desk, "admin", ADMIN_PW, now=now).username == "admin"
        assert stored_user(desk, "admin").failed_attempts == 0
        assert [type(e) for e in _attempts(desk, "admin", 3, now)] == [LoginFailed] * 3
        failed = events(desk, "user.login_failed")
        assert len(failed) == 3 + 11 + 3 and all(ADMIN_PW not in (e.after or "") for e in failed)


def test_the_login_delay_schedule():
    assert [accounts.login_delay(n) for n in range(7)] == [0, 0, 0, 0, 2, 4, 8]
    assert accounts.login_delay(100) == accounts.MAX_DELAY_SECONDS == 900


def test_disabled_user_cannot_log_in(desk, admin):
    accounts.create_user(desk, admin, "ani", "Ani", Role.CLERK, "sandi-ani-1234")
    accounts.disable_user(desk, admin, "ani")
    with pytest.raises(AccountDisabled):
        accounts.authenticate(desk, "ani", "sandi-ani-1234")
    with pytest.raises(LoginFailed):
        accounts.authenticate(desk, "ani", "bukan-sandinya")
    accounts.disable_user(desk, admin, "ani", disabled=False)
    assert accounts.authenticate(desk, "ani", "sandi-ani-1234").username == "ani"
    assert [u.disabled for u in accounts.list_users(desk, admin)] == [False, False]


def test_reset_password_forces_a_change(desk, admin):
    accounts.create_user(
        desk, admin, "ani", "Ani", Role.CLERK, "sandi-ani-1234", must_change_password=False
    )
    accounts.reset_password(desk, admin, "ani", "sementara-123")
    with pytest.raises(LoginFailed):
        accounts.authenticate(desk, "ani", "sandi-ani-1234")
    ani = accounts.authenticate(desk, "ani", "sementara-123")
    assert ani.must_change_password
    with pytest.raises(PasswordChangeRequired):
        lookup.list_complaints(desk.acting(ani), lookup.ListQuery())
    with pytest.raises(PasswordRejected) as short:
        accounts.change_password(desk, ani, "sementara-123", "pendek")
    assert "10" in short.value.message()
    with pytest.raises(PasswordRejected):
        accounts.change_password(desk, ani, "salah-sekali", "sandi-baru-ani-1")
    with pytest.raises(PasswordRejected):
        accounts.change_password(desk, ani, "sementara-123", "sementara-123")
    ani = accounts.change_password(desk, ani, "sementara-123", "sandi-baru-ani-1")
    assert not ani.must_change_password
    assert lookup.list_complaints(desk.acting(ani), lookup.ListQuery()).rows == []
    assert not accounts.authenticate(desk, "ani", "sandi-baru-ani-1").must_change_password


def test_new_users_choose_their_password_at_first_login(desk, admin):
    accounts.create_user(desk, admin, "budi", "Budi", Role.SUPERVISOR, "sandi-awal-budi")
    assert accounts.authenticate(desk, "budi", "sandi-awal-budi").must_change_password


# -- managing users ----------------------------------------------------------------------------


def test_user_management_is_audited_without_passwords(desk, admin):
    accounts.create_user(desk, admin, "Ani", "Ani", Role.CLERK, "sandi-ani-1234")
    with pytest.raises(UserExists):
        accounts.create_user(desk, admin, "ani", "Ani 2", Role.CLERK, "sandi-ani-1234")
    accounts.set_role(desk, admin, "ani", Role.SUPERVISOR)
    accounts.reset_password(desk, admin, "ani", "sementara-123")
    accounts.disable_user(desk, admin, "ani")
    names = ["user.create", "user.role", "user.password_reset", "user.disable"]
    hash_ = stored_user(desk, "ani").password_hash
    for name in names:
        (event,) = [e for e in events(desk, name) if e.object_id == "ani"]
        assert event.actor == "admin"
        text = f"{event.before} {event.after}"
        for secret in ("sandi-ani-1234", "sementara-123", hash_, "argon2", "password_hash"):
            assert secret not in text
    role = events(desk, "user.role")[0]
    assert json.loads(role.before)["role"] == "petugas"
    assert json.loads(role.after)["role"] == "koordinator"
    assert audit.verify(desk.acting(admin)).ok


def test_the_last_it_officer_stays(desk, admin):
    with pytest.raises(LastITOfficer):
        accounts.disable_user(desk, admin, "admin")
    with pytest.raises(LastITOfficer):
        accounts.set_role(desk, admin, "admin", Role.CLERK)
    accounts.create_user(desk, admin, "it2", "IT Dua", Role.IT, "sandi-it-dua-1")
    accounts.set_role(desk, admin, "admin", Role.SUPERVISOR)
    assert {u.username: u.role for u in accounts.list_users(desk, admin)} == {
        "admin": Role.SUPERVISOR,
        "it2": Role.IT,
    }


# -- the CLI -----------------------------------------------------------------------------------


def run(capsys, monkeypatch, data_dir: Path, *args: str, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


INIT = ["init", "--desk-code", "BKS01", "--desk-name", "Meja Aduan Bengkalis"]


def test_cli_init_reads_the_password_from_stdin_in_a_real_process(data_dir):
    env = child_env(REPO)
    args = [sys.executable, "-m", "desk_app", "--data-dir", str(data_dir)]
    common = dict(capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    done = subprocess.run(
        [*args, *INIT, "--region", "14.03", "--admin", "admin", "--admin-name", "Admin TI"],
        input=ADMIN_PW + "\n",
        **common,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "admin"
    again = subprocess.run([*args, *INIT, "--admin", "lain"], input=ADMIN_PW + "\n", **common)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    listed = subprocess.run(
        [*args, "--user", "admin", "users", "list"], input=ADMIN_PW + "\n", **common
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[:3] == ["admin", "admin_ti", "Admin TI"]
    assert ADMIN_PW not in done.stdout + done.stderr + listed.stdout + listed.stderr


def test_cli_acts_as_the_named_user(data_dir, capsys, monkeypatch):
    pw = ADMIN_PW + "\n"
    # A training desk, so that the clerk below may record demo data.
    init = [*INIT, "--training", "--admin", "admin"]
    assert run(capsys, monkeypatch, data_dir, *init, stdin=pw)[0] == 0
    # A desk with users: every command names one.
    code, _out, err = run(capsys, monkeypatch, data_dir, "users", "list")
    assert code == 1 and "--user" in err
    code, _out, err = run(capsys, monkeypatch, data_dir, "--user", "admin", "users", "list")
    assert code == 1  # no password on stdin: wrong password
    # IT adds a clerk with a temporary password (second line).
    code, out, err = run(
        capsys,
        monkeypatch,
        data_dir,
        "--user",
        "admin",
        "users",
        "add",
        "ani",
        "--role",
        "petugas",
        "--name",
        "Ani",
        stdin=pw + "sementara-123\n",
    )
    assert (code, out.strip()) == (0, "ani"), err
    # The clerk must change it first.
    ani = "sementara-123\n"
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "--user", "ani", "demo-data", "--count", "1", stdin=ani
    )
    assert code == 1
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "--user", "ani", "passwd", stdin=ani + "sandi-ani-baru-1\n"
    )
    assert code == 0, err
    ani = "sandi-ani-baru-1\n"
    code, _out, err = run(
        capsys, monkeypatch, data_dir, "--user", "ani", "demo-data", "--count", "2", stdin=ani
    )
    assert code == 0, err
    # The clerk may not back up or manage users; each refusal is audited.
    for args in (["backup"], ["users", "list"], ["export"]):
        code, _out, err = run(capsys, monkeypatch, data_dir, "--user", "ani", *args, stdin=ani)
        assert code == 1 and err.strip()
    code, out, err = run(capsys, monkeypatch, data_dir, "--user", "admin", "backup", stdin=pw)
    assert code == 0 and Path(out.strip()).exists(), err
    for args in (["role", "ani", "koordinator"], ["disable", "ani"]):
        code, _out, err = run(
            capsys, monkeypatch, data_dir, "--user", "admin", "users", *args, stdin=pw
        )
        assert code == 0, err
    code, out, err = run(
        capsys, monkeypatch, data_dir, "--user", "admin", "users", "list", stdin=pw
    )
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["admin", "admin_ti"],
        ["ani", "koordinator"],
    ]
    code, _out, _err = run(capsys, monkeypatch, data_dir, "--user", "ani", "show", "x", stdin=ani)
    assert code == 1  # disabled

    from desk_app.services.desk import open_desk

    desk = open_desk(data_dir)
    try:
        denied = [(e.actor, e.object_id) for e in events(desk, "access.denied")]
        rows = lookup.list_complaints(desk.acting(SUPERVISOR), lookup.ListQuery()).rows
    finally:
        desk.close()
    assert denied == [
        ("ani", "backup.make"),
        ("ani", "users.manage"),
        ("ani", "complaint.export"),
    ]
    assert {r.recorded_by for r in rows} == {"ani"}
