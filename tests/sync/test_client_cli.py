"""`desk-app sync setup`, `desk-app sync`, `desk-app sync status` and `desk-app audit verify
--anchors` against the real hub; and who may: a clerk and a supervisor are refused every sync
action, and each refusal is audited (one refused call per test)."""

from __future__ import annotations

import json

import keyring
import keyring.backends.fail
import pytest
from sqlalchemy import text, update

from desk_app.domain.roles import Action
from desk_app.errors import PermissionDenied
from desk_app.i18n import _
from desk_app.services import intake, sync
from desk_app.services.desk import open_desk
from desk_app.store import models
from tests.conftest import CLERK, IT, SERVICE, SUPERVISOR, make_form, run_cli
from tests.sync.desk_side import FAST, MemoryKeyring, events, reset_credentials


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    monkeypatch.setattr(sync, "RETRY_POLICY", FAST)
    yield ring
    keyring.set_keyring(previous)
    reset_credentials()


def setup(data_dir, hub, *, user=IT.username) -> tuple[int, str]:
    client_id, secret = hub.add_desk("PKU01")
    code = run_cli(
        data_dir,
        "sync",
        "setup",
        "--server",
        hub.url,
        "--client-id",
        client_id,
        user=user,
        stdin=secret + "\n",
    )
    return code, secret


def record(data_dir, n: int = 1) -> None:
    desk = open_desk(data_dir, actor=CLERK)
    try:
        for _ in range(n):
            intake.record_complaint(desk, make_form())
    finally:
        desk.close()


def test_setup_then_sync_exits_0_when_nothing_is_left(data_dir, hub, capsys, memory_keyring):
    code, secret = setup(data_dir, hub)
    assert code == 0
    assert list(memory_keyring.secrets.values()) == [secret]
    assert secret not in capsys.readouterr().err
    record(data_dir, 2)
    assert run_cli(data_dir, "sync", user=SERVICE.username) == 0
    err = capsys.readouterr().err
    assert "2" in err
    assert len(hub.export()) == 2
    assert run_cli(data_dir, "sync", "status", user=IT.username) == 0
    out = capsys.readouterr().out
    assert "0" in out and "2" in out


def test_a_rejected_sync_leaves_no_personal_data_in_the_log_or_the_outbox(data_dir, hub):
    """The sync's own records (log, outbox errors, batch events) hold codes, never values."""
    setup(data_dir, hub)
    record(data_dir, 1)
    desk = open_desk(data_dir)
    with desk.db.writing() as session:  # refused for its NIK: the hub names the field only
        session.execute(update(models.Complaint).values(reporter_nik="1403019999999999"))
    desk.close()
    assert run_cli(data_dir, "sync", user=IT.username) == 1
    form = make_form()
    secrets = ("1403019999999999", form.reporter_name, form.reporter_email, "Siti")
    logs = [p for p in (data_dir / "logs").rglob("*") if p.is_file()]
    assert logs, "the CLI writes its log in the data folder"
    for path in logs:
        logged = path.read_text("utf-8", "replace")
        assert not [s for s in secrets if s in logged], path.name
    desk = open_desk(data_dir)
    try:
        with desk.db.reading() as session:
            kept = session.execute(
                text(
                    "SELECT errors, last_error FROM outbox UNION ALL "
                    "SELECT after, reason FROM audit_event WHERE action LIKE 'sync.%'"
                )
            ).all()
    finally:
        desk.close()
    assert "reporter_nik" in str(kept)
    assert not [s for s in secrets if s in str(kept)]


def test_sync_exits_1_with_a_summary_when_items_are_rejected(data_dir, hub, capsys):
    setup(data_dir, hub)
    record(data_dir, 1)
    desk = open_desk(data_dir)
    with desk.db.writing() as session:
        session.execute(update(models.Complaint).values(agency="NOPE"))
    desk.close()
    capsys.readouterr()
    assert run_cli(data_dir, "sync", user=IT.username) == 1
    err = capsys.readouterr().err
    assert "1 ditolak" in err and "sync status" in err
    assert run_cli(data_dir, "sync", "status", user=IT.username) == 1
    out = capsys.readouterr().out
    assert "PKU01-" in out and sync.field_problem("unknown_code") in out
    assert "NOPE" not in out


