"""Starting the GUI: the application object, the language, opening the desk (with a clear
message when the database cannot be opened), the main window, and the draft offer."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desk_app import logs, paths
from desk_app.errors import DeskError
from desk_app.i18n import _

from ui import messages
from ui.style import STYLE_SHEET


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("Meja Aduan")
    app.setOrganizationName("MejaAduan")
    app.setStyleSheet(STYLE_SHEET)
    return app


def run_gui(data_dir: str | None = None) -> int:
    from desk_app.services.desk import open_desk

    paths.private_umask()  # files this process makes are the user's only (see desk_app.paths)
    paths.init(data_dir)  # the language was chosen by the CLI (--lang, $MEJA_ADUAN_LANG)
    logs.setup()  # a rotating file in the data folder, scrubbed of personal identifiers
    app = make_application()
    try:
        desk = open_desk(data_dir)
    except DeskError as exc:
        messages.show_error(None, exc)
        return 1
    from desk_app.services import accounts
    from desk_app.services.desk import check_integrity

    from ui.main_window import MainWindow

    if accounts.has_users(desk.db):  # a desk that was set up: everyone signs in
        from ui.login import LoginDialog

        desk.actor = LoginDialog.ask(desk)
        if desk.actor is None:
            desk.close()
            return 0

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
    QTimer.singleShot(0, window.intake.offer_restore)
    QTimer.singleShot(0, window.intake.form.focus_first)
    log.info("desk window opened")
    code = app.exec()
    desk.close()
    return code


if __name__ == "__main__":
    print(_("Start the app with `desk-app`."), file=sys.stderr)
