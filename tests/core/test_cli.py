"""The `desk-app` command as an IT officer uses it: demo data, import, export, show, self-test.

Most tests call desk_app.cli.main in-process; a few run `python -m desk_app` to prove the exit
codes and that expected errors never show a Python traceback. Messages come from the gettext
catalog (being translated): tests assert on line numbers, field names and exit codes, and
compute expected sentences from desk_app.errors under the same language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from desk_app import cli, i18n
from desk_app.domain import numbering
from desk_app.errors import ImportFailed, MalformedNumber, MistypedNumber, NotFound
from desk_app.services import demo
from desk_app.services.transfer import EXPORT_COLUMNS, IMPORT_COLUMNS
from tests.conftest import (
    IT,
    PASSWORD,
    SUPERVISOR,
    child_env,
    make_form,
    make_training_desk,
    run_cli,
    set_up_desk,
)

REPO = Path(__file__).resolve().parents[2]


def run(capsys, data_dir: Path, *args: str, user: str = SUPERVISOR.username):
    """Run `desk-app --data-dir DATA_DIR --user USER ARGS...` in-process on a set-up desk;
    return (exit code, out, err)."""
    code = run_cli(data_dir, *args, user=user)
    out, err = capsys.readouterr()
    return code, out, err


def run_process(
    data_dir: Path, *args: str, user: str | None = SUPERVISOR.username
) -> subprocess.CompletedProcess:
    env = child_env(REPO)
    set_up_desk(data_dir)
    user_args = ["--user", user] if user else []
    return subprocess.run(
        [sys.executable, "-m", "desk_app", "--data-dir", str(data_dir), *user_args, *args],
        input=PASSWORD + "\n" if user else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=60,
    )


def import_row(**overrides) -> dict[str, str]:
    """One import row (every import column) from the conftest's valid form."""
    form = make_form(**overrides).to_dict()
    return {name: form[name] for name in IMPORT_COLUMNS}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=IMPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_jsonl(capsys, data_dir: Path) -> list[dict]:
    code, out, _err = run(capsys, data_dir, "export", "--format", "jsonl")
    assert code == 0
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def printed_numbers(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip()]


def has_problem_line(err: str, line: int, field: str) -> bool:
    """True when one stderr line names both the file line number and the field."""
    return any(
        re.search(rf"(?<!\d){line}(?!\d)", text) and field in text for text in err.splitlines()
    )


def unknown_number() -> str:
    """A well-formed number with a correct check character that no desk has recorded."""
    return numbering.make("ZZ9", dt.date(2026, 11, 22), 4321)


def mistype_check(number: str) -> str:
    """The same number with a different (hence wrong) check character."""
    wrong = next(c for c in numbering.ALPHABET if c != number[-1])
    return number[:-1] + wrong


# -- demo data and export ------------------------------------------------------------------


@pytest.fixture
def demo_desk(capsys, data_dir):
    make_training_desk(data_dir)
    code, out, err = run(capsys, data_dir, "demo-data", "--count", "30", "--seed", "7")
    assert code == 0, err
    assert "30" in err
    return data_dir


def test_demo_data_then_export_jsonl_has_every_complaint_with_id_and_number(capsys, demo_desk):
    rows = export_jsonl(capsys, demo_desk)
    assert len(rows) == 30
    for row in rows:
        assert set(row) == set(EXPORT_COLUMNS)
        assert row["id"] and row["tracking_no"]
        assert numbering.parse(row["tracking_no"]) == row["tracking_no"]
    assert len({r["id"] for r in rows}) == len({r["tracking_no"] for r in rows}) == 30


def test_export_csv_parses_and_matches_jsonl(capsys, demo_desk):
    jsonl = export_jsonl(capsys, demo_desk)
    code, out, err = run(capsys, demo_desk, "export", "--format", "csv")
    assert code == 0
    assert "30" in err  # "Exported 30 complaints" in whatever language
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames == EXPORT_COLUMNS
    rows = list(reader)
    assert len(rows) == 30
    assert all(r["id"] and r["tracking_no"] for r in rows)
    assert [(r["id"], r["tracking_no"]) for r in rows] == [
        (r["id"], r["tracking_no"]) for r in jsonl
    ]


