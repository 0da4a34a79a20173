"""A hidden reporter reads "(disembunyikan)", an empty field "—": in the list, the detail and
`desk-app show` (one helper, desk_app.formatting.identity_text)."""

from __future__ import annotations

from desk_app.cli import describe
from desk_app.services import intake, lookup
from tests.conftest import CLERK, IT, make_form

HIDDEN = "(disembunyikan)"


def _confidential(desk):
    form = make_form(reporter_nik="1403015708900002", confidential="yes", reporter_email="")
    return intake.record_complaint(desk.acting(CLERK), form)


def _shown(page, label: str) -> str:
    """The value beside `label` in the detail pane (its table reads label, value, ...)."""
    lines = page.detail.toPlainText().splitlines()
    return lines[lines.index(label) + 1]


def _row_of(page, number):
    model = page.model
    return next(r for r in range(model.rowCount()) if model.index(r, 0).data() == number)


def test_list_and_detail_say_hidden_not_empty(qtbot, make_window, desk):
    recorded = _confidential(desk)
    window = make_window(desk.acting(IT))  # IT sees nobody's identity
    page = window.complaints
    page.model.refresh()
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() > 0)
    row = _row_of(page, recorded.tracking_no)
    assert page.model.index(row, 2).data() == HIDDEN
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText())
    for label in ("Nama pelapor", "NIK", "Telepon", "E-mail", "Alamat"):
        assert _shown(page, label) == HIDDEN, label


def test_empty_field_of_a_visible_reporter_stays_a_dash(qtbot, make_window, desk):
    recorded = _confidential(desk)
    window = make_window(desk.acting(CLERK))  # the author sees the reporter
    page = window.complaints
    page.model.refresh()
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() > 0)
    row = _row_of(page, recorded.tracking_no)
    assert page.model.index(row, 2).data() != HIDDEN
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText())
    assert _shown(page, "E-mail") == "—"
    assert HIDDEN not in page.detail.toPlainText()


def test_show_says_hidden(desk):
    recorded = _confidential(desk)
    text = describe(desk, lookup.get_complaint(desk.acting(IT), recorded.tracking_no))
    nik = next(line for line in text.splitlines() if line.startswith("NIK"))
    assert nik.endswith(HIDDEN)
    text = describe(desk, lookup.get_complaint(desk.acting(CLERK), recorded.tracking_no))
    email = next(line for line in text.splitlines() if line.startswith("E-mail"))
    assert email.endswith("—") and HIDDEN not in text
