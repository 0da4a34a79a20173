"""Signing in from the GUI, the forced password change, and what each role is offered."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app import errors
from desk_app.domain.roles import Actor, Role
from desk_app.services import accounts

from ui.login import ChangePasswordDialog, LoginDialog

ADMIN_PW = "kata-sandi-admin-1"


@pytest.fixture
def desk(bare_desk):
    """These tests set the desk up themselves."""
    return bare_desk


@pytest.fixture
def admin(desk):
    return accounts.init_desk(
        desk,
        desk_code="BKS01",
        desk_name="Meja Aduan Bengkalis",
        region="14.03",
        admin_username="admin",
        admin_full_name="Admin TI",
        admin_password=ADMIN_PW,
    )


def sign_in(qtbot, dialog, username, password):
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.sign_in, Qt.MouseButton.LeftButton)


def test_wrong_password_is_said_plainly_and_the_right_one_signs_in(qtbot, desk, admin):
    dialog = LoginDialog(desk)
    qtbot.addWidget(dialog)
    sign_in(qtbot, dialog, "admin", "salah")
    assert dialog.actor is None
    assert dialog.message.text()  # the message, in Indonesian, does not say which was wrong
    assert dialog.message.text() == errors.LoginFailed().message()
    assert dialog.password.text() == ""
    sign_in(qtbot, dialog, "admin", ADMIN_PW)
    assert dialog.actor == admin


def test_a_reset_password_must_be_changed_first(qtbot, desk, admin, monkeypatch):
    accounts.create_user(desk, admin, "ani", "Ani Rahmawati", Role.CLERK, "sandi-awal-ani-1")
    asked = []

    def change(desk_, actor, old, parent=None):
        asked.append((actor.username, old))
        return accounts.change_password(desk_, actor, old, "sandi-baru-ani-12")

    monkeypatch.setattr(ChangePasswordDialog, "ask", staticmethod(change))
    dialog = LoginDialog(desk)
    qtbot.addWidget(dialog)
    sign_in(qtbot, dialog, "ani", "sandi-awal-ani-1")
    assert asked == [("ani", "sandi-awal-ani-1")]
    assert dialog.actor is not None and not dialog.actor.must_change_password
    assert accounts.authenticate(desk, "ani", "sandi-baru-ani-12").username == "ani"


def test_change_password_dialog_checks_both_fields(qtbot, desk, admin):
    accounts.create_user(desk, admin, "budi", "Budi", Role.SUPERVISOR, "sandi-awal-budi-1")
    actor = accounts.authenticate(desk, "budi", "sandi-awal-budi-1")
    dialog = ChangePasswordDialog(desk, actor, "sandi-awal-budi-1")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.new, "sandi-baru-budi-1")
    qtbot.keyClicks(dialog.repeat, "sandi-baru-budi-2")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert dialog.actor is None and "sama" in dialog.message.text()
    dialog.new.setText("pendek")
    dialog.repeat.setText("pendek")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert dialog.actor is None and dialog.message.text()
    dialog.new.setText("sandi-baru-budi-1")
    dialog.repeat.setText("sandi-baru-budi-1")
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and not dialog.actor.must_change_password


@pytest.mark.parametrize(
    ("role", "intake", "audit"),
    [
        (Role.CLERK, True, False),
        (Role.SUPERVISOR, True, True),
        (Role.IT, False, True),
    ],
)
def test_each_role_is_offered_only_what_it_may_do(qtbot, make_window, desk, role, intake, audit):
    window = make_window(desk.reloaded().acting(Actor("orang", "Orang Uji", role)))
    pages = [window.tabs.widget(i) for i in range(window.tabs.count())]
    assert (window.intake in pages) is intake
    assert (window.audit in pages) is audit
    assert window.complaints in pages
    assert role.label in window.findChild(QLabel, "user_label").text()


def test_a_desk_with_users_asks_who_signs_in(qtbot, data_dir, desk, admin, monkeypatch):
    from ui.app import run_gui

    asked = []
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda cls, d, *_, **__: asked.append(1)))
    desk.close()
    assert run_gui(str(data_dir)) == 0  # quit at the login: no window, no data touched
    assert asked == [1]


def test_the_sign_in_form_is_up_before_the_desk_opens_off_the_gui_thread(
    qtbot, data_dir, desk, admin, monkeypatch
):
    """Cold start (issue 11): the clerk types while the database opens on a worker."""
    import threading

    from desk_app.services import desk as desk_module

    from ui.app import run_gui

    order, shown = [], []
    opening = desk_module.open_desk
    made = LoginDialog.before_desk.__func__

    def before_desk(cls):
        form = made(cls)
        order.append(("form", form.isVisible()))
        return form

    def open_desk(*args, **kwargs):
        order.append(("open", threading.current_thread() is threading.main_thread()))
        return opening(*args, **kwargs)

    def ask(cls, desk_, parent=None, **kw):
        shown.append(kw["shown"])
        return None

    monkeypatch.setattr(LoginDialog, "before_desk", classmethod(before_desk))
    monkeypatch.setattr(desk_module, "open_desk", open_desk)
    monkeypatch.setattr(LoginDialog, "ask", classmethod(ask))
    desk.close()
    assert run_gui(str(data_dir)) == 0
    assert order == [("form", True), ("open", False)]
    assert len(shown) == 1  # the same form goes on to sign in on the opened desk


def test_sign_in_pressed_before_the_desk_is_open_goes_ahead_once_it_is(qtbot, desk, admin):
    dialog = LoginDialog.before_desk()
    qtbot.addWidget(dialog)
    sign_in(qtbot, dialog, "admin", ADMIN_PW)
    assert dialog.actor is None and dialog.message.text() == ""  # waits for the desk
    dialog.set_desk(desk)
    qtbot.waitUntil(lambda: dialog.actor == admin)
    assert dialog.title.text() == desk.desk_name


def test_quit_pressed_while_the_desk_opens_opens_nothing(qtbot, data_dir, desk, admin, monkeypatch):
    from ui.app import run_gui

    made = LoginDialog.before_desk.__func__

    def quit_at_once(cls):
        form = made(cls)
        qtbot.mouseClick(form.quit, Qt.MouseButton.LeftButton)
        return form

    monkeypatch.setattr(LoginDialog, "before_desk", classmethod(quit_at_once))
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda *a, **k: pytest.fail("asked")))
    desk.close()
    assert run_gui(str(data_dir)) == 0