def test_export_to_a_file(capsys, demo_desk, tmp_path):
    target = tmp_path / "out.csv"
    code, out, _err = run(capsys, demo_desk, "export", "--format", "csv", "--out", str(target))
    assert code == 0
    assert out == ""
    with open(target, encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 30


def test_export_of_an_empty_desk_is_empty(capsys, data_dir):
    assert export_jsonl(capsys, data_dir) == []
    code, out, _err = run(capsys, data_dir, "export", "--format", "csv")
    assert code == 0
    assert list(csv.DictReader(io.StringIO(out))) == []


def test_demo_data_count_must_be_positive(capsys, data_dir):
    code, _out, err = run(capsys, data_dir, "demo-data", "--count", "0")
    assert code == 2
    assert "--count" in err
    assert export_jsonl(capsys, data_dir) == []


# -- import ----------------------------------------------------------------------------------


def test_import_valid_csv_prints_numbers_that_show_finds(capsys, data_dir, tmp_path):
    rows = [
        import_row(),
        import_row(
            channel="telepon",
            reporter_name="Budi Santoso",
            reporter_nik="",
            reporter_phone="+62 811 7654 321",
            subject="Lampu jalan padam di Jalan Sudirman",
            category=import_row()["category"],
        ),
        import_row(anonymous="ya", reporter_name="", reporter_nik="", subject="Pungutan liar"),
    ]
    path = write_csv(tmp_path / "aduan.csv", rows)

    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 0, err
    numbers = printed_numbers(out)
    assert len(numbers) == 3
    assert all(numbering.parse(n) == n for n in numbers)
    assert "3" in err

    exported = export_jsonl(capsys, data_dir)
    assert [r["tracking_no"] for r in exported] == numbers
    assert [r["subject"] for r in exported] == [r["subject"] for r in rows]
    assert exported[1]["reporter_phone"] == "+628117654321"  # stored as E.164
    assert exported[2]["anonymous"] is True

    for number, row in zip(numbers, rows, strict=True):
        code, out, err = run(capsys, data_dir, "show", number)
        assert code == 0, err
        assert number in out
        assert row["subject"] in out
        assert row["description"] in out


def test_import_valid_jsonl_prints_numbers_that_show_finds(capsys, data_dir, tmp_path):
    first = import_row(received_at="2026-11-02T09:30:00+07:00")
    second = {  # only some columns; booleans and blank lines are fine in JSON Lines
        "report_type": "aspirasi",
        "channel": "email",
        "reporter_name": "Rina Wati",
        "reporter_email": "rina@example.id",
        "anonymous": False,
        "confidential": True,
        "subject": "Usulan taman bermain di Rumbai",
        "description": "Mohon dibangun taman bermain anak di kelurahan kami.",
        "category": first["category"],
        "agency": first["agency"],
        "region": first["region"],
    }
    path = write_jsonl(tmp_path / "aduan.jsonl", [first, "", second])

    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 0, err
    numbers = printed_numbers(out)
    assert len(numbers) == 2
    assert all(numbering.parse(n) == n for n in numbers)

    exported = {r["tracking_no"]: r for r in export_jsonl(capsys, data_dir)}
    assert set(exported) == set(numbers)
    assert exported[numbers[0]]["received_at"].startswith("2026-11-02T02:30:00")  # UTC
    assert exported[numbers[1]]["confidential"] is True
    for number in numbers:
        code, out, _err = run(capsys, data_dir, "show", number)
        assert code == 0
        assert number in out and exported[number]["subject"] in out


def test_import_csv_with_bad_rows_imports_nothing_and_names_each_problem(
    capsys, data_dir, tmp_path
):
    make_training_desk(data_dir)
    run(capsys, data_dir, "demo-data", "--count", "3", "--seed", "1")
    before = export_jsonl(capsys, data_dir)
    rows = [
        import_row(),  # line 2: fine
        import_row(region="99.99"),  # line 3
        import_row(),  # line 4: fine
        import_row(description="pendek", reporter_nik="1234"),  # line 5: two problems
        import_row(channel="merpati"),  # line 6
    ]
    path = write_csv(tmp_path / "aduan.csv", rows)

    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert out == ""  # no tracking numbers were handed out
    assert "Traceback" not in err
    for line, field in [(3, "region"), (5, "description"), (5, "reporter_nik"), (6, "channel")]:
        assert has_problem_line(err, line, field), (line, field, err)
    for fine in (2, 4):
        assert not any(re.search(rf"(?<!\d){fine}(?!\d)", t) for t in err.splitlines()[1:]), err
    assert export_jsonl(capsys, data_dir) == before


def test_import_jsonl_with_bad_lines_imports_nothing(capsys, data_dir, tmp_path):
    path = write_jsonl(
        tmp_path / "aduan.jsonl",
        [
            import_row(),  # line 1: fine
            "{not json",  # line 2
            import_row(subject="", region="99.99"),  # line 3
            import_row(),  # line 4: fine
            "[1, 2]",  # line 5: not an object
        ],
    )
    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert out == ""
    for line, field in [(2, "-"), (5, "-")]:
        assert has_problem_line(err, line, field), (line, field, err)
    assert export_jsonl(capsys, data_dir) == []

    path = write_jsonl(tmp_path / "kolom.jsonl", [import_row(), {**import_row(), "colour": "x"}])
    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert has_problem_line(err, 2, "colour")
    assert export_jsonl(capsys, data_dir) == []


def test_import_reports_field_problems_alongside_unreadable_lines(capsys, data_dir, tmp_path):
    path = write_jsonl(tmp_path / "aduan.jsonl", ["{not json", import_row(subject="")])
    code, _out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert has_problem_line(err, 1, "-")
    assert has_problem_line(err, 2, "subject"), err


def test_import_summary_counts_rows_not_problems(capsys, data_dir, tmp_path):
    path = write_csv(tmp_path / "aduan.csv", [import_row(description="pendek", reporter_nik="1")])
    code, _out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert has_problem_line(err, 2, "description") and has_problem_line(err, 2, "reporter_nik")
    assert err.splitlines()[0] == ImportFailed([(2, "description", "")]).message()


def test_import_of_a_missing_file_or_unknown_csv_column_is_an_error_not_a_crash(
    capsys, data_dir, tmp_path
):
    code, _out, err = run(capsys, data_dir, "import", str(tmp_path / "tidak-ada.csv"))
    assert code == 2
    assert "tidak-ada.csv" in err

    bad = tmp_path / "kolom.csv"
    bad.write_text("subject,warna\nJalan rusak,merah\n", encoding="utf-8")
    code, _out, err = run(capsys, data_dir, "import", str(bad))
    assert code == 2
    assert "warna" in err
    assert export_jsonl(capsys, data_dir) == []


# -- export and import: files in words, exit 2 ------------------------------------------------

CLASS_NAMES = re.compile(r"\b[A-Z][a-zA-Z]*(Error|Exception)\b|Traceback")


def test_export_into_a_missing_folder_exits_2_in_words(capsys, demo_desk, tmp_path):
    target = tmp_path / "tidak-ada" / "ekspor.csv"
    code, out, err = run(capsys, demo_desk, "export", "--format", "csv", "--out", str(target))
    assert code == 2
    assert err.strip() and not CLASS_NAMES.search(err), err
    assert out == "" and not target.parent.exists()


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_export_onto_a_symlink_exits_2_and_leaves_its_target(capsys, demo_desk, tmp_path):
    target = tmp_path / "penting.txt"
    target.write_text("jangan ditimpa\n", encoding="utf-8")
    link = tmp_path / "ekspor.csv"
    link.symlink_to(target)
    code, _out, err = run(capsys, demo_desk, "export", "--format", "csv", "--out", str(link))
    assert code == 2 and not CLASS_NAMES.search(err), err
    assert target.read_text(encoding="utf-8") == "jangan ditimpa\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_export_file_is_private_even_over_an_existing_0644_file(capsys, demo_desk, tmp_path):
    target = tmp_path / "ekspor.csv"
    target.write_text("lama\n", encoding="utf-8")
    target.chmod(0o644)
    code, _out, err = run(capsys, demo_desk, "export", "--format", "csv", "--out", str(target))
    assert code == 0, err
    assert target.stat().st_mode & 0o777 == 0o600


def test_export_of_a_date_range_and_a_bad_date(capsys, data_dir, tmp_path):
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        cli.main(["--data-dir", str(data_dir), "export", "--from", "31/02/2026"])
    assert exc.value.code == 2 and "--from" in capsys.readouterr().err
    rows = [import_row(received_at=f"2026-11-0{d}T10:00:00+07:00") for d in (2, 3, 4)]
    code, _out, err = run(capsys, data_dir, "import", str(write_csv(tmp_path / "a.csv", rows)))
    assert code == 0, err
    code, out, err = run(capsys, data_dir, "export", "--from", "03/11/2026", "--to", "03/11/2026")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["received_at"].startswith("2026-11-03T03:00:00")


def test_export_onto_a_full_disk_exits_1_in_words_and_leaves_nothing(
    capsys, data_dir, tmp_path, monkeypatch
):
    import errno

    from desk_app import files

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    set_up_desk(data_dir)  # (its audit key is written with fsync too)
    monkeypatch.setattr(files.os, "fsync", full)
    target = tmp_path / "ekspor.csv"
    code, out, err = run(capsys, data_dir, "export", "--format", "csv", "--out", str(target))
    assert code == 1
    assert err.strip() and not CLASS_NAMES.search(err) and "No space" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no file, no temporary
    with closing(sqlite3.connect(data_dir / "meja-aduan.sqlite3")) as db:
        exports = db.execute("SELECT count(*) FROM audit_event WHERE action = 'complaint.export'")
        assert exports.fetchone() == (0,)  # an export that did not happen is not one


def _unreadable_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "latin1.csv": ",".join(IMPORT_COLUMNS).encode() + b"\npengaduan,caf\xe9\n",
        "kutip.csv": b'report_type,subject\npengaduan,"Jalan rusak\n',
        "dalam.jsonl": b"[" * 100_000 + b"\n",
        "kosong.csv": b"",
        "kepala.csv": ",".join(IMPORT_COLUMNS).encode() + b"\r\n",
    }
    paths = {"missing": tmp_path / "tidak-ada.csv", "folder": tmp_path}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths[name] = tmp_path / name
    return paths


