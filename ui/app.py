"""Starting the GUI: the application object, the language, opening the desk (with a clear
message when the database cannot be opened), the main window, and the draft offer."""

from __future__ import annotations

import datetime as dt
import logging
import sys

import shiboken6
from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from desk_app import i18n, logs, paths
from desk_app.domain.roles import Action
from desk_app.errors import DatabaseDamaged, DeskError, DeskReadOnly
from desk_app.i18n import _

from ui import messages, qt_language
from ui.style import STYLE_SHEET


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("Meja Aduan")
    app.setOrganizationName("MejaAduan")
    app.setStyleSheet(STYLE_SHEET)
    qt_language.install()  # Qt's own buttons and dialogs through our catalog
    return app


def offer_newest_backup(data_dir: str | None) -> bool:
    """The database is damaged: offer the newest good backup (never restored without a yes and
    an IT officer's sign-in against that backup). True when it was restored; a refusal is
    shown and nothing changes."""
    from desk_app.services import backup

    newest = backup.newest_good_backup(paths.backups_dir())
    if newest is None:
        return False
    item = backup.parse_name(newest.name)
    when = item.when.replace(tzinfo=dt.UTC).astimezone().strftime("%d/%m/%Y %H:%M") if item else ""
    if not messages.confirm(
        None,
        _("Restore the newest backup?"),
        _(
            "The newest good backup is {name} (made {when}). Restore it? Everything recorded "
            "after it was made will be missing. The damaged database is kept in the backups "
            "folder first, so nothing is deleted."
        ).format(name=newest.name, when=when),
        _("Restore the backup"),
        _("Close Meja Aduan"),
        safe=messages.NO,  # a restore drops what came after the backup: only when chosen
    ):
        return False
    from ui.login import LoginDialog

    if LoginDialog.ask_restorer(newest) is None:  # restore never skips sign-in
        return False
    try:
        backup.restore(data_dir, newest)
    except DeskError as exc:  # RestoreRefused, DeskInUse: nothing was changed
        messages.show_error(None, exc)
        return False
    return True


