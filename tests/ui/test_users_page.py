"""The IT officer's users screen: add a clerk, change her role, disable her, reset a password;
and the tab only for who may manage users."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app import errors
from desk_app.domain.roles import Actor, Role
from desk_app.errors import AccountDisabled, PermissionDenied
from desk_app.i18n import _
from desk_app.services import accounts
from tests import admin_desk

from ui.admin.users_page import AddUserDialog, ResetPasswordDialog, RoleDialog, UsersPage
from ui.workers import Runner

# The set-up desk, acting as its IT officer, with cheap password hashing.
fast_hashing, admin, desk = admin_desk.fast_hashing, admin_desk.admin, admin_desk.desk

ANI_PW = "sandi-awal-ani-1"


@pytest.fixture
def page(qtbot, desk, admin, user_messages):
    runner = Runner()
    page = UsersPage(desk, runner)
    qtbot.addWidget(page)
    page.resize(900, 500)
    with qtbot.waitSignal(page.loaded):
        page.show()
    yield page
    runner.wait()


def rows(page) -> list[list[str]]:
    model = page.model
    return [
        [model.index(r, c).data() or "" for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def add_ani(qtbot, page, desk, monkeypatch) -> None:
    """Click "Add user" and type into the real dialog (its exec() stubbed to return at once)."""

    def ask(cls, desk_, parent=None):
        dialog = cls(desk_, parent)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.username, "ani")
        qtbot.keyClicks(dialog.full_name, "Ani Rahmawati")
        dialog.role.set_value(Role.CLERK.value)
        qtbot.keyClicks(dialog.password, ANI_PW)
        qtbot.keyClicks(dialog.repeat, ANI_PW)
        click(qtbot, dialog.save)
        return dialog.result_info

    monkeypatch.setattr(AddUserDialog, "ask", classmethod(ask))
    with qtbot.waitSignal(page.loaded):
        click(qtbot, page.add_button)


def test_the_list_shows_the_users(qtbot, page, qtmodeltester):
    assert rows(page) == [["admin", "Admin TI", Role.IT.label, _("active"), ""]]
    qtmodeltester.check(page.model)
    page.select("admin")
    # Your own account is changed by another IT officer, not from here.
    assert not page.role_button.isEnabled() and not page.disable_button.isEnabled()
    assert page.findChild(QLabel, "users_note").text()


def test_add_a_clerk_change_her_role_disable_her_and_reset_her_password(
    qtbot, page, desk, monkeypatch, user_messages
):
    add_ani(qtbot, page, desk, monkeypatch)
    assert ["ani", "Ani Rahmawati", Role.CLERK.label, _("active"), _("yes")] in rows(page)
    assert page.selected().username == "ani"
    assert accounts.authenticate(desk, "ani", ANI_PW).must_change_password

    monkeypatch.setattr(RoleDialog, "ask", classmethod(lambda cls, user, p=None: Role.SUPERVISOR))
    with qtbot.waitSignal(page.loaded):
        click(qtbot, page.role_button)
    assert page.selected().role is Role.SUPERVISOR
    assert Role.SUPERVISOR.label in rows(page)[1]

    assert page.disable_button.text() == _("&Disable")
    with qtbot.waitSignal(page.loaded):
        click(qtbot, page.disable_button)
    assert user_messages.confirms  # asked first
    assert page.selected().disabled
    assert rows(page)[1][3] == _("disabled")
    with pytest.raises(AccountDisabled):
        accounts.authenticate(desk, "ani", ANI_PW)
    assert page.disable_button.text() == _("&Enable")

    with qtbot.waitSignal(page.loaded):
        click(qtbot, page.disable_button)  # enable again: no question
    assert not page.selected().disabled

    def reset(cls, desk_, user, parent=None):
        dialog = cls(desk_, user, parent)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.password, "sandi-sementara-1")
        qtbot.keyClicks(dialog.repeat, "sandi-sementara-1")
        click(qtbot, dialog.save)
        return dialog.result_info

    accounts.change_password(desk, accounts.authenticate(desk, "ani", ANI_PW), ANI_PW, "x" * 12)
    monkeypatch.setattr(ResetPasswordDialog, "ask", classmethod(reset))
    with qtbot.waitSignal(page.loaded):
        click(qtbot, page.reset_button)
    assert rows(page)[1][4] == _("yes")
    actor = accounts.authenticate(desk, "ani", "sandi-sementara-1")
    assert actor.must_change_password and actor.role is Role.SUPERVISOR
    assert user_messages.errors == []


def test_the_add_dialog_says_what_is_wrong_at_the_field_and_keeps_the_typing(
    qtbot, desk, admin, user_messages
):
    accounts.create_user(desk, admin, "ani", "Ani", Role.CLERK, ANI_PW)
    dialog = AddUserDialog(desk)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "ani")
    qtbot.keyClicks(dialog.full_name, "Ani Kedua")
    qtbot.keyClicks(dialog.password, ANI_PW)
    qtbot.keyClicks(dialog.repeat, "lain-lain-lain")
    click(qtbot, dialog.save)
    assert dialog.form.error("repeat") and dialog.result_info is None
    dialog.repeat.setText(ANI_PW)
    click(qtbot, dialog.save)
    assert dialog.form.error("username") == errors.UserExists(username="ani").message()
    assert dialog.full_name.text() == "Ani Kedua" and dialog.password.text() == ANI_PW
    dialog.username.setText("ani2")
    click(qtbot, dialog.save)
    assert dialog.result_info is not None and dialog.result_info.username == "ani2"


def test_a_refused_change_is_shown_as_a_message(qtbot, page, desk, monkeypatch, user_messages):
    add_ani(qtbot, page, desk, monkeypatch)
    page.desk = desk.acting(Actor("budi", "Budi", Role.SUPERVISOR))  # a page left behind
    monkeypatch.setattr(RoleDialog, "ask", classmethod(lambda cls, user, p=None: Role.IT))
    click(qtbot, page.role_button)
    page.runner.wait()
    assert [type(e) for e in user_messages.errors] == [PermissionDenied]


@pytest.mark.parametrize(
    ("role", "offered"), [(Role.CLERK, False), (Role.SUPERVISOR, False), (Role.IT, True)]
)
def test_the_users_tab_only_for_who_may_manage_users(make_window, desk, role, offered):
    window = make_window(desk.acting(Actor("orang", "Orang Uji", role)))
    pages = [window.tabs.widget(i) for i in range(window.tabs.count())]
    assert any(isinstance(p, UsersPage) for p in pages) is offered
    assert (window.users is not None) is offered
