"""The PII canary (core and CLI): complaints with unmistakable personal data are recorded, the
app is driven through its error paths, and the log folder, the data folder's files other than
databases, the CLI's stdout/stderr and crash output must hold none of those values.

Shared with tests/ui/test_pii_canary_gui.py: CANARY values, canary_form(), scan helpers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desk_app import logs
from desk_app.errors import DeskBusy, ValidationFailed
from desk_app.services import intake, privacy
from desk_app.services.transfer import IMPORT_COLUMNS
from desk_app.store import db as store_db
from tests.conftest import PASSWORD, SUPERVISOR, child_env, make_form, open_acting, set_up_desk
from tests.conftest import run_cli as run_cli_as

REPO = Path(__file__).resolve().parents[2]

NAME = "Kanari Zyxwvu Testname"
NIK = "1471054107990077"
PHONE_TYPED = "+62 812 9999 0123"
EMAIL = "kanari.zyxwvu@example.id"
ADDRESS = "Jl. Kanariweg Nomor 77"
SUBJECT_WORD = "Gelombangkanari"
DESCRIPTION_WORD = "Tetesankanari"

# Every spelling that must never appear (compared case-insensitively).
CANARIES = [
    NAME,
    "Zyxwvu",  # in the name and the e-mail address
    NIK,
    "1471 0541 0799 0077",
    "1471-0541-0799-0077",
    "+6281299990123",  # E.164
    "6281299990123",
    "+62 812 9999 0123",
    "0812-9999-0123",  # national, as format_phone writes it
    "0812 9999 0123",
    "081299990123",
    "81299990123",
    EMAIL,
    "Kanariweg",
    SUBJECT_WORD,
    DESCRIPTION_WORD,
]


def canary_form(**overrides):
    values = dict(
        reporter_name=NAME,
        reporter_nik=NIK,
        reporter_phone=PHONE_TYPED,
        reporter_email=EMAIL,
        reporter_address=ADDRESS,
        subject=f"Jembatan {SUBJECT_WORD} rusak",
        description=f"Jembatan di desa kami {DESCRIPTION_WORD} rusak sejak bulan lalu, bahaya.",
    )
    values.update(overrides)
    return make_form(**values)


def hits(text: str) -> list[str]:
    low = text.lower()
    return [c for c in CANARIES if c.lower() in low]


def is_database(path: Path) -> bool:
    name = path.name
    return name.endswith((".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")) or (
        path.suffix == ".partial"
    )


def scan_folder(folder: Path) -> dict[str, list[str]]:
    """{file: canaries found} for every non-database file under `folder` (logs included)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or is_database(path) or "attachments" in path.parts:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if hits(text):
            found[str(path.relative_to(folder))] = hits(text)
    return found


@pytest.fixture(autouse=True)
def _restore_process_state():
    umask = os.umask(0o022)
    os.umask(umask)
    hooks = sys.excepthook, threading.excepthook
    yield
    logs.teardown()
    os.umask(umask)
    sys.excepthook, threading.excepthook = hooks


