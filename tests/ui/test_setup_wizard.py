"""First run: the setup wizard gives the desk its identity and its first IT officer."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWizard

from desk_app import errors, settings
from desk_app.domain.roles import Role
from desk_app.i18n import _
from desk_app.services import accounts
from desk_app.services.desk import open_desk
from tests import admin_desk
from tests.admin_desk import ADMIN_PW

from ui.setup_wizard import SetupWizard

fast_hashing = admin_desk.fast_hashing  # cheap password hashing for every test here


@pytest.fixture
def desk(bare_desk):
    """A desk on its first start: not set up, nobody signed in."""
    return bare_desk


@pytest.fixture
def wizard(qtbot, desk):
    wizard = SetupWizard(desk)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def click(qtbot, wizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def fill_desk_page(qtbot, wizard, code="BKS01"):
    page = wizard.desk_page
    qtbot.keyClicks(page.desk_code, code)
    qtbot.keyClicks(page.desk_name, "Meja Aduan Bengkalis")
    qtbot.keyClicks(page.office, "Inspektorat Kabupaten Bengkalis")
    qtbot.keyClicks(page.region.lineEdit(), "bengkalis")
    page.timezone.set_value("Asia/Makassar")
    qtbot.keyClicks(page.contact, "0766-21000")


def fill_officer_page(qtbot, wizard, repeat=ADMIN_PW):
    page = wizard.officer_page
    qtbot.keyClicks(page.username, "admin.ti")
    qtbot.keyClicks(page.full_name, "Admin TI")
    qtbot.keyClicks(page.password, ADMIN_PW)
    qtbot.keyClicks(page.repeat, repeat)


def test_the_wizard_sets_the_desk_up_and_signs_the_it_officer_in(qtbot, desk, wizard):
    fill_desk_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.officer_page
    fill_officer_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.actor is not None and wizard.actor.role is Role.IT
    assert accounts.authenticate(desk, "admin.ti", ADMIN_PW) == wizard.actor
    assert settings.get(desk.db, "desk_code") == "BKS01"
    assert settings.get(desk.db, "desk_name") == "Meja Aduan Bengkalis"
    assert settings.get(desk.db, "office") == "Inspektorat Kabupaten Bengkalis"
    assert settings.get(desk.db, "region") == "14.03"
    assert settings.get(desk.db, "timezone") == "Asia/Makassar"
    assert settings.get(desk.db, "contact") == "0766-21000"
    # The desk read again knows its new identity (new tracking numbers use the new code).
    assert (desk.reloaded().desk_code, desk.reloaded().zone.key) == ("BKS01", "Asia/Makassar")


def test_a_bad_desk_code_is_said_at_the_field_and_nothing_typed_is_lost(qtbot, desk, wizard):
    fill_desk_page(qtbot, wizard, code="1-abc")
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    page = wizard.desk_page
    assert wizard.currentPage() is page
    error = page.findChild(QLabel, "desk_code_error")
    assert error.isVisible() and "PKU01" in error.text()
    assert page.desk_code.property("invalid") is True
    assert page.desk_code.text() == "1-abc"
    assert page.desk_name.text() == "Meja Aduan Bengkalis"
    assert page.contact.text() == "0766-21000"
    assert not accounts.has_users(desk.db)

    page.desk_code.clear()
    qtbot.keyClicks(page.desk_code, "bks01")  # lower case is fine: stored upper case
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.officer_page
    assert not error.isVisible()


def test_the_officer_page_checks_the_passwords_and_keeps_the_typing(qtbot, desk, wizard):
    fill_desk_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    fill_officer_page(qtbot, wizard, repeat="kata-sandi-lain-1")
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    page = wizard.officer_page
    assert wizard.actor is None and wizard.isVisible()
    assert "sama" in page.findChild(QLabel, "repeat_error").text()
    assert page.username.text() == "admin.ti"
    assert not accounts.has_users(desk.db)

    page.username.setText("Admin TI!")  # not a user name: the core says why
    page.repeat.setText(ADMIN_PW)
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.actor is None
    assert page.findChild(QLabel, "username_error").text() == errors.UsernameInvalid().message()
    assert page.password.text() == ADMIN_PW


def test_a_desk_set_up_meanwhile_is_said_on_the_page(qtbot, desk, wizard):
    fill_desk_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    fill_officer_page(qtbot, wizard)
    accounts.init_desk(  # from the CLI, while the wizard was open
        desk, "PKU02", "Meja lain", admin_username="lain", admin_password=ADMIN_PW
    )
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.actor is None
    message = wizard.officer_page.message.text()
    assert errors.DeskAlreadyInitialised().message() in message


def record_windows(monkeypatch) -> list:
    """The main windows run_gui makes (the event loop itself is stubbed by each test)."""
    from ui import main_window

    made = []

    class Recorded(main_window.MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(main_window, "MainWindow", Recorded)
    return made


def test_first_run_opens_the_wizard_then_the_window_for_the_it_officer(
    qtbot, data_dir, desk, monkeypatch
):
    from ui import app as app_module
    from ui.login import LoginDialog

    desk.close()
    made = record_windows(monkeypatch)

    def set_up(cls, desk_, parent=None):
        return accounts.init_desk(
            desk_, "BKS01", "Meja Aduan Bengkalis", admin_username="admin",
            admin_full_name="Admin TI", admin_password=ADMIN_PW,
        )  # fmt: skip

    seen = {}

    def run_event_loop(self):
        window = made[-1]
        seen["title"] = window.windowTitle()
        seen["users_tab"] = window.users is not None and window.tabs.indexOf(window.users) >= 0
        seen["actor"] = window.desk.actor
        window.close()
        window.runner.wait()
        window.deleteLater()
        return 0

    monkeypatch.setattr(SetupWizard, "ask", classmethod(set_up))
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda *a: pytest.fail("no login")))
    monkeypatch.setattr(QApplication, "exec", run_event_loop)
    assert app_module.run_gui(str(data_dir)) == 0
    assert "Meja Aduan Bengkalis" in seen["title"]
    assert seen["users_tab"] is True
    assert seen["actor"].username == "admin" and seen["actor"].role is Role.IT


def test_closing_the_wizard_opens_no_desk(qtbot, data_dir, desk, monkeypatch):
    from ui import app as app_module
    from ui.login import LoginDialog

    desk.close()
    made = record_windows(monkeypatch)
    monkeypatch.setattr(SetupWizard, "ask", classmethod(lambda cls, d, p=None: None))
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda *a: pytest.fail("no login")))
    monkeypatch.setattr(QApplication, "exec", lambda self: pytest.fail("no window to run"))
    assert app_module.run_gui(str(data_dir)) == 0
    assert made == []
    again = open_desk(data_dir)
    try:
        assert not accounts.has_users(again.db) and not again.set_up
    finally:
        again.close()


def test_the_wizard_offers_no_way_to_skip_the_set_up(wizard):
    close = wizard.buttonText(QWizard.WizardButton.CancelButton)
    assert close.replace("&", "") == _("&Close").replace("&", "")
