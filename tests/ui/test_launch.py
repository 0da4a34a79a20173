"""The `desk-app` launcher: no command opens the desk window, commands go to the core CLI."""

import io
import sys

from desk_app.services import intake
from tests.conftest import PASSWORD, make_form, open_acting, set_up_desk

from ui import launch


def test_no_command_opens_the_window(monkeypatch, data_dir):
    opened = []
    monkeypatch.setattr(launch, "run_window", lambda d: opened.append(d) or 0)
    assert launch.main(["--data-dir", str(data_dir)]) == 0
    assert opened == [str(data_dir)]


def test_commands_still_work_through_the_launcher(capsys, monkeypatch, data_dir):
    set_up_desk(data_dir)
    desk = open_acting(data_dir)
    try:
        for _ in range(3):
            intake.record_complaint(desk, make_form())
    finally:
        desk.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert launch.main(["--data-dir", str(data_dir), "--user", "koor", "export"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