class Outputs:
    """What the CLI printed on error paths, to scan at the end."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, label: str, *texts: str) -> None:
        self.texts.extend((label, t) for t in texts)

    def leaks(self) -> list[tuple[str, list[str]]]:
        return [(label, hits(t)) for label, t in self.texts if hits(t)]


def run_cli(capsys, data_dir, outputs, label, *args):
    code = run_cli_as(data_dir, *args)
    out, err = capsys.readouterr()
    outputs.add(label, out, err)
    return code, out, err


def run_process(data_dir: Path, *args: str, code: str | None = None):
    env = child_env(REPO)
    set_up_desk(data_dir)
    who = ["--user", SUPERVISOR.username]
    argv = ["-c", code] if code else ["-m", "desk_app", "--data-dir", str(data_dir), *who, *args]
    return subprocess.run(
        [sys.executable, *argv],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=120,
    )


def import_row(**overrides) -> dict[str, str]:
    form = canary_form(**overrides).to_dict()
    return {name: form[name] for name in IMPORT_COLUMNS}


def test_pii_canary_core_and_cli(capsys, data_dir, tmp_path, monkeypatch):
    outputs = Outputs()

    # Record the canary complaints through the CLI (so its log is in the data folder).
    good = tmp_path / "good.jsonl"
    good.write_text(
        "\n".join(json.dumps(import_row(), ensure_ascii=False) for _ in range(2)) + "\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, data_dir, outputs, "good import", "import", str(good))
    assert code == 0, err
    number = out.split()[0]

    # 1. An import with bad rows carrying every canary value (and a malformed line).
    bad = tmp_path / "bad.jsonl"
    rows = [
        import_row(region="99.99"),
        import_row(reporter_nik=NIK + "9", reporter_phone=PHONE_TYPED + "999"),
        import_row(reporter_email=EMAIL + "@"),
    ]
    bad.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
        + f'\n{{"reporter_name": "{NAME}", broken\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, data_dir, outputs, "bad import", "import", str(bad))
    assert code == 2 and "reporter_nik" in err

    code, *_ = run_cli(
        capsys, data_dir, outputs, "missing file", "import", str(tmp_path / "tidak-ada.csv")
    )
    assert code == 2  # a file that cannot be read is bad input

    # 2. A mistyped tracking number; a malformed one.
    wrong = number[:-1] + ("A" if number[-1] != "A" else "B")
    code, *_ = run_cli(capsys, data_dir, outputs, "mistyped", "show", wrong)
    assert code == 2
    code, *_ = run_cli(capsys, data_dir, outputs, "malformed", "show", "hello")
    assert code == 2

    # 3. Privacy export to an unwritable place; identifiers that do not check out.
    code, *_ = run_cli(
        capsys, data_dir, outputs, "export unwritable", "privacy", "export", "--nik", NIK,
        "--out", str(tmp_path / "no-such-folder" / "out.json"),
    )  # fmt: skip
    assert code == 1
    for flag, value in (("--email", EMAIL + "@"), ("--phone", PHONE_TYPED + "99999")):
        code, *_ = run_cli(
            capsys, data_dir, outputs, f"bad {flag}", "privacy", "erase", flag, value,
            "--reason", "r",
        )  # fmt: skip
        assert code == 2

    # 4. A locked database: DeskBusy through the CLI (import and erase).
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    locker = sqlite3.connect(data_dir / "meja-aduan.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        code, *_ = run_cli(capsys, data_dir, outputs, "locked import", "import", str(good))
        assert code == 1
        code, *_ = run_cli(
            capsys, data_dir, outputs, "locked erase", "privacy", "erase", "--nik", NIK,
            "--reason", "permintaan", "--older-than-years", "0",
        )  # fmt: skip
        assert code == 1
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    # 5. Core errors: their text and repr (what a crash would print) hold no canary.

    desk = open_acting(data_dir)
    try:
        with pytest.raises(ValidationFailed) as invalid:
            intake.record_complaint(desk, canary_form(reporter_nik=NIK[:-1], region="99.99"))
        outputs.add("ValidationFailed", str(invalid.value), repr(invalid.value))
        outputs.add("ValidationFailed errors", json.dumps(invalid.value.errors))
        with pytest.raises(ValidationFailed) as invalid:
            privacy.find_subject(desk, email=EMAIL + "@")
        outputs.add("privacy ValidationFailed", repr(invalid.value), str(invalid.value.errors))
        locker = sqlite3.connect(data_dir / "meja-aduan.sqlite3", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        desk.db.engine.dispose()  # new connections take the short busy timeout
        try:
            with pytest.raises(DeskBusy) as storage:
                intake.record_complaint(desk, canary_form())
            outputs.add("DeskBusy", str(storage.value), repr(storage.value))
            with pytest.raises(DeskBusy) as storage:
                privacy.erase_subject(desk, nik=NIK, reason="r", older_than_years=0)
            outputs.add("privacy DeskBusy", str(storage.value), repr(storage.value))
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert len(privacy.find_subject(desk, nik=NIK)) == 2  # nothing half-done
    finally:
        desk.close()

    # 6. Through real processes: the same errors, and a crash (an unexpected exception whose
    # text holds canary values) must log only its type and traceback, and print neither.
    for args, expected in (
        (["import", str(bad)], 2),
        (["show", wrong], 2),
        (["privacy", "export", "--nik", NIK, "--out", str(tmp_path / "x" / "y.json")], 1),
    ):
        result = run_process(data_dir, *args)
        assert result.returncode == expected, (args, result.stderr)
        assert "Traceback" not in result.stderr
        outputs.add(f"process {args[0]}", result.stdout, result.stderr)
    crash = (
        "import sys\n"
        "from desk_app import cli\n"
        "from desk_app.services import lookup\n"
        "def boom(desk, key):\n"
        f"    raise RuntimeError('no complaint for ' + {NAME!r}.upper() + ' ' + {NIK!r})\n"
        "lookup.get_complaint = boom\n"
        f"sys.exit(cli.main(['--data-dir', {str(data_dir)!r}, '--user', 'koor', 'show', "
        f"{number!r}]))\n"
    )
    result = run_process(data_dir, code=crash)
    assert result.returncode == 1
    # The user gets words and where the details are; the type and traceback go to the log.
    assert "RuntimeError" not in result.stderr and "boom" not in result.stderr
    assert str(data_dir / "logs" / "meja-aduan.log") in result.stderr
    outputs.add("crash", result.stdout, result.stderr)

    # The scan.
    assert outputs.leaks() == []
    assert (data_dir / "logs" / "meja-aduan.log").exists()
    log_text = (data_dir / "logs" / "meja-aduan.log").read_text(encoding="utf-8")
    assert "RuntimeError" in log_text and "boom" in log_text  # logged: type and traceback
    assert scan_folder(data_dir) == {}
    # The canary really is in the database: the scan would have found it had it leaked.
    raw = (data_dir / "meja-aduan.sqlite3").read_bytes().decode("utf-8", "replace")
    assert NAME in raw or NAME in (data_dir / "meja-aduan.sqlite3-wal").read_bytes().decode(
        "utf-8", "replace"
    )


def test_the_scan_finds_a_planted_canary(tmp_path):
    """The scanner itself works: each spelling is found in a file, case-insensitively."""
    (tmp_path / "logs").mkdir()
    for i, value in enumerate(CANARIES):
        (tmp_path / "logs" / f"{i}.log").write_text(f"x {value.upper()} y", encoding="utf-8")
    (tmp_path / "meja-aduan.sqlite3").write_text(NAME, encoding="utf-8")  # skipped: a database
    found = scan_folder(tmp_path)
    assert len(found) == len(CANARIES)
    assert "meja-aduan.sqlite3" not in found
