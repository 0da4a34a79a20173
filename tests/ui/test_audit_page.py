"""The audit screen as an administrator uses it: the events, filters, paging, the detail of one
event, checking the seals (and finding tampering), and exporting."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3

import pytest

from PySide6.QtCore import Qt

from desk_app.errors import AuditTrailBroken
from desk_app.services import audit, intake
from tests.conftest import Clocked, make_form

from ui import qt_language
from ui.admin.audit_page import AuditEventModel

DB_NAME = "meja-aduan.sqlite3"


def wait_loaded(qtbot, page):
    qtbot.waitUntil(lambda: page.is_started() and not page.model.is_loading())


def open_audit(qtbot, window):
    """Press F4, as the administrator would."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F4)
    wait_loaded(qtbot, window.audit)
    return window.audit


def record(desk, n: int, **overrides) -> list[intake.Recorded]:
    return [intake.record_complaint(desk, make_form(**overrides)) for _ in range(n)]


def add_event(desk, action: str, object_id: str, before=None, after=None, **kw) -> int:
    with desk.db.writing() as session:
        return audit.append(session, desk, action, "complaint", object_id, before, after, **kw)


def tamper(data_dir, statement: str) -> None:
    """Raw SQL on the database file, as an attacker would: drop the triggers first."""
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        conn.execute(statement)
    finally:
        conn.close()


def texts(page, column: int) -> list[str]:
    return [page.model.index(i, column).data() for i in range(page.model.rowCount())]


def test_recorded_complaints_appear_newest_first(qtbot, make_window, desk):
    done = record(desk, 3)
    window = make_window()
    page = open_audit(qtbot, window)
    assert window.tabs.currentWidget() is page
    assert texts(page, 0) == ["3", "2", "1"]
    assert texts(page, 4) == [r.tracking_no for r in reversed(done)]
    assert set(texts(page, 2)) == {desk.user}
    assert "3" in page.count.text()
    row = page.model.row_at(0)
    assert row.summary in texts(page, 5)
    # the time is the desk's local time, dd/mm/yyyy
    assert texts(page, 1)[0].endswith("WIB") and texts(page, 1)[0][2] == "/"


def test_new_events_show_when_the_tab_is_opened_again(qtbot, window, desk):
    page = open_audit(qtbot, window)
    assert page.model.rowCount() == 0
    window.go_intake()
    record(desk, 1)
    window.go_audit()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)


def test_filter_by_action_and_object(qtbot, make_window, desk):
    first, second = record(desk, 2)
    add_event(desk, "complaint.update", first.id, {"status": "recorded"}, {"status": "verified"})
    page = open_audit(qtbot, make_window())
    qtbot.waitUntil(lambda: page.action.findData("complaint.update") > 0)
    page.action.setCurrentIndex(page.action.findData("complaint.update"))
    wait_loaded(qtbot, page)
    assert texts(page, 0) == ["3"]
    assert "Status" in texts(page, 5)[0]

    page.action.setCurrentIndex(0)
    qtbot.keyClicks(page.object, second.tracking_no)
    qtbot.keyClick(page.object, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.is_loading() and texts(page, 0) == ["2"])

    page.object.clear()
    qtbot.keyClicks(page.object, second.tracking_no[:-1] + "?")
    qtbot.keyClick(page.object, Qt.Key.Key_Return)
    wait_loaded(qtbot, page)
    assert page.model.rowCount() == 0
    assert page.message.text()  # a mistyped or malformed number is said


def test_filter_by_date(qtbot, make_window, desk):
    today = desk.today()
    record(Clocked(desk, desk.now() - dt.timedelta(days=10)), 2)
    record(desk, 1)
    page = open_audit(qtbot, make_window())
    assert page.model.rowCount() == 3
    page.date_from.setDate(today - dt.timedelta(days=1))
    page.date_to.setDate(today)
    qtbot.mouseClick(page.use_dates, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, page)
    assert texts(page, 0) == ["3"]
    page.date_from.setDate(today - dt.timedelta(days=12))
    page.date_to.setDate(today - dt.timedelta(days=8))
    wait_loaded(qtbot, page)
    assert texts(page, 0) == ["2", "1"]


