"""Keyboard and screen habits of every window and dialog, in both languages: no two things in
one focus scope share an Alt key, and every dialog fits a 1366×768 screen with a taskbar."""

from __future__ import annotations

import pytest

from desk_app import i18n
from tests.ui import screens

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