@pytest.mark.parametrize(
    "case",
    ["missing", "folder", "latin1.csv", "kutip.csv", "dalam.jsonl", "kosong.csv", "kepala.csv"],
)
def test_an_unreadable_import_exits_2_in_words_and_imports_nothing(
    capsys, data_dir, tmp_path, case
):
    path = _unreadable_files(tmp_path)[case]
    code, out, err = run(capsys, data_dir, "import", str(path))
    assert code == 2
    assert out == ""
    assert err.strip() and not CLASS_NAMES.search(err), err
    assert export_jsonl(capsys, data_dir) == []


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_through_the_cli_into_a_second_desk(capsys, data_dir, tmp_path, fmt):
    # (demo-data writes past the form's validation, so the source is imported, not generated)
    rows = [
        import_row(subject="=1+1 jalan rusak", reporter_phone="+62 811 7654 321"),
        import_row(channel="email", reporter_email="rina@example.id", loss="-Rp 500.000"),
        import_row(anonymous="ya", reporter_name="", confidential="ya", event_date="01/11/2026"),
    ]
    code, _out, err = run(capsys, data_dir, "import", str(write_csv(tmp_path / "a.csv", rows)))
    assert code == 0, err
    exported = tmp_path / f"ekspor.{fmt}"
    code, _out, err = run(capsys, data_dir, "export", "--format", fmt, "--out", str(exported))
    assert code == 0, err
    second = tmp_path / "desk2"
    second.mkdir()
    set_up_desk(second, "BKS01")
    code, out, err = run(capsys, second, "import", str(exported))
    assert code == 0, err
    assert [n[:6] for n in printed_numbers(out)] == ["BKS01-"] * 3  # its own series
    mine = [{c: r[c] for c in IMPORT_COLUMNS} for r in export_jsonl(capsys, data_dir)]
    theirs = [{c: r[c] for c in IMPORT_COLUMNS} for r in export_jsonl(capsys, second)]
    assert theirs == mine
    assert mine[0]["subject"] == "=1+1 jalan rusak"


