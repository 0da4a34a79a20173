"""startup.settle: what a long run made while starting is moved out of the cyclic collector's
reach (gc.freeze), after its start-up garbage was collected; `desk-app sync` settles."""

from __future__ import annotations

import gc

from desk_app import startup
from tests.conftest import IT, run_cli


def test_settle_collects_then_freezes_what_is_left():
    class Cycle:
        pass

    garbage = Cycle()
    garbage.me = garbage  # only the cyclic collector frees this
    gc.unfreeze()
    before = gc.get_freeze_count()
    del garbage
    try:
        startup.settle()
        assert gc.get_freeze_count() > before
        assert not any(isinstance(o, Cycle) for o in gc.get_objects())
    finally:
        gc.unfreeze()


def test_a_sync_on_the_command_line_settles_before_it_runs(monkeypatch, data_dir, capsys):
    calls = []
    monkeypatch.setattr(startup, "settle", lambda: calls.append("settled"))
    run_cli(data_dir, "sync", "status", user=IT.username)
    assert calls == ["settled"]


def test_a_short_command_does_not(monkeypatch, data_dir, capsys):
    calls = []
    monkeypatch.setattr(startup, "settle", lambda: calls.append("settled"))
    run_cli(data_dir, "settings")
    assert calls == []
