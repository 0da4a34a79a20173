"""The idle lock keeps the typed form; unlocking needs the same user's password; switching user
re-offers the pages of the new role; a desk without users never locks."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk_app import settings
from desk_app.domain.roles import Role
from desk_app.errors import LoginDelayed, LoginFailed
from desk_app.services import accounts, drafts, intake

from ui.lock import IdleWatcher

ADMIN_PW = "kata-sandi-admin-1"
CLERK_PW = "sandi-petugas-ani-1"
SUPERVISOR_PW = "sandi-koordinator-1"


@pytest.fixture
def people(bare_desk, monkeypatch):
    """A set-up desk with a clerk (signed in) and a supervisor."""
    desk = bare_desk
    monkeypatch.setattr(
        "desk_app.services.credentials.HASHER",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    admin = accounts.init_desk(
        desk,
        desk_code="BKS01",
        desk_name="Meja Aduan Bengkalis",
        admin_username="admin",
        admin_full_name="Admin TI",
        admin_password=ADMIN_PW,
    )
    for name, full, role, pw in (
        ("ani", "Ani Rahmawati", Role.CLERK, CLERK_PW),
        ("budi", "Budi Santoso", Role.SUPERVISOR, SUPERVISOR_PW),
    ):
        accounts.create_user(desk, admin, name, full, role, pw, must_change_password=False)
    return desk.reloaded().acting(accounts.authenticate(desk, "ani", CLERK_PW))


@pytest.fixture
def desk(people):
    """The windows of these tests are the clerk's."""
    return people


def is_locked(window) -> bool:
    return window.session_lock.screen.isVisible() and not window.tabs.isVisible()


def type_subject(qtbot, window, text: str) -> None:
    subject = window.intake.form.subject
    subject.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is subject)
    qtbot.keyClicks(subject, text)


def enter_password(qtbot, window, password: str) -> None:
    screen = window.session_lock.screen
    screen.password.clear()
    qtbot.keyClicks(screen.password, password)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)


def test_the_default_is_ten_minutes_and_input_counts_again(qtbot, people, make_window):
    assert settings.get(people.db, "idle_lock_minutes") == 10
    window = make_window()
    timer = window.session_lock.watcher.timer
    assert window.session_lock.watcher.interval() == 10 * 60_000
    assert timer.isActive()
    qtbot.wait(200)
    before = timer.remainingTime()
    qtbot.keyClicks(window.intake.form.subject, "a")
    assert timer.remainingTime() > before


def test_idle_window_locks_and_unlocking_keeps_the_typed_form(qtbot, people, make_window):
    window = make_window()
    type_subject(qtbot, window, "Lampu jalan padam")
    window.session_lock.watcher.set_interval(50)
    qtbot.waitUntil(lambda: is_locked(window), timeout=3000)
    assert "Ani Rahmawati" in window.session_lock.screen.title.text()
    assert not window.menuBar().isEnabled()
    qtbot.keyClick(window.session_lock.screen.password, Qt.Key.Key_F3)  # the tabs stay hidden
    assert is_locked(window)
    window.runner.wait()  # the draft was written at lock time too
    assert drafts.load_draft(people, intake.INTAKE_DRAFT).subject == "Lampu jalan padam"

    enter_password(qtbot, window, CLERK_PW)
    assert not window.session_lock.locked
    assert window.tabs.isVisible() and window.tabs.currentWidget() is window.intake
    assert window.intake.form.subject.text() == "Lampu jalan padam"
    assert QApplication.focusWidget() is window.intake.form.subject  # continue where you were
    qtbot.keyClicks(window.intake.form.subject, " lagi")
    assert window.intake.form.subject.text() == "Lampu jalan padam lagi"


def test_a_wrong_password_is_said_and_the_window_stays_locked(qtbot, people, make_window):
    window = make_window()
    type_subject(qtbot, window, "Jalan berlubang")
    assert window.session_lock.lock_now()
    screen = window.session_lock.screen
    enter_password(qtbot, window, "salah")
    assert is_locked(window)
    assert screen.message.text() == LoginFailed().message()
    assert screen.password.text() == ""
    for _attempt in range(3):  # failures count as at login: then the wait is said
        enter_password(qtbot, window, "salah")
    assert screen.message.text() == LoginDelayed(seconds=2).message()
    assert is_locked(window)
    with pytest.raises(LoginDelayed):  # the same counter as the login dialog
        accounts.authenticate(people, "ani", CLERK_PW)
    assert window.intake.form.subject.text() == "Jalan berlubang"


def test_input_before_the_timeout_postpones_the_lock(qtbot, people, make_window):
    window = make_window()
    watcher = window.session_lock.watcher
    watcher.set_interval(700)
    watcher.start()
    for _round in range(4):  # 4 x 350 ms: twice the interval, with input in between
        qtbot.wait(350)
        qtbot.keyClicks(window.intake.form.subject, "x")
        assert not window.session_lock.locked
    qtbot.waitUntil(lambda: is_locked(window), timeout=3000)
    assert window.intake.form.subject.text() == "xxxx"