def test_paging_when_scrolled_to_the_bottom(qtbot, make_window, desk):
    intake.record_many(desk, [(n, make_form()) for n in range(1, 131)])
    page = open_audit(qtbot, make_window())
    assert page.model.rowCount() == 100 and page.model.has_more()
    assert "100+" in page.count.text()
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 130 and not page.model.has_more())
    seqs = [page.model.row_at(i).seq for i in range(130)]
    assert seqs == list(range(130, 0, -1))


def test_detail_shows_the_after_values(qtbot, make_window, desk):
    done = record(desk, 1, subject="Ada <b>tag</b> & tanda", reporter_name="Rahmat Hidayat")[0]
    page = open_audit(qtbot, make_window())
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: done.tracking_no in page.detail.toPlainText())
    text = page.detail.toPlainText()
    assert "Ada <b>tag</b> & tanda" in text  # shown as typed, not as markup
    assert "Rahmat Hidayat" not in text  # the trail keeps no identity, only that it was given
    assert "(identitas, tidak disimpan dalam riwayat)" in text  # given, in words
    assert "Nama pelapor" in text and "Pokok aduan" in text  # labels, not keys
    assert "reporter_name" not in text and "[identitas]" not in text


def test_detail_marks_changed_fields(qtbot, make_window, desk):
    done = record(desk, 1)[0]
    add_event(
        desk,
        "complaint.update",
        done.id,
        {"status": "recorded", "agency": "DINKES"},
        {"status": "verified", "agency": "DINKES"},
        reason="Sudah diperiksa",
    )
    page = open_audit(qtbot, make_window())
    qtbot.waitUntil(lambda: "Sudah diperiksa" in page.detail.toPlainText())  # the newest
    text = page.detail.toPlainText()
    assert "Tercatat" in text and "Terverifikasi" in text and "DINKES" in text
    assert "#fff4ce" in page.detail.toHtml().lower()  # the changed field is marked
    with qtbot.waitSignal(page.detail_shown) as shown:
        qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert shown.args == [1]


def test_detail_shows_names_not_codes(qtbot, make_window, desk):
    """A correction of the district, agency and event date reads as the clerk would say it."""
    done = record(desk, 1)[0]
    add_event(
        desk,
        "complaint.correct",
        done.id,
        {
            "district": "14.03.02",
            "agency": "DINSOS",
            "event_date": "2026-03-17",
            "anonymous": False,
        },
        {"district": "14.03.01", "agency": "INSPEKTORAT", "event_date": None, "anonymous": True},
    )
    page = open_audit(qtbot, make_window())
    qtbot.waitUntil(lambda: "Bantan" in page.detail.toPlainText())
    lines = page.detail.toPlainText().splitlines()
    table = lines[lines.index("Isian") :]
    ref = desk.reference
    assert table[table.index("Kecamatan") + 1 :][:2] == ["Bantan", "Bengkalis"]
    assert table[table.index("Instansi") + 1 :][:2] == [
        ref.label("agency", "DINSOS"),
        ref.label("agency", "INSPEKTORAT"),
    ]
    assert table[table.index("Tanggal kejadian") + 1 :][:2] == ["17/03/2026", "—"]
    assert table[table.index("Anonim") + 1 :][:2] == ["tidak", "ya"]
    assert not {"14.03.02", "DINSOS", "2026-03-17", "district", "False"} & set(table)
    labels = [line for line in table if line in ("Anonim", "Instansi", "Kecamatan")]
    assert labels == ["Anonim", "Instansi", "Kecamatan"]  # as the form reads, not by key


def test_detail_of_a_backup_says_its_kind_in_words(qtbot, make_window, desk):
    with desk.db.writing() as session:
        audit.append(session, desk, "backup.make", "backup", "x.sqlite3", after={"kind": "daily"})
    page = open_audit(qtbot, make_window())
    qtbot.waitUntil(lambda: "x.sqlite3" in page.detail.toPlainText())
    lines = page.detail.toPlainText().splitlines()
    assert lines[lines.index("Jenis") + 1] == "harian (otomatis)"
    assert "Cadangan x.sqlite3" in lines