# -- show --------------------------------------------------------------------------------------


def test_show_unknown_number_is_not_found(capsys, data_dir):
    number = unknown_number()
    code, out, err = run(capsys, data_dir, "show", number)
    assert code == 1
    assert out == ""
    assert err.strip() == NotFound(number=number).message()
    if i18n._(NotFound.template) != NotFound.template:  # the catalog has Indonesian for it
        assert "tidak" in err.lower()


def test_show_mistyped_number_is_told_apart_from_not_found(capsys, data_dir):
    make_training_desk(data_dir)
    run(capsys, data_dir, "demo-data", "--count", "2", "--seed", "3")
    real = export_jsonl(capsys, data_dir)[0]["tracking_no"]
    mistyped = mistype_check(real)
    assert numbering.looks_like_number(mistyped)

    code, out, err = run(capsys, data_dir, "show", mistyped)
    assert code == 2
    assert out == ""
    assert err.strip() == MistypedNumber(number=mistyped).message()
    assert err.strip() != NotFound(number=mistyped).message()
    if i18n._(MistypedNumber.template) != MistypedNumber.template:
        assert "salah" in err.lower()

    # The unknown-number message for a well-formed number is a different sentence.
    _code, _out, not_found = run(capsys, data_dir, "show", unknown_number())
    assert not_found.strip() != err.strip()

    # Typed carelessly (lower case, spaces) the real number is still found.
    code, out, _err = run(capsys, data_dir, "show", " " + real.lower().replace("-", " - ") + " ")
    assert code == 0
    assert real in out