def test_switch_user_offers_the_new_roles_pages(qtbot, people, make_window, user_messages):
    window = make_window()
    assert window.audit not in [window.tabs.widget(i) for i in range(window.tabs.count())]
    type_subject(qtbot, window, "Air PDAM keruh")
    replaced = []
    window.session_lock.replaced.connect(replaced.append)
    window.session_lock.switch_action.trigger()  # File > Switch user
    assert is_locked(window)
    screen = window.session_lock.screen
    assert screen.username.isVisible()
    qtbot.keyClicks(screen.username, "budi")
    qtbot.keyClick(screen.username, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.password, "salah")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    assert screen.message.text() and not replaced
    qtbot.keyClicks(screen.password, SUPERVISOR_PW)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)

    assert len(replaced) == 1
    new = replaced[0]
    try:
        assert new.desk.actor.username == "budi"
        assert people.actor.username == "ani"  # each window keeps its own frozen actor
        pages = [new.tabs.widget(i) for i in range(new.tabs.count())]
        assert new.audit in pages and new.intake in pages
        assert new.isVisible() and not new.session_lock.locked
        qtbot.waitUntil(lambda: not shiboken6.isValid(window) or not window.isVisible())
        # The draft belongs to the desk: offered back, and restored here (the recorder says yes).
        qtbot.waitUntil(lambda: new.intake.form.subject.text() == "Air PDAM keruh")
        assert len(user_messages.confirms) == 1
    finally:
        new.close()
        new.runner.wait()
        new.deleteLater()


def test_switching_to_the_same_user_just_unlocks(qtbot, people, make_window):
    window = make_window()
    window.session_lock.switch_user()
    screen = window.session_lock.screen
    qtbot.keyClicks(screen.username, "ani")
    qtbot.keyClicks(screen.password, CLERK_PW)
    qtbot.mouseClick(screen.sign_in, Qt.MouseButton.LeftButton)
    assert not window.session_lock.locked and window.tabs.isVisible()


def test_lock_screen_back_returns_to_unlock(qtbot, people, make_window):
    window = make_window()
    window.session_lock.lock_now()
    screen = window.session_lock.screen
    qtbot.mouseClick(screen.switch, Qt.MouseButton.LeftButton)
    assert screen.username.isVisible() and screen.sign_in.isVisible()
    qtbot.mouseClick(screen.back, Qt.MouseButton.LeftButton)
    assert not screen.username.isVisible() and screen.unlock.isVisible()
    enter_password(qtbot, window, CLERK_PW)
    assert not window.session_lock.locked


def test_a_closed_window_stops_watching(qtbot, people, make_window):
    window = make_window()
    watcher = window.session_lock.watcher
    assert watcher.is_running()
    window.close()
    assert not watcher.is_running()


def test_watcher_with_zero_interval_never_fires(qtbot):
    watcher = IdleWatcher(0)
    fired = []
    watcher.idle.connect(lambda: fired.append(1))
    watcher.start()
    qtbot.wait(50)
    assert not watcher.is_running() and not fired
    watcher.set_interval(10)
    watcher.start()
    qtbot.waitUntil(lambda: fired == [1], timeout=2000)
    watcher.stop()


def test_the_next_user_does_not_inherit_the_sessions_sync_secret(qtbot, people, make_window):
    from desk_app.sync import credentials

    credentials.remember("https://hub.example", "desk-1", "rahasia-sesi")  # no keyring here
    window = make_window()
    window.session_lock.switch_user()
    screen = window.session_lock.screen
    qtbot.keyClicks(screen.username, "ani")  # the same user: just unlocks, the secret stays
    qtbot.keyClicks(screen.password, CLERK_PW)
    qtbot.mouseClick(screen.sign_in, Qt.MouseButton.LeftButton)
    assert credentials.load("https://hub.example", "desk-1") == "rahasia-sesi"
    replaced = []
    window.session_lock.replaced.connect(replaced.append)
    window.session_lock.switch_user()
    qtbot.keyClicks(screen.username, "budi")
    qtbot.keyClicks(screen.password, SUPERVISOR_PW)
    qtbot.mouseClick(screen.sign_in, Qt.MouseButton.LeftButton)
    new = replaced[0]
    try:
        assert credentials.load("https://hub.example", "desk-1") is None
    finally:
        credentials.forget_session()
        new.close()
        new.runner.wait()
        new.deleteLater()


def test_only_the_users_own_input_postpones_the_lock(qtbot):
    """Input comes from the window system (spontaneous, as QTest sends it too); a key event
    the application sends itself is not the user's and does not count (the watcher asks that
    before anything else: most events in a search are the application's own, issue 11)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication, QLineEdit

    edit = QLineEdit()
    qtbot.addWidget(edit)
    watcher = IdleWatcher(60_000)
    watcher.start()
    try:
        watcher.timer.setInterval(60_000)
        qtbot.wait(30)
        before = watcher.timer.remainingTime()
        made = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        QApplication.sendEvent(edit, made)
        assert watcher.timer.remainingTime() <= before  # not started again
        qtbot.keyClick(edit, Qt.Key.Key_B)
        assert watcher.timer.remainingTime() > before  # the user's key starts it again
    finally:
        watcher.stop()
