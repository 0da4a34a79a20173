"""The session lock: after `idle_lock_minutes` without input the main window hides its pages
behind a lock screen; the same user's password opens it again, or another user signs in.

Only a desk with users locks (`desk.actor` set). Locking never clears, closes or resets a form:
the pages stay as they are behind the lock screen (a QStackedWidget page over the tabs), and the
intake form is also written as the draft, so a power cut while locked loses nothing.

Switching user opens a new MainWindow for the new actor (each role is offered its own pages) and
closes this one; the intake draft belongs to the desk, not to a user, and comes back through the
usual offer to restore it.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app import settings
from desk_app.domain.roles import Action, Actor
from desk_app.errors import DeskError
from desk_app.i18n import _
from desk_app.services import accounts
from desk_app.sync import credentials

log = logging.getLogger(__name__)

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits `idle` once after `interval_ms` without user input anywhere in the application.

    While running it is an application-wide event filter: any key press, click, mouse move or
    wheel starts the count again. It starts stopped; an interval of 0 or less never fires.
    """

    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # one timer: exact is cheap
        self.timer.timeout.connect(self.idle)
        self._interval = 0
        self.set_interval(interval_ms)

    def set_interval(self, interval_ms: int) -> None:
        self._interval = max(0, int(interval_ms))
        if self._interval:
            self.timer.setInterval(self._interval)
        if self.timer.isActive():
            self.start()

    def interval(self) -> int:
        return self._interval

    def start(self) -> None:
        """Count from now; input anywhere in the application counts again from then."""
        if not self._interval:
            self.stop()
            return
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def is_running(self) -> bool:
        return self.timer.isActive()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        # The user's input comes from the window system (spontaneous); asking that first
        # spares the type's lookup for the events the application sends itself, which are
        # most of them (paints, timers, queued calls: about 30 in a search, issue 11), and
        # keeps a mouse move Qt makes up (hover after a scroll) from counting as input.
        if event.spontaneous() and event.type() in INPUT_EVENTS and self.timer.isActive():
            self.timer.start()  # start() on an active timer restarts it
        return False


class LockScreen(QWidget):
    """What a locked window shows: who it belongs to, a password field, and the way to let
    someone else sign in. Signals: unlock_requested(password), switch_requested(user, password)."""

    unlock_requested = Signal(str)
    switch_requested = Signal(str, str)

    def __init__(self, desk_name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self.title = QLabel()
        self.title.setObjectName("lock_title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold; color: #1f4e79;")
        desk = QLabel(desk_name)
        desk.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setObjectName("lock_username")
        self.password = QLineEdit()
        self.password.setObjectName("lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("lock_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form = QFormLayout()
        self.form.addRow(_("&User name"), self.username)
        self.form.addRow(_("&Password"), self.password)
        self.unlock = QPushButton(_("&Unlock"))
        self.unlock.setObjectName("unlock")
        self.switch = QPushButton(_("S&witch user"))
        self.switch.setObjectName("switch_user")
        self.sign_in = QPushButton(_("&Sign in"))
        self.sign_in.setObjectName("switch_sign_in")
        self.back = QPushButton(_("&Back"))
        self.back.setObjectName("switch_back")
        buttons = QHBoxLayout()
        for button in (self.unlock, self.switch, self.sign_in, self.back):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.unlock.clicked.connect(lambda: self.unlock_requested.emit(self.password.text()))
        self.sign_in.clicked.connect(self._emit_switch)
        self.switch.clicked.connect(lambda: self.set_switching(True))
        self.back.clicked.connect(lambda: self.set_switching(False))
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._enter)

        box = QWidget()
        box.setObjectName("lock_box")
        box.setMaximumWidth(440)
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        inner.addWidget(desk)
        inner.addSpacing(12)
        inner.addWidget(self.hint)
        inner.addLayout(self.form)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(box, 1)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)
        self.switching = False
        self.set_switching(False)

    def show_for(self, actor: Actor, *, switching: bool = False) -> None:
        self.title.setText(_("Locked — {name}").format(name=actor.full_name or actor.username))
        self.message.clear()
        self.password.clear()
        self.username.clear()
        self.set_switching(switching)

    def set_switching(self, switching: bool) -> None:
        """Unlock (the same user's password) or switch (another user's name and password)."""
        self.switching = switching
        self.form.setRowVisible(self.username, switching)
        for button in (self.sign_in, self.back):
            button.setVisible(switching)
        for button in (self.unlock, self.switch):
            button.setVisible(not switching)
        self.hint.setText(
            _("Another user signs in; what was typed stays with the desk.")
            if switching
            else _("Type your password to continue where you left off.")
        )
        self.message.clear()
        self.password.clear()
        (self.username if switching else self.password).setFocus()

    def _enter(self) -> None:
        if self.switching:
            self._emit_switch()
        else:
            self.unlock_requested.emit(self.password.text())

    def _emit_switch(self) -> None:
        self.switch_requested.emit(self.username.text(), self.password.text())

    def refuse(self, message: str) -> None:
        self.message.setText(message)
        self.password.clear()
        self.password.setFocus()


