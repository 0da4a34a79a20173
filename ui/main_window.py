"""The main window a clerk lives in all day: intake and the complaint list, side by side as
tabs, with the keys to move between them.

Settings IT changes apply without a restart. The window's desk is a frozen value that every page
and worker holds, and every text is set where a widget is made (there is no retranslateUi), so
after a change to the desk's identity, zone or language the window is built again on
`desk.reloaded()` for the same signed-in user: the way a switch of user already replaces it
(ui/lock.py), with the draft written and offered back. Everything then shows the new values,
times in the new zone and texts in the new language; nothing is retranslated by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from desk_app import __version__, i18n, paths, settings
from desk_app.domain.roles import Action
from desk_app.i18n import _
from desk_app.services import reference_data
from desk_app.services.desk import Desk
from desk_app.settings import zone_abbreviation

from ui import messages, qt_language
from ui.complaints.page import ComplaintsPage
from ui.intake.page import IntakePage
from ui.lock import SessionLock
from ui.screen_fit import resize_within_screen
from ui.sync.page import SyncPage
from ui.sync.status import SyncStatusLabel
from ui.workers import Runner

if TYPE_CHECKING:  # the admin pages are imported when a role that has them signs in
    from ui.admin.audit_page import AuditPage
    from ui.admin.backup_page import BackupPage
    from ui.admin.privacy_page import PrivacyPage
    from ui.admin.settings_page import SettingsPage
    from ui.admin.users_page import UsersPage

# Settings every page reads from the desk value made at sign-in: a change rebuilds the window.
REBUILT_BY = frozenset({"desk_code", "desk_name", "office", "region", "timezone", "language"})


class MainWindow(QMainWindow):
    def __init__(self, desk: Desk, runner: Runner | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.runner = runner or Runner(self)
        self.setWindowTitle(_("Meja Aduan — {desk}").format(desk=desk.desk_name))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        # The idle lock and "switch user" (ui/lock.py): its stack holds the tabs from the start,
        # so that the pages are polished under the style sheet once, where they will stay.
        self.session_lock = SessionLock(self, content=self.tabs)
        self.intake = IntakePage(desk, self.runner)
        self.complaints = ComplaintsPage(desk, self.runner)
        self.tabs.addTab(self.intake, _("New complaint  (F2)"))
        self.tabs.addTab(self.complaints, _("Complaints  (F3)"))
        self.audit: AuditPage | None = None  # only for a role that may read the trail
        if desk.actor is not None and desk.actor.may(Action.AUDIT_VIEW):
            from ui.admin.audit_page import AuditPage

            self.audit = AuditPage(desk, self.runner)
            self.tabs.addTab(self.audit, _("Audit  (F4)"))
        self.tabs.currentChanged.connect(self._tab_changed)

        self.intake.recorded.connect(lambda _r: self.complaints.model.refresh())
        self.intake.open_in_list.connect(self.show_in_list)

        file_menu = self.menuBar().addMenu(_("&File"))
        new_action = QAction(_("&New complaint"), self)
        new_action.setShortcuts([QKeySequence("F2"), QKeySequence.StandardKey.New])
        new_action.triggered.connect(self.go_intake)
        find_action = QAction(_("&Find complaint"), self)
        find_action.setShortcuts([QKeySequence("F3"), QKeySequence.StandardKey.Find])
        find_action.triggered.connect(self.go_list)
        audit_action = QAction(_("&Audit trail"), self)
        audit_action.setShortcut(QKeySequence("F4"))
        audit_action.triggered.connect(self.go_audit)
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        for action in (new_action, find_action, audit_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(_("&Help"))
        about = QAction(_("&About Meja Aduan"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        QShortcut(QKeySequence("Ctrl+1"), self, self.go_intake)
        QShortcut(QKeySequence("Ctrl+2"), self, self.go_list)
        QShortcut(QKeySequence("Ctrl+3"), self, self.go_audit)

        desk_text = _("Desk {code} · {zone}").format(
            code=desk.desk_code, zone=zone_abbreviation(desk.zone.key)
        )
        desk_label = QLabel(f"{desk.office} · {desk_text}" if desk.office else desk_text)
        desk_label.setObjectName("desk_label")
        self.statusBar().addPermanentWidget(desk_label)
        if desk.bad_settings:  # a bad stored value: the default is in use until IT repairs it
            note = QLabel(settings.bad_settings_note(desk.bad_settings))
            note.setObjectName("bad_settings_label")
            note.setWordWrap(True)
            note.setProperty("role", "error")
            self.statusBar().addPermanentWidget(note, 1)  # permanent: no status message hides it
        self.users: UsersPage | None = None  # the IT officer's users tab (_offer_by_role)
        self.backups: BackupPage | None = None  # the IT officer's backups tab (ditto)
        self.privacy: PrivacyPage | None = None  # the supervisor's personal-data tab (ditto)
        self.settings_page: SettingsPage | None = None  # the IT officer's settings tab (ditto)
        self.sync_page: SyncPage | None = None  # the IT officer's sync tab (ditto)
        self.sync_status: SyncStatusLabel | None = None  # every signed-in role (ditto)
        self._offer_by_role(new_action, audit_action)
        self._settings = QSettings(str(paths.data_dir() / "window.ini"), QSettings.Format.IniFormat)
        self._restore_geometry()
        # The list's first read starts once the window is up, not while it is being built.
        QTimer.singleShot(0, self.complaints, self.complaints.start)
        file_menu.insertAction(quit_action, self.session_lock.switch_action)

    def _offer_by_role(self, new_action: QAction, audit_action: QAction) -> None:
        """What the signed-in role may not do is not offered (the services check it too)."""
        actor = self.desk.actor
        if actor is None:  # nobody signed in (never from run_gui): nothing is offered
            self.tabs.removeTab(self.tabs.indexOf(self.intake))
            self.intake.hide()
            for action in (new_action, audit_action):
                action.setEnabled(False)
            return
        user_label = QLabel(f"{actor.full_name or actor.username} · {actor.role.label}")
        user_label.setObjectName("user_label")
        self.statusBar().addPermanentWidget(user_label)
        if self.sync_status is None:  # how many complaints wait to be sent; IT: online or not
            self.sync_status = SyncStatusLabel(self.desk, self.runner)
            self.statusBar().addPermanentWidget(self.sync_status)
            self.sync_status.start()
        if not actor.may(Action.RECORD):
            self.tabs.removeTab(self.tabs.indexOf(self.intake))
            self.intake.hide()
            new_action.setEnabled(False)
        audit_action.setEnabled(self.audit is not None)
        if actor.may(Action.MANAGE_USERS) and self.users is None:
            from ui.admin.users_page import UsersPage

            self.users = UsersPage(self.desk, self.runner)
            self.tabs.addTab(self.users, _("Users"))
        may_backup = actor.may(Action.BACKUP) or actor.may(Action.RESTORE)
        if may_backup and self.backups is None:
            from ui.admin.backup_page import BackupPage

            self.backups = BackupPage(self.desk, self.runner)
            self.tabs.addTab(self.backups, _("Backups"))
        if actor.may(Action.CONFIGURE_DESK) and self.settings_page is None:
            from ui.admin.settings_page import SettingsPage

            self.settings_page = SettingsPage(self.desk, self.runner)
            self.settings_page.changed.connect(self._setting_changed)
            self.tabs.addTab(self.settings_page, _("Settings"))
        if actor.may(Action.CONFIGURE_SYNC) and self.sync_page is None:
            self.sync_page = SyncPage(self.desk, self.runner)
            self.tabs.addTab(self.sync_page, _("Sync"))
            self.sync_page.running_changed.connect(lambda _r: self.sync_status.refresh())
            self.sync_page.finished.connect(self._sync_finished)
            self.sync_page.failed.connect(self.sync_status.set_note)
        if actor.may(Action.PERSONAL_DATA) and self.privacy is None:
            from ui.admin.privacy_page import PrivacyPage

            self.privacy = PrivacyPage(self.desk, self.runner)
            self.tabs.addTab(self.privacy, _("Personal data"))

    def _sync_finished(self, report) -> None:
        """After a run: the status bar's counts, and the list for the statuses it brought."""
        self.sync_status.set_note("")  # a run happened: its outcome is in the overview
        self.sync_status.refresh()
        if report.statuses:
            self.complaints.model.refresh()
            self.complaints.look_for_changes()
        if report.references:
            if self.sync_page is not None and self.sync_page.automatic:
                # Not under the IT officer's hands: used from the next sign-in (the session
                # lock's sign-in reads the desk again), said in the status bar.
                note = _("Reference data refreshed: {names}. It is used from the next sign-in.")
                self.statusBar().showMessage(note.format(names=report.references_text), 30_000)
            else:  # after the slot: the old window closes in use_new_reference
                QTimer.singleShot(0, lambda: self.use_new_reference(report.references_text))

    def use_new_reference(self, names: str) -> QMainWindow:
        """A sync the IT officer ran brought new reference sets (categories, agencies,
        regions): this window is built again on them, on its Sync tab, as after a setting."""
        desk = self.desk.reloaded()
        said = self.sync_page.message.text() if self.sync_page is not None else ""
        new = self.session_lock.replace_window(desk.actor, desk=desk)
        if new.sync_page is not None:
            new.tabs.setCurrentWidget(new.sync_page)
            new.sync_page.message.setText(said)  # the run's report stays on screen
        note = _("Reference data refreshed: {names}. The window uses it now.")
        new.statusBar().showMessage(note.format(names=names), 30_000)
        return new

    def may(self, action: Action) -> bool:
        return self.desk.actor is not None and self.desk.actor.may(action)

    # -- navigation --------------------------------------------------------------------

    def go_intake(self) -> None:
        if not self.may(Action.RECORD):
            return
        self.tabs.setCurrentWidget(self.intake)
        if self.intake.stack.currentIndex() == 1:
            self.intake.new_complaint()
        else:
            self.intake.form.focus_first()

    def go_list(self) -> None:
        self.tabs.setCurrentWidget(self.complaints)
        self.complaints.focus_search()

    def go_audit(self) -> None:
        if self.audit is None:  # a role that may not read the trail has no such page
            return
        self.tabs.setCurrentWidget(self.audit)
        self.audit.focus_filters()

    def _tab_changed(self, index: int) -> None:
        if self.audit is not None and self.tabs.widget(index) is self.audit:
            self.audit.start()  # read when shown: the trail grows while other tabs are used
        elif self.tabs.widget(index) is self.complaints:
            self.complaints.look_for_changes()  # a sync may have brought statuses meanwhile

    def show_in_list(self, number: str) -> None:
        self.tabs.setCurrentWidget(self.complaints)
        self.complaints.find(number)

    def show_about(self) -> None:
        messages.info(
            self,
            _("About Meja Aduan"),
            _("Meja Aduan {version}\nData folder: {folder}").format(
                version=__version__, folder=paths.data_dir()
            )
            + "\n\n"
            + _("Reference data:")
            + "\n"
            + "\n".join(reference_data.source_line(s) for s in self.desk.reference.sources),
        )

    # -- settings changed by IT ----------------------------------------------------------

    def _setting_changed(self, result) -> None:
        if not result.changed:
            return
        if result.name == "idle_lock_minutes":
            minutes = settings.get(self.desk.db, "idle_lock_minutes")
            self.session_lock.watcher.set_interval(minutes * 60_000)
        elif result.name == "sync_auto_minutes" and self.sync_page is not None:
            self.sync_page.apply_auto_setting()
        elif result.name in REBUILT_BY:
            # After the save's own slot has returned: the old window closes in apply_settings.
            QTimer.singleShot(0, lambda: self.apply_settings(result.name))

    def apply_settings(self, name: str = "") -> QMainWindow:
        """Build this window again on the desk's settings as stored now (same user, same
        size), its settings tab open on `name`; this one closes. Returns the new window (also
        emitted as session_lock.replaced)."""
        desk = self.desk.reloaded()
        if desk.language != i18n.language():
            i18n.install(desk.language)
            qt_language.apply_locale()  # dates and Qt's own dialogs of the new window
        new = self.session_lock.replace_window(desk.actor, desk=desk)
        if new.settings_page is not None:
            new.settings_page.want(name)
            new.tabs.setCurrentWidget(new.settings_page)
            new.settings_page.table.setFocus()
        if name:
            note = _("{setting} saved: the window shows it now.")
            new.statusBar().showMessage(note.format(setting=settings.label(name)), 15_000)
        return new

    # -- window state ------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self._settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)  # maximised again if it was closed maximised
        else:  # the first start: the whole screen, and a sensible size when un-maximised
            resize_within_screen(self, 1280, 800)
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        splitter = self._settings.value("main/list_splitter")
        if isinstance(splitter, QByteArray):
            self.complaints.splitter.restoreState(splitter)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Closing keeps what was typed: the draft is written before the window goes."""
        if not self.intake.form.get_form().is_blank() and self.intake.stack.currentIndex() == 0:
            self.intake.save_draft_now()
        if self.sync_page is not None:
            self.sync_page.cancel()  # a run under way stops at its next step
        self.runner.wait()
        self._settings.setValue("main/geometry", self.saveGeometry())
        self._settings.setValue("main/list_splitter", self.complaints.splitter.saveState())
        self._settings.sync()
        super().closeEvent(event)
        event.accept()