def _show_uncaught(exc_type, exc, tb) -> None:
    """sys.excepthook of the window: an exception no slot caught. Expected failures in words;
    a bug logged (type and traceback only) and shown with "copy details"; never a console
    traceback the user cannot see."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc is None:
        exc = exc_type()
    exc.__traceback__ = tb
    try:
        messages.show_error(QApplication.activeWindow(), exc)
    except Exception:  # noqa: BLE001 - the box itself failed: the log still gets it
        logs.log_bug(exc)


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def install_error_hooks():
    """Uncaught exceptions go to the error box; Qt's own warnings go to the (scrubbed) log,
    then on to any handler installed before (pytest-qt's, in tests). Returns that handler."""
    sys.excepthook = _show_uncaught
    qt_log = logging.getLogger("qt")
    previous = None

    def handler(kind, context, text) -> None:
        qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", text)
        if previous is not None:
            previous(kind, context, text)

    previous = qInstallMessageHandler(handler)
    return previous


def run_gui(data_dir: str | None = None) -> int:
    paths.private_umask()  # files this process makes are the user's only (see desk_app.paths)
    folder = paths.init(data_dir)  # the language was chosen by the CLI (--lang, ...)
    logs.setup()  # a rotating file in the data folder, scrubbed of personal identifiers
    app = make_application()
    install_error_hooks()
    from ui import instance

    first, lock = instance.acquire(folder)
    if not first:
        messages.info(
            None,
            _("Meja Aduan is already open"),
            _(
                "Meja Aduan is already open on this computer for the data folder {path}. "
                "Switch to that window (look in the taskbar); a second window on the same "
                "desk is not opened."
            ).format(path=folder),
        )
        return 1
    try:
        return _run(app, data_dir)
    finally:
        if lock is not None:
            lock.unlock()


def _run(app: QApplication, data_dir: str | None) -> int:
    from ui.login import LoginDialog

    # The sign-in form is up before the database layer is even imported: the clerk types while
    # the desk opens on a worker (cold start, issue 11).
    forms = [LoginDialog.before_desk()]
    try:
        return _open_and_sign_in(app, data_dir, forms)
    finally:
        for form in forms:
            if shiboken6.isValid(form):
                form.close()
                form.deleteLater()


def open_off_gui_thread(data_dir: str | None):
    """open_desk(data_dir) on a worker while the GUI thread keeps painting and taking keys;
    returns the Desk or raises what open_desk raised. The worker then imports the modules the
    main window needs, so that signing in does not wait for them."""
    from PySide6.QtCore import QEventLoop

    from ui.workers import Runner

    runner = Runner()
    outcome: dict = {}
    loop = QEventLoop()

    def settle(key: str, value) -> None:
        outcome[key] = value
        loop.quit()

    runner.write(  # open_desk may migrate: the one writer
        _open_and_load,
        data_dir,
        on_done=lambda desk: settle("desk", desk),
        on_error=lambda exc: settle("error", exc),
    )
    while not outcome:  # a quit() meant for the application also ends this loop: wait on
        loop.exec()
    runner.wait()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["desk"]


def _open_and_load(data_dir: str | None):
    """Runs on a worker; do not touch widgets."""
    from desk_app.services.desk import open_desk

    desk = open_desk(data_dir)
    import ui.main_window  # noqa: F401 - imported here, off the GUI thread, once

    return desk


def _open_and_sign_in(app: QApplication, data_dir: str | None, forms: list) -> int:
    from ui.login import LoginDialog

    form = forms[0]
    try:
        desk = open_off_gui_thread(data_dir)
    except DeskError as exc:
        form.hide()
        messages.show_error(None, exc)
        if not (isinstance(exc, DatabaseDamaged) and offer_newest_backup(data_dir)):
            return 1
        from desk_app.services.desk import open_desk

        try:
            desk = open_desk(data_dir)
        except DeskError as again:
            messages.show_error(None, again)
            return 1
        form = form.again()  # the restored desk: its sign-in
        forms.append(form)
    if desk.db.damaged or desk.db.read_only:  # opens for reading; say why nothing saves
        problem = (
            DatabaseDamaged(path=str(desk.db.path))
            if desk.db.damaged
            else DeskReadOnly(path=str(paths.data_dir()))
        )
        if desk.db.damaged:
            form.hide()
        messages.show_error(None, problem)
        if desk.db.damaged:
            desk.close()
            if offer_newest_backup(data_dir):
                return _run(app, data_dir)
            return 1
    if not form.isVisible():  # Quit pressed while the desk was being opened
        desk.close()
        return 0
    if i18n.follow_desk(desk.language) != form.language:  # the desk's language unless --lang
        form = form.again()
        forms.append(form)
    qt_language.apply_locale()
    from desk_app.services import accounts
    from desk_app.services.desk import check_integrity

    from ui.main_window import MainWindow

    if not accounts.has_users(desk.db):  # first run: the desk's identity and its IT officer
        from ui.setup_wizard import SetupWizard

        form.hide()
        # The new IT officer is signed in. Closing the wizard opens nothing: a desk records
        # only once it has its own desk code and a signed-in user.
        actor = SetupWizard.ask(desk)
        if actor is not None:
            desk = desk.reloaded().acting(actor)
    if desk.actor is None:
        if not accounts.has_users(desk.db):
            desk.close()
            return 0
        actor = LoginDialog.ask(desk, shown=form)
        if actor is None:
            desk.close()
            return 0
        desk = desk.acting(actor)
    form.hide()

    window = MainWindow(desk)
    window.show()
    # The full integrity check reads every page: after the window is up, on a worker; then the
    # day's automatic backup, if none was made yet.
    from desk_app.services import backup

    log = logging.getLogger(__name__)
    window.runner.read(
        check_integrity,
        desk,
        on_done=lambda _r: window.runner.write(
            backup.daily_backup_if_due,
            desk,
            on_error=lambda exc: log.warning("daily backup failed: %s", type(exc).__name__),
        ),
        on_error=lambda exc: messages.show_error(window, exc),
    )
    if window.may(Action.RECORD):  # the draft belongs to who records
        QTimer.singleShot(0, window.intake.offer_restore)
    QTimer.singleShot(0, window.intake.form.focus_first)
    from desk_app import startup

    QTimer.singleShot(1000, startup.settle)  # once the window is up and painted
    log.info("desk window opened")
    code = app.exec()
    desk.close()
    return code


if __name__ == "__main__":
    print(_("Start the app with `desk-app`."), file=sys.stderr)