class SessionLock(QObject):
    """Gives a MainWindow its idle lock and "switch user". Signal: replaced(new MainWindow)."""

    locked_changed = Signal(bool)
    replaced = Signal(object)

    def __init__(self, window, interval_ms: int | None = None, content: QWidget | None = None):
        super().__init__(window)
        self.window = window
        self.desk = window.desk
        self.locked = False
        self._focus: QWidget | None = None
        self._shortcuts: list[QShortcut] = []
        if interval_ms is None:
            interval_ms = settings.get(self.desk.db, "idle_lock_minutes") * 60_000
        self.watcher = IdleWatcher(interval_ms, self)
        self.watcher.idle.connect(self._idle)
        self._screen: LockScreen | None = None  # made at the first lock
        # The pages and the lock screen share the central area; only one shows at a time. The
        # window gives `content` (its pages' container) before filling it: moving a built window
        # into the stack would polish every widget again under the style sheet (cold start).
        self.stack = QStackedWidget()
        self.stack.setObjectName("lock_stack")
        self.stack.addWidget(content if content is not None else window.takeCentralWidget())
        window.setCentralWidget(self.stack)
        self.switch_action = QAction(_("S&witch user"), window)
        self.switch_action.triggered.connect(self.switch_user)
        self.switch_action.setVisible(self.enabled)
        window.installEventFilter(self)

    @property
    def screen(self) -> LockScreen:
        """The lock screen, made when first needed (most sessions never lock)."""
        if self._screen is None:
            self._screen = LockScreen(self.desk.desk_name)
            self._screen.unlock_requested.connect(self.try_unlock)
            self._screen.switch_requested.connect(self.try_switch)
            self.stack.addWidget(self._screen)
        return self._screen

    @property
    def enabled(self) -> bool:
        """Only a desk with users locks: without an actor there is nobody to unlock it."""
        return self.desk.actor is not None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.window:
            # A minimised window keeps counting; a closed one stops for good.
            if event.type() == QEvent.Type.Show and not self.locked and self.enabled:
                self.watcher.start()
            elif event.type() == QEvent.Type.Close:
                self.watcher.stop()
        return False

    def _idle(self) -> None:
        if self.window.isVisible():
            self.lock_now()

    # -- locking ----------------------------------------------------------------------------

    def lock_now(self, *, switching: bool = False) -> bool:
        """Cover the window with the lock screen; True if it is (now) locked."""
        if not self.enabled:
            return False
        if not self.locked:
            self._keep_draft()
            focus = QApplication.focusWidget()
            self._focus = focus if focus is not None and self.window.isAncestorOf(focus) else None
            self.watcher.stop()
            self.locked = True
            self.stack.setCurrentWidget(self.screen)
            self.window.menuBar().setEnabled(False)
            # The window's own shortcuts (Ctrl+1 ...) would still move the hidden tabs.
            self._shortcuts = [
                shortcut
                for shortcut in self.window.findChildren(QShortcut)
                if shortcut.parent() is self.window and shortcut.isEnabled()
            ]
            for shortcut in self._shortcuts:
                shortcut.setEnabled(False)
            self.locked_changed.emit(True)
            log.info("session locked")
        self.screen.show_for(self.desk.actor, switching=switching)
        return True

    def _keep_draft(self) -> None:
        """What was typed stays in the form, and is written as the draft too."""
        intake = self.window.intake
        if intake.stack.currentIndex() == 0 and not intake.form.get_form().is_blank():
            intake.save_draft_now()

    def _unlock(self) -> None:
        self.locked = False
        self.stack.setCurrentIndex(0)
        self.window.menuBar().setEnabled(True)
        for shortcut in self._shortcuts:
            if shiboken6.isValid(shortcut):
                shortcut.setEnabled(True)
        self._shortcuts = []
        self.screen.password.clear()
        self.screen.message.clear()
        if self._focus is not None and shiboken6.isValid(self._focus):
            self._focus.setFocus()
        self._focus = None
        self.watcher.start()
        self.locked_changed.emit(False)
        log.info("session unlocked")

    def try_unlock(self, password: str) -> bool:
        """The signed-in user's password opens the window again (checked, delayed and audited
        as a login)."""
        try:
            actor = accounts.authenticate(self.desk, self.desk.actor.username, password)
        except DeskError as exc:
            self.screen.refuse(exc.message())
            return False
        if actor != self.desk.actor:  # changed meanwhile (e.g. a new role): its own window
            self.replace_window(actor)
            return True
        self._unlock()
        return True

    # -- switching user ---------------------------------------------------------------------

    def switch_user(self) -> None:
        """From the File menu: lock, then ask who signs in."""
        self.lock_now(switching=True)

    def try_switch(self, username: str, password: str) -> bool:
        try:
            actor = accounts.authenticate(self.desk, username, password)
        except DeskError as exc:
            self.screen.refuse(exc.message())
            return False
        if actor.must_change_password:
            from ui.login import ChangePasswordDialog

            actor = ChangePasswordDialog.ask(self.desk, actor, password, self.screen)
            if actor is None:
                self.screen.password.clear()
                return False
        if actor == self.desk.actor:
            self._unlock()
            return True
        self.replace_window(actor)
        return True

    def replace_window(self, actor: Actor, desk=None):
        """A new main window for `actor` (its role's pages) on `desk` (default: this one's; the
        settings tab passes the reloaded desk), then this one closes; returns the new window.
        The draft written at lock time (and again at close) is offered back if the new role
        records."""
        from ui.main_window import MainWindow

        old = self.window
        if self.desk.actor is None or actor.username != self.desk.actor.username:
            # Another user signs in: the sync secret held for this session (no keyring) is
            # not theirs to inherit.
            credentials.forget_session()
        new = MainWindow((desk or self.desk).acting(actor))
        new.restoreGeometry(old.saveGeometry())
        _keep(new)
        new.show()  # before the old one closes, or closing the last window would quit
        old.close()  # writes the draft and the window state
        old.deleteLater()
        log.info("user switched")
        self.replaced.emit(new)
        if actor.may(Action.RECORD):
            QTimer.singleShot(0, new.intake.offer_restore)
        QTimer.singleShot(0, new.intake.form.focus_first)
        return new


# Windows opened by a switch of user have no other owner: kept here (deleted ones are dropped
# at the next switch; never while one of their own slots runs).
_windows: list = []


def _keep(window) -> None:
    _windows[:] = [w for w in _windows if shiboken6.isValid(w)]
    _windows.append(window)