def test_show_by_id(capsys, data_dir):
    make_training_desk(data_dir)
    run(capsys, data_dir, "demo-data", "--count", "2", "--seed", "4")
    row = export_jsonl(capsys, data_dir)[1]
    code, out, _err = run(capsys, data_dir, "show", row["id"])
    assert code == 0
    assert row["tracking_no"] in out


def test_show_of_something_that_is_neither_a_number_nor_an_id_is_bad_input(capsys, data_dir):
    code, _out, err = run(capsys, data_dir, "show", "hello")
    assert code == 2
    assert err.strip() == MalformedNumber(number="HELLO").message()


# -- self-test, usage, language ------------------------------------------------------------


def test_self_test(capsys, data_dir):
    code = cli.main(["--data-dir", str(data_dir), "--self-test"])
    out, _err = capsys.readouterr()
    assert code == 0
    assert "self-test ok" in out
    assert numbering.looks_like_number(out.split()[-1])
    assert not any(data_dir.iterdir())  # the self-test never touches the desk's data folder


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["export", "--format", "xml"],
        ["demo-data", "--count", "many"],
        ["show"],
        ["--lang", "fr", "export"],
    ],
)
def test_usage_errors_exit_2(capsys, data_dir, args):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--data-dir", str(data_dir), *args])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "desk-app" in err


