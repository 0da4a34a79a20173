"""Safe defaults: Enter in a question or a choice loses nothing and links nothing, and Enter
in a form submits it. Each test opens the real dialog and presses the key as a clerk would."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from desk_app.domain.roles import Role
from desk_app.services import accounts, drafts, intake, lookup
from tests.conftest import make_form

from ui import messages
from ui.admin.privacy_page import ErasureDialog, RefusalDialog
from ui.admin.users_page import AddUserDialog, ResetPasswordDialog, RoleDialog
from ui.intake.duplicates import DuplicatesDialog
from ui.login import ChangePasswordDialog, LoginDialog

REAL_CONFIRM = messages.confirm  # the user_messages fixture replaces it; these tests need it
UI = Path(__file__).resolve().parents[2] / "ui"


def press_in_next_modal(qtbot, key=Qt.Key.Key_Return) -> list[str]:
    """Press `key` in the next modal dialog as soon as it is shown; returns [its title]."""
    seen: list[str] = []

    def press() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or not modal.isVisible():
            QTimer.singleShot(10, press)  # not open yet: exec() is about to show it
            return
        seen.append(modal.windowTitle())
        qtbot.keyClick(modal.focusWidget() or modal, key)

    QTimer.singleShot(0, press)
    return seen


def show(qtbot, dialog: QWidget) -> QWidget:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog


def test_every_question_in_ui_names_its_safe_answer():
    """messages.confirm(..., safe=...) at every call: the safe answer is a decision per question."""
    missing = []
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "confirm"
                and not any(k.arg == "safe" for k in node.keywords)
            ):
                missing.append(f"{path.relative_to(UI.parent)}:{node.lineno}")
    assert missing == []


@pytest.mark.parametrize(("safe", "answer"), [(messages.NO, False), (messages.YES, True)])
@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Escape])
def test_enter_and_escape_give_the_safe_answer(qtbot, safe, answer, key):
    press_in_next_modal(qtbot, key)
    assert REAL_CONFIRM(None, "?", "?", "&Ya", "&Tidak", safe=safe) is answer


# -- questions and choices: Enter keeps everything --------------------------------------------


def test_enter_on_the_recovered_draft_question_restores_it(qtbot, make_window, desk, monkeypatch):
    typed = make_form(subject="Lampu jalan mati di Jalan Sudirman")
    drafts.save_draft(desk, intake.INTAKE_DRAFT, typed)
    window = make_window()
    monkeypatch.setattr(messages, "confirm", REAL_CONFIRM)
    seen = press_in_next_modal(qtbot)
    assert window.intake.offer_restore()
    assert seen == ["Pengaduan belum disimpan"]
    assert window.intake.form.subject.text() == "Lampu jalan mati di Jalan Sudirman"
    assert drafts.load_draft(desk, intake.INTAKE_DRAFT) is not None


def test_enter_in_the_duplicates_dialog_links_nothing_and_keeps_the_form(
    qtbot, window, desk, monkeypatch
):
    """Another citizen's complaint sharing only a phone number: Enter goes back to the form."""
    other = make_form(reporter_name="Budi Santoso", reporter_nik="", subject="Sampah di pasar")
    intake.record_complaint(desk, other)
    form = window.intake.form
    form.set_form(make_form(reporter_nik="", reporter_phone=other.reporter_phone))
    typed = form.get_form()
    seen = press_in_next_modal(qtbot)
    qtbot.keyClick(form.subject, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen) and not window.intake.is_saving())
    assert seen == ["Kemungkinan duplikat"]
    assert window.intake.stack.currentIndex() == 0
    assert form.get_form() == typed
    assert len(lookup.list_complaints(desk, lookup.ListQuery()).rows) == 1


def test_enter_in_the_duplicates_dialog_table_does_not_link(qtbot, desk):
    intake.record_complaint(desk, make_form())
    dialog = show(qtbot, DuplicatesDialog(intake.find_duplicates(desk, make_form()), desk.zone))
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert dialog.choice is None and dialog.result() == 0


def test_enter_on_discard_in_the_intake_form_keeps_typing(qtbot, window, monkeypatch):
    monkeypatch.setattr(messages, "confirm", REAL_CONFIRM)
    form = window.intake.form
    qtbot.keyClicks(form.subject, "Sampah menumpuk")
    seen = press_in_next_modal(qtbot)
    qtbot.keyClick(form.subject, Qt.Key.Key_Escape)
    assert seen == ["Buang pengaduan ini?"]
    assert form.subject.text() == "Sampah menumpuk"


def test_enter_on_disabling_a_user_disables_nobody(qtbot, desk, monkeypatch):
    from ui.admin.users_page import UsersPage
    from ui.workers import Runner

    admin = accounts.init_desk(
        desk.reloaded(), "BKS01", "Meja Uji", admin_username="admin",
        admin_full_name="Admin TI", admin_password="kata-sandi-admin-1",
    )  # fmt: skip
    it_desk = desk.reloaded().acting(admin)
    accounts.create_user(it_desk, admin, "ani", "Ani", Role.CLERK, "sandi-awal-ani-1")
    runner = Runner()
    page = show(qtbot, UsersPage(it_desk, runner))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    page.select("ani")
    monkeypatch.setattr(messages, "confirm", REAL_CONFIRM)
    seen = press_in_next_modal(qtbot)
    qtbot.mouseClick(page.disable_button, Qt.MouseButton.LeftButton)
    runner.wait()
    assert seen and not accounts.list_users(it_desk, admin)[1].disabled


