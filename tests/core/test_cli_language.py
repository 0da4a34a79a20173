"""`desk-app --help` and argparse's own errors speak the desk's language."""

from __future__ import annotations

import pytest

from desk_app import cli


def test_help_headings_are_indonesian(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--lang", "id", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("penggunaan: ")
    assert "pilihan:" in out
    assert "tampilkan pesan bantuan ini lalu keluar" in out
    assert "tampilkan nomor versi program lalu keluar" in out
    assert "usage:" not in out and "options:" not in out
    assert "show this help message" not in out and "show program's" not in out


def test_argparse_error_is_indonesian(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--lang", "id", "--no-such-option"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "galat: argumen tidak dikenal: --no-such-option" in err


def test_help_stays_english_in_english(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "--help"])
    assert capsys.readouterr().out.startswith("usage: ")