def test_sync_exits_1_when_the_server_cannot_be_reached(data_dir, hub, capsys):
    setup(data_dir, hub)
    record(data_dir, 1)
    hub.kill()
    capsys.readouterr()
    assert run_cli(data_dir, "sync", user=IT.username) == 1
    err = capsys.readouterr().err
    assert sync.stop_reason("unreachable") in err
    assert _("Still waiting: {pending}").format(pending=1) in err


def test_without_a_keyring_setup_says_so_and_sync_asks_for_the_secret(data_dir, hub, capsys):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    code, secret = setup(data_dir, hub)
    assert code == 0
    assert "keyring" in capsys.readouterr().err
    reset_credentials()  # a new process: nothing held
    record(data_dir, 1)
    assert run_cli(data_dir, "sync", user=IT.username, stdin=secret + "\n") == 0
    assert "keyring" in capsys.readouterr().err
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name


def test_setup_takes_the_secret_from_stdin_only(data_dir, hub, capsys):
    with pytest.raises(SystemExit):
        run_cli(data_dir, "sync", "setup", "--server", hub.url, "--client-id", "x", "--secret", "s")


def test_audit_verify_anchors_reports_a_trail_cut_after_a_sync(data_dir, hub, capsys):
    setup(data_dir, hub)
    record(data_dir, 1)
    assert run_cli(data_dir, "sync", user=IT.username) == 0
    assert run_cli(data_dir, "audit", "verify", "--anchors", user=IT.username) == 0
    desk = open_desk(data_dir)
    with desk.db.writing() as session:
        anchored = session.execute(text("SELECT max(seq) FROM audit_event")).scalar()
        for trigger in ("audit_event_no_update", "audit_event_no_delete"):
            session.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        session.execute(text("DELETE FROM audit_event WHERE seq > :n"), {"n": anchored - 5})
    desk.close()
    capsys.readouterr()
    assert run_cli(data_dir, "audit", "verify", "--anchors", user=IT.username) == 1
    err = capsys.readouterr().err
    assert "provinsi" in err


# -- who may ------------------------------------------------------------------------------------

CALLS = {
    "configure": (
        Action.CONFIGURE_SYNC,
        lambda d: sync.configure(d, "https://a.example", "c", "s"),
    ),
    "config": (Action.CONFIGURE_SYNC, lambda d: sync.config(d)),
    "remember_secret_for_session": (
        Action.RUN_SYNC,
        lambda d: sync.remember_secret_for_session(d, "s"),
    ),
    "run": (Action.RUN_SYNC, lambda d: sync.run(d)),
    "batches": (Action.RUN_SYNC, lambda d: sync.batches(d)),
    "batch_items": (Action.RUN_SYNC, lambda d: sync.batch_items(d, "x")),
    "rejected": (Action.RUN_SYNC, lambda d: sync.rejected(d)),
    "send_again": (Action.RUN_SYNC, lambda d: sync.send_again(d, ["x"])),
    "check_anchors": (Action.RUN_SYNC, lambda d: sync.check_anchors(d)),
}


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR], ids=["clerk", "supervisor"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_clerks_and_supervisors_are_refused_every_sync_action_and_it_is_audited(desk, name, who):
    action, call = CALLS[name]
    with pytest.raises(PermissionDenied):
        call(desk.acting(who))
    [denied] = events(desk, "access.denied")
    assert denied.actor == who.username and denied.object_id == action.value
    assert json.loads(denied.after)["role"] == who.role.value


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR], ids=["clerk", "supervisor"])
def test_clerks_and_supervisors_are_refused_desk_app_sync(data_dir, who, capsys):
    assert run_cli(data_dir, "sync", user=who.username) == 1
    desk = open_desk(data_dir)
    try:
        denied = events(desk, "access.denied")
    finally:
        desk.close()
    assert [(e.actor, e.object_id) for e in denied] == [(who.username, Action.RUN_SYNC.value)]


def test_the_service_identity_may_not_configure_the_connection(desk):
    with pytest.raises(PermissionDenied):
        sync.configure(desk.acting(SERVICE), "https://a.example", "c", "s")


def test_overview_is_counts_only_for_anyone_signed_in(desk):
    intake.record_complaint(desk.acting(CLERK), make_form())
    view = sync.overview(desk.acting(CLERK))
    assert (view.waiting, view.sent, view.last_sync_at, view.running) == (1, 0, None, False)
