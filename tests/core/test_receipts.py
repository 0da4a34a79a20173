"""Receipts and the daily register as the citizen and the supervisor get them: the QR code
decodes (zxing-cpp) to the tracking number the receipt promises; the PDF's text (pypdf) holds
the number, the date and the desk's name; the same record gives the same bytes (golden files,
updated on purpose with MEJA_UPDATE_GOLDEN=1); anonim/rahasia reporters never on a receipt and
on the register only for who may see them; only a supervisor reprints, as a numbered copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
import zxingcpp
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from desk_app import presenter, settings
from desk_app.domain.roles import MATRIX, Action, Role
from desk_app.errors import PermissionDenied
from desk_app.receipts import raster
from desk_app.receipts.receipt import LAYOUTS
from desk_app.services import intake, lookup, printing
from desk_app.store.models import AuditEvent
from tests.conftest import CLERK, SUPERVISOR, make_form

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
RECEIVED = dt.datetime(2026, 3, 24, 2, 5)  # 24/03/2026 09:05 WIB
PRINTED = dt.datetime(2026, 3, 25, 3, 30)
LONG_NAME = "Raden Ajeng Siti Nurhaliza Binti Haji Muhammad Abdurrahman Wahid Al-Khairiyah Ṣāliḥ"
LONG_SUBJECT = (
    "Jalan kabupaten rusak parah, berlubang-lubang dan tergenang air setiap hujan di Desa "
    "Sungaipakning–Kecamatan Bukitbatu; tolong diperbaiki segera‼ Sudah berbulan-bulan."
)


@pytest.fixture
def office(desk):
    for name, value in (
        ("desk_name", "Meja Aduan Kabupaten Bengkalis"),
        ("office", "Bagian Organisasi Setda, Jl. Ahmad Yani No. 1, Bengkalis"),
        ("contact", "Telp. (0766) 21001 · WA 0812-7600-1234"),
        ("privacy_contact", "PPID Kabupaten Bengkalis, ppid@bengkaliskab.go.id"),
    ):
        settings.set_value(desk.db, name, value)
    return desk


def _record(desk, actor=CLERK, **overrides):
    return intake.record_complaint(desk.acting(actor), make_form(**overrides), now=RECEIVED)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _qr_codes(pdf: bytes) -> list[str]:
    found = []
    for image in raster.images(pdf, dpi=200):
        found += [code.text for code in zxingcpp.read_barcodes(image)]
    return found


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_qr_code_decodes_to_the_number_the_receipt_promises(office, layout):
    recorded = _record(office)
    printed = printing.first_receipt(office.acting(CLERK), recorded.tracking_no, layout)
    assert _qr_codes(printed.pdf) == [recorded.tracking_no]
    text = " ".join(_text(printed.pdf).split())
    assert "Kode QR berisi nomor yang sama" in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_text_holds_number_date_and_desk(office, layout):
    recorded = _record(office)
    pdf = printing.first_receipt(office.acting(CLERK), recorded.tracking_no, layout).pdf
    text = " ".join(_text(pdf).split())
    assert recorded.tracking_no in text
    assert "24/03/2026 09:05 WIB" in text
    assert "Meja Aduan Kabupaten Bengkalis" in text
    assert "PPID Kabupaten Bengkalis" in text  # the personal-data notice names whom to ask
    assert "Ani Rahmawati" in text  # the clerk's name, not the user name


# -- golden files ------------------------------------------------------------------------------


def _fixed_content(desk, copy=0, **overrides):
    """A fixed record on a fixed clock, made into receipt words without the database's ids."""
    recorded = _record(desk, **overrides)
    detail = lookup.get_complaint(desk, recorded.tracking_no)
    view = presenter.present(desk, detail, today=RECEIVED.date(), officer_name="Ani Rahmawati")
    words = printing._desk_words(desk)
    return printing.receipt_content(
        desk, view, words, copy=copy, printed_at=PRINTED, printed_by="Koordinator Uji"
    )


