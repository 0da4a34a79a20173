"""The `desk-app` launcher: no command opens the desk window, commands go to the core CLI."""

from ui import launch


def test_no_command_opens_the_window(monkeypatch, data_dir):
    opened = []
    monkeypatch.setattr(launch, "run_window", lambda d: opened.append(d) or 0)
    assert launch.main(["--data-dir", str(data_dir)]) == 0
    assert opened == [str(data_dir)]


def test_commands_still_work_through_the_launcher(capsys, data_dir):
    from tests.conftest import make_training_desk

    make_training_desk(data_dir)
    assert launch.main(["--data-dir", str(data_dir), "demo-data", "--count", "3"]) == 0
    assert launch.main(["--data-dir", str(data_dir), "export"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