def test_enter_on_discarding_a_correction_keeps_the_dialog(qtbot, desk, monkeypatch):
    from ui.complaints.correct import CorrectionDialog
    from ui.workers import Runner

    recorded = intake.record_complaint(desk, make_form())
    dialog = show(
        qtbot, CorrectionDialog(desk, Runner(), recorded.id, recorded.tracking_no, make_form())
    )
    qtbot.keyClicks(dialog.reason, "Salah instansi")
    monkeypatch.setattr(messages, "confirm", REAL_CONFIRM)
    seen = press_in_next_modal(qtbot)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Escape)
    assert seen == ["Buang koreksi ini?"]
    assert dialog.isVisible() and dialog.reason.text() == "Salah instansi"


# -- forms: Enter submits -----------------------------------------------------------------------


@pytest.fixture
def it_desk(desk):
    admin = accounts.init_desk(
        desk.reloaded(), "BKS01", "Meja Uji", admin_username="admin",
        admin_full_name="Admin TI", admin_password="kata-sandi-admin-1",
    )  # fmt: skip
    return desk.reloaded().acting(admin)


def test_enter_submits_the_add_user_form(qtbot, it_desk):
    """Typed with the keyboard alone: Tab between fields, Enter in the last one."""
    dialog = show(qtbot, AddUserDialog(it_desk))
    dialog.username.setFocus()  # where a shown dialog puts it (offscreen windows get no focus)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    for text in ("ani", "Ani Rahmawati", "", "sandi-awal-ani-1"):  # "": the role as offered
        qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "sandi-awal-ani-1")
    assert QApplication.focusWidget() is dialog.repeat
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.result_info is not None and dialog.result_info.username == "ani"
    assert "ani" in {u.username for u in accounts.list_users(it_desk, it_desk.actor)}


def test_enter_submits_the_add_user_form_after_a_mistake(qtbot, it_desk):
    dialog = show(qtbot, AddUserDialog(it_desk))
    qtbot.keyClicks(dialog.username, "ani")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    assert dialog.form.error("full_name")  # said at the field, the dialog stays
    qtbot.keyClicks(dialog.full_name, "Ani Rahmawati")
    qtbot.keyClicks(dialog.password, "sandi-awal-ani-1")
    qtbot.keyClicks(dialog.repeat, "sandi-awal-ani-1")
    qtbot.keyClick(dialog.full_name, Qt.Key.Key_Enter)
    assert dialog.result_info is not None


def test_enter_submits_the_reset_password_form(qtbot, it_desk):
    ani = accounts.create_user(it_desk, it_desk.actor, "ani", "Ani", Role.CLERK, "sandi-awal-ani-1")
    dialog = show(qtbot, ResetPasswordDialog(it_desk, ani))
    qtbot.keyClicks(dialog.password, "sandi-baru-ani-12")
    qtbot.keyClicks(dialog.repeat, "sandi-baru-ani-12")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.result_info is not None
    assert accounts.authenticate(it_desk, "ani", "sandi-baru-ani-12").username == "ani"


def test_enter_submits_the_role_dialog(qtbot, it_desk):
    ani = accounts.create_user(it_desk, it_desk.actor, "ani", "Ani", Role.CLERK, "sandi-awal-ani-1")
    dialog = show(qtbot, RoleDialog(ani))
    dialog.role.set_value(Role.SUPERVISOR.value)
    qtbot.keyClick(dialog.role, Qt.Key.Key_Return)
    assert dialog.result() == RoleDialog.DialogCode.Accepted


def test_enter_signs_in(qtbot, it_desk):
    dialog = show(qtbot, LoginDialog(it_desk))
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "kata-sandi-admin-1")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_enter_changes_the_password(qtbot, it_desk):
    accounts.create_user(it_desk, it_desk.actor, "ani", "Ani", Role.CLERK, "sandi-awal-ani-1")
    actor = accounts.authenticate(it_desk, "ani", "sandi-awal-ani-1")
    dialog = show(qtbot, ChangePasswordDialog(it_desk, actor, "sandi-awal-ani-1"))
    qtbot.keyClicks(dialog.new, "sandi-baru-ani-12")
    qtbot.keyClicks(dialog.repeat, "sandi-baru-ani-12")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.actor is not None and not dialog.actor.must_change_password


def test_enter_submits_the_erasure_reason(qtbot):
    dialog = show(qtbot, ErasureDialog(5))
    qtbot.keyClicks(dialog.reason, "Surat permintaan 12/2026")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.answer == ("Surat permintaan 12/2026", 5)


def test_enter_submits_the_refusal_reason(qtbot):
    dialog = show(qtbot, RefusalDialog())
    qtbot.keyClicks(dialog.reason, "Masih dalam masa retensi")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.answer == "Masih dalam masa retensi"


def test_enter_saves_a_setting(qtbot, it_desk):
    from desk_app import settings

    from ui.admin.settings_page import SettingsPage
    from ui.workers import Runner

    runner = Runner()
    page = SettingsPage(it_desk, runner)
    with qtbot.waitSignal(page.loaded):
        show(qtbot, page)
    page.select("idle_lock_minutes")
    page.value.selectAll()
    qtbot.keyClicks(page.value, "15")
    with qtbot.waitSignal(page.changed):
        qtbot.keyClick(page.value, Qt.Key.Key_Return)
    runner.wait()
    assert settings.get(it_desk.db, "idle_lock_minutes") == 15
