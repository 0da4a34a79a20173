"""Keyboard and screen habits of every window and dialog, in both languages: no two things in
one focus scope share an Alt key, and every dialog fits a 1366×768 screen with a taskbar."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QSize, Qt

from desk_app import i18n
from desk_app.services import intake
from tests.conftest import make_form
from tests.ui import screens

from ui import screen_fit
from ui.field_form import FittingDialog
from ui.screen_fit import SMALLEST_SCREEN

LANGUAGES = ("id", "en")


@pytest.fixture(params=LANGUAGES)
def language(request):
    i18n.install(request.param)  # the autouse fixture puts Indonesian back after the test
    return request.param


@pytest.mark.parametrize("role", sorted(screens.ROLES))
def test_mnemonics_are_unique_in_the_main_window(qtbot, make_window, desk, language, role):
    window = make_window(desk.acting(screens.ROLES[role]))
    found = {}
    for state in screens.window_states(window):
        clash = screens.clashes(screens.mnemonics(window))
        if clash:
            found[state] = clash
    for title, scope in screens.menu_scopes(window):
        clash = screens.clashes(scope)
        if clash:
            found[f"menu {title}"] = clash
    assert found == {}


@pytest.mark.parametrize("name", sorted(screens.DIALOGS))
def test_mnemonics_are_unique_in_each_dialog(qtbot, desk, language, name):
    dialog = screens.DIALOGS[name](desk, None)
    qtbot.addWidget(dialog)
    dialog.show()
    found = {}
    for state in screens.dialog_states(dialog):
        clash = screens.clashes(screens.mnemonics(dialog))
        if clash:
            found[state] = clash
    assert found == {}


# -- fit ------------------------------------------------------------------------------------------


def fits(size: QSize) -> bool:
    return size.width() <= SMALLEST_SCREEN.width() and size.height() <= SMALLEST_SCREEN.height()


@pytest.fixture
def laptop_screen(monkeypatch):
    """The room a 1366×768 screen with a 40 px taskbar leaves (the test screen is another)."""
    room = QSize(1366, 768 - 40 - screen_fit.TITLE_BAR)
    monkeypatch.setattr(screen_fit, "available", lambda widget: room)


@pytest.mark.parametrize("name", sorted(screens.DIALOGS))
def test_every_dialog_fits_a_1366x768_screen(qtbot, desk, language, laptop_screen, name):
    dialog = screens.DIALOGS[name](desk, None)
    qtbot.addWidget(dialog)
    dialog.show()
    for state in screens.dialog_states(dialog):
        sizes = {
            "size hint": dialog.sizeHint(),
            "minimum size hint": dialog.minimumSizeHint(),
            "size as opened": dialog.size(),
        }
        assert {k: v.toTuple() for k, v in sizes.items() if not fits(v)} == {}, state


@pytest.mark.parametrize("role", sorted(screens.ROLES))
def test_the_main_window_fits_a_1366x768_screen(qtbot, make_window, desk, language, role):
    window = make_window(desk.acting(screens.ROLES[role]))
    for state in screens.window_states(window):
        assert fits(window.minimumSizeHint()), (state, window.minimumSizeHint().toTuple())


LONG_AGENCY = "PUPRPKPP"  # Dinas Pekerjaan Umum, Penataan Ruang, Perumahan, ... Provinsi Riau


def test_the_subject_gets_the_room_in_the_list_and_cut_names_show_whole(qtbot, make_window, desk):
    intake.record_complaint(
        desk,
        make_form(
            subject="Jalan rusak berlubang di depan SDN 3 Kecamatan Bantan sejak bulan Agustus",
            agency=LONG_AGENCY,
        ),
    )
    window = make_window()
    window.resize(1366, 728)
    window.go_list()
    page = window.complaints
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    widths = [page.table.columnWidth(c) for c in range(page.model.columnCount())]
    assert widths[3] == max(widths) and widths[3] > widths[7], widths
    subject = page.model.index(0, 3).data()
    assert page.table.fontMetrics().horizontalAdvance(subject[:40]) < widths[3]
    agency = page.model.index(0, 4)
    name = desk.reference.label("agency", LONG_AGENCY)
    assert page.table.fontMetrics().horizontalAdvance(name) > widths[4]  # cut in the cell...
    assert agency.data(Qt.ItemDataRole.ToolTipRole) == name  # ...whole in its tooltip


def test_a_chosen_agency_shows_whole_in_the_form_tooltip(qtbot, window, desk):
    combo = window.intake.form.agency
    name = desk.reference.label("agency", LONG_AGENCY)
    row = combo.findData(LONG_AGENCY)
    assert combo.itemData(row, Qt.ItemDataRole.ToolTipRole) == name  # in the list
    combo.setFocus()
    qtbot.keyClicks(combo.lineEdit(), "Penataan Ruang")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Tab)
    assert combo.value() == LONG_AGENCY
    assert combo.toolTip() == name  # and once chosen


@pytest.mark.parametrize("role", sorted(screens.ROLES))
def test_no_label_is_cut_in_the_main_window(qtbot, make_window, desk, language, role):
    window = make_window(desk.acting(screens.ROLES[role]))
    window.resize(1366, 768 - 40 - screen_fit.TITLE_BAR)
    for state in screens.window_states(window):
        try:  # laid out when the event loop next runs
            qtbot.waitUntil(lambda: not screens.clipped_labels(window), timeout=1000)
        except qtbot.TimeoutError:
            pytest.fail(f"{state}: {screens.clipped_labels(window)}")


@pytest.mark.parametrize("name", sorted(screens.DIALOGS))
def test_no_label_is_cut_in_a_dialog_even_after_a_refusal(qtbot, desk, language, name):
    """Opened, then sent empty, so that its messages show (the set-up wizard shows them
    on its pages, walked by the other tests)."""
    dialog = screens.DIALOGS[name](desk, None)
    qtbot.addWidget(dialog)
    dialog.show()
    for step in ("try_sign_in", "try_save", "try_accept", None):
        if step is not None and hasattr(dialog, step):
            getattr(dialog, step)()
            break
    try:
        qtbot.waitUntil(lambda: not screens.clipped_labels(dialog), timeout=1000)
    except qtbot.TimeoutError:
        pytest.fail(str(screens.clipped_labels(dialog)))


def test_every_dialog_of_ui_is_walked_by_these_tests(qtbot, desk):
    """A new dialog must be added to screens.DIALOGS, or its keys and size go unchecked."""
    import importlib
    import pkgutil

    from PySide6.QtWidgets import QDialog

    import ui

    for module in pkgutil.walk_packages(ui.__path__, "ui."):
        importlib.import_module(module.name)
    classes, todo = set(), [QDialog]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("ui.") and not sub.__name__.startswith("_"):
                classes.add(sub)
    bases = {FittingDialog}  # building blocks, never shown as they are
    built = set()
    for build in screens.DIALOGS.values():
        dialog = build(desk, None)
        qtbot.addWidget(dialog)
        built.add(type(dialog))
    assert {c.__name__ for c in classes - bases - built} == set()
