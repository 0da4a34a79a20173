"""The sync note in every signed-in window's status bar: how many complaints wait to be sent,
and, for those who sync (the IT officer), whether the last run reached the province.

It reads sync.overview (counts only: open to any signed-in user) on a worker, when the window
opens, every minute, and after each run; it never blocks the GUI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from desk_app.domain.roles import Action
from desk_app.formatting import datetime_text
from desk_app.i18n import _, ngettext
from desk_app.services import sync
from desk_app.services.desk import Desk
from desk_app.services.sync import SyncOverview

from ui.workers import Runner

log = logging.getLogger(__name__)

REFRESH_MS = 60_000
# A run that stopped for one of these never got an answer from the province: offline.
OFFLINE = frozenset({"unreachable", "timeout", "tls_refused", "unavailable", "server_error"})


def waiting_text(ov: SyncOverview) -> str:
    return ngettext(
        "{count} complaint waits to be sent",
        "{count} complaints wait to be sent",
        ov.waiting,
    ).format(count=ov.waiting)


def connection_text(ov: SyncOverview, zone) -> tuple[str, str]:
    """(short words, tooltip) for the last run: online, offline, refused or never run."""
    if ov.running:
        return _("Sync running…"), ""
    if ov.last_sync_at is None:
        return _("Not synced yet"), _("No sync has run yet.")
    when = datetime_text(ov.last_sync_at, zone)
    if not ov.last_error:
        return _("Online"), _("Last sync {when}: finished.").format(when=when)
    reason = _("Last sync {when}: {reason}").format(
        when=when, reason=sync.stop_reason(ov.last_error)
    )
    if ov.last_error in OFFLINE:
        return _("Offline"), reason
    if ov.last_error == "cancelled":
        return _("Last sync cancelled"), reason
    return _("Sync refused"), reason


class SyncStatusLabel(QLabel):
    """The status bar's sync note; refresh() reads the counts again."""

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.desk, self.runner = desk, runner
        actor = desk.actor
        self.shows_connection = actor is not None and actor.may(Action.RUN_SYNC)
        self.overview: SyncOverview | None = None
        self.note = ""  # why a run could not start or broke, until the next run (IT only)
        self._reading = False
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        if self._reading or self.desk.actor is None:
            return
        self._reading = True
        self.runner.read(sync.overview, self.desk, on_done=self._read, on_error=self._failed)

    def set_note(self, text: str) -> None:
        self.note = text
        if self.overview is not None:
            self._show(self.overview)

    def _read(self, ov: SyncOverview) -> None:
        self._reading = False
        self.overview = ov
        self._show(ov)

    def _failed(self, exc: BaseException) -> None:
        """No box every minute: a busy database is read again at the next refresh."""
        self._reading = False
        log.warning("sync overview not read: %s", type(exc).__name__)

    def _show(self, ov: SyncOverview) -> None:
        text = waiting_text(ov)
        tip = ""
        if self.shows_connection:
            state, tip = connection_text(ov, self.desk.zone)
            if self.note:
                state = _("Sync stopped")
                tip = f"{tip}\n{self.note}" if tip else self.note
            text = f"{state} · {text}"
        self.setText(text)
        self.setToolTip(tip)