def _golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("MEJA_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_bytes(data)
        if os.environ.get("MEJA_UPDATE_GOLDEN") != "1":
            pytest.fail(f"{name} was missing and is now written: check it and commit it")
    assert data == path.read_bytes(), (
        f"{name} differs from the golden file: if the layout changed on purpose, run "
        "scripts/update_goldens.sh and look at the new files"
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_golden_the_same_record_gives_the_same_bytes(office, layout):
    from desk_app.receipts import receipt

    content = _fixed_content(office)
    first = receipt.render(content, layout)
    assert receipt.render(content, layout) == first
    _golden(f"receipt-{layout}.pdf", first)


def test_a_reprint_golden(office):
    from desk_app.receipts import receipt

    _golden("receipt-a5-copy.pdf", receipt.render(_fixed_content(office, copy=2), "a5"))


def test_register_golden(office):
    from desk_app.receipts import register

    _record(office)
    _record(office, reporter_name=LONG_NAME, subject=LONG_SUBJECT, channel="telepon")
    with office.db.reading() as session:
        rows = [dict(r._mapping) for r in session.execute(select(*printing._REGISTER_COLUMNS))]
    day = RECEIVED.date()
    content = printing.register_content(office, rows, day, day, PRINTED)
    first = register.pdf(content)
    assert register.pdf(content) == first
    _golden("register.pdf", first)


# -- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["anonymous", "confidential"])
def test_a_receipt_never_names_an_anonim_or_rahasia_reporter(office, flag):
    recorded = _record(office, reporter_name="Siti Rahasia", **{flag: "yes"})
    pdf = printing.first_receipt(office.acting(SUPERVISOR), recorded.tracking_no, "a5").pdf
    text = _text(pdf)
    assert "Siti Rahasia" not in text and "(disembunyikan)" in text


def test_the_register_hides_reporters_from_whom_the_rule_hides_them(office, monkeypatch):
    own = _record(office, reporter_name="Budi Milik Ani", confidential="yes")
    other = _record(office, actor=SUPERVISOR, reporter_name="Cici Rahasia", anonymous="yes")
    _record(office, reporter_name="Dedi Terbuka")
    day = RECEIVED.date()
    seen = printing.daily_register(office.acting(SUPERVISOR), day)
    assert {"Budi Milik Ani", "Cici Rahasia", "Dedi Terbuka"} <= set(_text(seen.data).split("\n"))
    # An office that lets clerks print the register: the one identity rule still decides.
    monkeypatch.setitem(MATRIX[Action.PRINT_REGISTER], Role.CLERK, "yes")
    text = _text(printing.daily_register(office.acting(CLERK), day).data)
    assert "Budi Milik Ani" in text and "Dedi Terbuka" in text  # own entry, open identity
    assert "Cici Rahasia" not in text and "(disembunyikan)" in text
    workbook = printing.daily_register(office.acting(CLERK), day, day, "xlsx").data
    book = load_workbook(io.BytesIO(workbook))
    cells = {str(c.value) for row in book.worksheets[0].iter_rows() for c in row}
    assert "Cici Rahasia" not in cells and "(disembunyikan)" in cells and own.tracking_no in cells
    assert other.tracking_no in cells


# -- reprints ----------------------------------------------------------------------------------


def _events(desk, action):
    with desk.db.reading() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_clerks_reprint_is_refused_and_audited(office):
    recorded = _record(office)
    with pytest.raises(PermissionDenied):
        printing.reprint_receipt(office.acting(CLERK), recorded.tracking_no, "a5")
    denied = _events(office, "access.denied")
    assert [e.object_id for e in denied] == [Action.REPRINT_RECEIPT.value]
    assert denied[0].actor == CLERK.username
    assert _events(office, Action.REPRINT_RECEIPT.value) == []


def test_a_second_first_receipt_is_refused(office):
    recorded = _record(office)
    printing.first_receipt(office.acting(CLERK), recorded.tracking_no, "80mm")
    with pytest.raises(printing.ReceiptAlreadyPrinted):
        printing.first_receipt(office.acting(CLERK), recorded.tracking_no, "80mm")


def test_reprints_are_numbered_copies_each_recorded(office):
    recorded = _record(office)
    printing.first_receipt(office.acting(CLERK), recorded.tracking_no, "a5")
    boss = office.acting(SUPERVISOR)
    first = printing.reprint_receipt(boss, recorded.tracking_no, "a5")
    second = printing.reprint_receipt(boss, recorded.tracking_no, "80mm")
    assert (first.copy, second.copy) == (1, 2)
    assert "SALINAN (cetak ulang ke-2)" in _text(second.pdf)
    assert "Koordinator Uji" in _text(second.pdf)
    assert "SALINAN (cetak ulang ke-1)" in _text(first.pdf)
    events = _events(office, Action.REPRINT_RECEIPT.value)
    assert [(e.actor, json.loads(e.after)["copy"]) for e in events] == [("koor", 1), ("koor", 2)]


def test_the_first_receipt_is_no_copy(office):
    recorded = _record(office)
    printed = printing.first_receipt(office.acting(CLERK), recorded.tracking_no, "a5")
    assert printed.copy == 0 and "SALINAN" not in _text(printed.pdf)
    assert len(_events(office, Action.PRINT_RECEIPT.value)) == 1


# -- hard content on every paper ---------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_long_indonesian_text_wraps_and_an_empty_field_reads_as_empty(office, layout):
    settings.set_value(office.db, "contact", "")  # an empty optional desk field
    settings.set_value(office.db, "office", "")
    recorded = _record(office, reporter_name=LONG_NAME, subject=LONG_SUBJECT)
    pdf = printing.first_receipt(office.acting(CLERK), recorded.tracking_no, layout).pdf
    text = " ".join(_text(pdf).split())
    assert "Ṣāliḥ" in text  # the shipped font has the letters
    assert "berbulan-bulan" in text.replace("- ", "-")  # all of it, wrapped not cut
    assert "tidak ada" in text  # no attachments, said so
    reader = PdfReader(io.BytesIO(pdf))
    width = float(reader.pages[0].mediabox.width)
    # Every glyph sits inside the paper (the visitor sees each text run's start).
    starts = []
    reader.pages[0].extract_text(
        visitor_text=lambda t, cm, tm, fd, fs: starts.append((tm[4] * cm[0] + cm[4], t))
    )
    assert all(0 <= x < width for x, t in starts if t.strip())
    assert _qr_codes(pdf) == [recorded.tracking_no]


def test_a_register_of_a_day_has_pages_and_totals(office):
    for i in range(45):
        _record(office, channel=("telepon" if i % 3 else "datang_langsung"), subject=LONG_SUBJECT)
    register = printing.daily_register(office.acting(SUPERVISOR), RECEIVED.date())
    text = _text(register.data)
    pages = len(PdfReader(io.BytesIO(register.data)).pages)
    assert pages > 1 and f"Halaman 1 dari {pages}" in text
    assert f"Halaman {pages} dari {pages}" in text
    assert "Jumlah pengaduan dalam register ini: 45" in text
    assert "Rekapitulasi" in text and "Telepon" in text
    empty = printing.daily_register(office.acting(SUPERVISOR), dt.date(2026, 1, 1))
    assert empty.content.rows == () and "Tidak ada pengaduan" in _text(empty.data)


def test_a_register_range_backwards_is_refused(office):
    with pytest.raises(printing.RegisterRangeInvalid):
        printing.daily_register(office.acting(SUPERVISOR), dt.date(2026, 3, 2), dt.date(2026, 3, 1))


def test_layout_unknown(office):
    recorded = _record(office)
    with pytest.raises(printing.LayoutUnknown):
        printing.first_receipt(office.acting(CLERK), recorded.tracking_no, "letter")
    assert dataclasses.is_dataclass(printing.Printed)