def test_a_setting_event_names_the_setting_in_words(qtbot, make_window, desk):
    from desk_app.services import desk_settings
    from tests.conftest import IT

    desk_settings.change_setting(desk.acting(IT), "timezone", "Asia/Jayapura")
    page = open_audit(qtbot, make_window())
    name = "Zona waktu"
    qtbot.waitUntil(lambda: "Asia/Jayapura" in page.detail.toPlainText())
    assert texts(page, 4)[0] == name  # the list's object column
    lines = page.detail.toPlainText().splitlines()
    assert f"Pengaturan {name}" in lines
    assert lines[lines.index(name) + 1 :][:2] == ["—", "Asia/Jayapura (WIT)"]
    assert "timezone" not in page.detail.toPlainText()


def test_verify_shows_the_count(qtbot, make_window, desk):
    record(desk, 4)
    page = open_audit(qtbot, make_window())
    with qtbot.waitSignal(page.verified) as done:
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert done.args[0].ok
    assert "4" in page.verify_result.text()
    assert page.verify_button.isEnabled()


def test_verify_shows_the_first_broken_event(qtbot, make_window, desk, data_dir):
    record(desk, 4)
    tamper(data_dir, "UPDATE audit_event SET actor = 'penyusup' WHERE seq = 3")
    page = open_audit(qtbot, make_window())
    with qtbot.waitSignal(page.verified):
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert page.verify_result.text() == AuditTrailBroken(seq=3, reason="altered").message()
    assert page.verify_result.property("role") == "error"


def test_a_garbled_event_still_lists_and_shows(qtbot, make_window, desk, data_dir):
    record(desk, 2)
    tamper(data_dir, "UPDATE audit_event SET after = '{not json' WHERE seq = 2")
    page = open_audit(qtbot, make_window())
    assert texts(page, 0) == ["2", "1"]
    assert page.model.row_at(0).change == "unreadable"
    qtbot.waitUntil(lambda: "#b3261e" in page.detail.toHtml().lower())
    assert "{not json" not in page.detail.toPlainText()


@pytest.mark.parametrize("name", ["jejak.csv", "jejak"])
def test_export_writes_a_csv(qtbot, make_window, desk, tmp_path, monkeypatch, name):
    done = record(desk, 3)
    target = tmp_path / name
    monkeypatch.setattr(qt_language, "save_file_name", lambda *a, **k: (str(target), "CSV (*.csv)"))
    page = open_audit(qtbot, make_window())
    with qtbot.waitSignal(page.exported) as exported:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert exported.args == [3]
    written = target if target.suffix else target.with_suffix(".csv")
    with open(written, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["tracking_no"] for r in rows] == [r.tracking_no for r in reversed(done)]
    assert written.name in page.message.text()
    assert page.export_button.isEnabled()


def test_export_follows_the_filters_and_writes_jsonl(
    qtbot, make_window, desk, tmp_path, monkeypatch
):
    first, _second = record(desk, 2)
    target = tmp_path / "jejak.jsonl"
    monkeypatch.setattr(qt_language, "save_file_name", lambda *a, **k: (str(target), ""))
    page = open_audit(qtbot, make_window())
    qtbot.keyClicks(page.object, first.id)
    qtbot.keyClick(page.object, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() == 1)
    with qtbot.waitSignal(page.exported):
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and first.id in lines[0]


def test_export_cancelled_writes_nothing(qtbot, make_window, desk, tmp_path, monkeypatch):
    record(desk, 1)
    monkeypatch.setattr(qt_language, "save_file_name", lambda *a, **k: ("", ""))
    page = open_audit(qtbot, make_window())
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.export_button.isEnabled() and not page.message.text()


def test_export_to_an_unwritable_place_says_so(qtbot, make_window, desk, tmp_path, monkeypatch):
    record(desk, 1)
    target = tmp_path / "no-such-folder" / "jejak.csv"
    monkeypatch.setattr(qt_language, "save_file_name", lambda *a, **k: (str(target), ""))
    page = open_audit(qtbot, make_window())
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.export_button.isEnabled())
    assert page.message.property("role") == "error" and page.message.text()


def test_model_passes_qt_model_tester(qtmodeltester, qtbot, desk):
    from ui.workers import Runner

    intake.record_many(desk, [(n, make_form()) for n in range(1, 31)])
    runner = Runner()
    model = AuditEventModel(desk, runner, page_size=20)
    model.set_query(audit.AuditQuery())
    qtbot.waitUntil(lambda: model.rowCount() == 20)
    qtmodeltester.check(model)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 30)
    qtmodeltester.check(model)
    runner.wait()