def test_english_on_request(capsys, data_dir):
    number = unknown_number()
    try:
        code, _out, err = run(capsys, data_dir, "--lang", "en", "show", number)
        assert i18n.language() == "en"
        english = NotFound(number=number).message()
    finally:
        i18n.install("id")
    assert code == 1
    assert err.strip() == english


# -- through a real process ----------------------------------------------------------------


def test_process_exit_codes_and_no_tracebacks(data_dir, tmp_path):
    bad = write_csv(tmp_path / "aduan.csv", [import_row(), import_row(region="99.99")])
    cases = [
        (["import", str(bad)], 2),
        (["show", mistype_check(unknown_number())], 2),
        (["show", unknown_number()], 1),
        (["show", "hello"], 2),  # neither a number nor an id
        (["frobnicate"], 2),
    ]
    for args, expected in cases:
        result = run_process(data_dir, *args)
        assert result.returncode == expected, (args, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert result.stderr.strip(), args
        assert result.stdout == "", args
    bad_result = run_process(data_dir, "import", str(bad))
    assert has_problem_line(bad_result.stderr, 3, "region")


def test_process_demo_data_export_and_self_test(data_dir):
    make_training_desk(data_dir)
    result = run_process(data_dir, "demo-data", "--count", "5", "--seed", "2")
    assert result.returncode == 0, result.stderr
    result = run_process(data_dir, "export", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5
    shown = run_process(data_dir, "show", rows[0]["tracking_no"])
    assert shown.returncode == 0, shown.stderr
    assert rows[0]["tracking_no"] in shown.stdout

    result = run_process(data_dir, "--self-test")
    assert result.returncode == 0, result.stderr
    assert "self-test ok" in result.stdout


def test_the_core_never_imports_qt():
    """Headless installs (sync, backups on a server) must work without Qt."""
    code = (
        "import sys, desk_app.cli, desk_app.services.intake, desk_app.services.lookup, "
        "desk_app.services.backup, desk_app.services.audit, desk_app.services.accounts, "
        "desk_app.services.privacy, desk_app.services.corrections; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_window_the_core_cli_asks_for_a_command(capsys, data_dir):
    from desk_app import cli

    assert cli.main(["--data-dir", str(data_dir)]) == 2
    assert capsys.readouterr().err.strip()


def test_settings_are_listed_and_changed_by_command(capsys, data_dir):
    from desk_app import settings
    from desk_app.services.desk import open_desk

    it = IT.username
    assert run_cli(data_dir, "settings", user=it) == 0
    assert "idle_lock_minutes = 10" in capsys.readouterr().out
    assert run_cli(data_dir, "settings", "idle_lock_minutes", "5", user=it) == 0
    assert run_cli(data_dir, "settings", "idle_lock_minutes", "x", user=it) == 2
    assert run_cli(data_dir, "settings", "no_such_thing", "1", user=it) == 2
    desk = open_desk(data_dir)
    try:
        assert settings.get(desk.db, "idle_lock_minutes") == 5
    finally:
        desk.close()


class _ClosedPipe(io.StringIO):
    """A standard output whose reader went away after the first line (`export | head -1`)."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_export_into_a_closed_pipe_ends_quietly(capsys, monkeypatch, demo_desk):
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = run_cli(demo_desk, "export", "--format", "jsonl")
    err = capsys.readouterr().err
    assert (code, err) == (0, "")


def test_demo_data_says_when_it_builds_the_indexes_it_set_aside(capsys, data_dir, monkeypatch):
    monkeypatch.setattr(demo, "SET_ASIDE_FROM", 20)
    make_training_desk(data_dir)
    code, _out, err = run(capsys, data_dir, "demo-data", "--count", "40", "--seed", "7")
    assert code == 0, err
    lines = err.strip().splitlines()
    assert lines[-2] == "Semua telah dicatat; indeks daftar sedang dibangun kembali..."
    assert lines[-1] == "40 pengaduan contoh telah dicatat."
