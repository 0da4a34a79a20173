"""`desk-app receipt` and `desk-app register`, signed in with --user like every command."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from pypdf import PdfReader

from desk_app.services import intake
from tests.conftest import CLERK, SUPERVISOR, make_form, open_acting, run_cli, set_up_desk

RECEIVED = dt.datetime(2026, 3, 24, 2, 5)


def _recorded(data_dir):
    set_up_desk(data_dir)
    desk = open_acting(data_dir, CLERK)
    try:
        return intake.record_complaint(desk, make_form(), now=RECEIVED).tracking_no
    finally:
        desk.close()


def _text(path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def test_a_clerk_writes_the_first_receipt(data_dir, tmp_path, capsys):
    number = _recorded(data_dir)
    out = tmp_path / "tanda-terima.pdf"
    code = run_cli(data_dir, "receipt", number, "--layout", "80mm", "--out", str(out), user="ani")
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    assert number in _text(out) and "SALINAN" not in _text(out)
    # Printing it again as a first receipt is refused: copies are a supervisor's reprints.
    assert run_cli(data_dir, "receipt", number, "--out", str(out), user="ani") == 1
    assert "koordinator" in capsys.readouterr().err


def test_a_copy_needs_a_supervisor(data_dir, tmp_path, capsys):
    number = _recorded(data_dir)
    out = tmp_path / "salinan.pdf"
    assert run_cli(data_dir, "receipt", number, "--copy", "--out", str(out), user="ani") == 1
    assert "dicatat" in capsys.readouterr().err and not out.exists()
    code = run_cli(data_dir, "receipt", number, "--copy", "--out", str(out), user="koor")
    assert code == 0 and "SALINAN (cetak ulang ke-1)" in _text(out)


def test_the_register_as_pdf_and_workbook(data_dir, tmp_path, capsys):
    number = _recorded(data_dir)
    pdf, xlsx = tmp_path / "register.pdf", tmp_path / "register.xlsx"
    assert run_cli(data_dir, "register", "--from", "24/03/2026", "--out", str(pdf)) == 0
    assert number in _text(pdf) and "Halaman 1 dari 1" in _text(pdf)
    args = ("register", "--from", "01/03/2026", "--to", "31/03/2026", "--out", str(xlsx))
    assert run_cli(data_dir, *args, user=SUPERVISOR.username) == 0
    cells = {c.value for row in load_workbook(xlsx).worksheets[0].iter_rows() for c in row}
    assert number in cells
    assert run_cli(data_dir, "register", "--from", "24/03/2026", "--out", str(pdf), user="ani") == 1
    assert "register" in capsys.readouterr().err
    backwards = ("register", "--from", "24/03/2026", "--to", "01/03/2026", "--out", str(pdf))
    assert run_cli(data_dir, *backwards) == 2
