"""The IT officer's sync screen: the connection to the provincial system, what waits and what
was refused, "Send now" with a progress bar and Cancel, the per-item results of the last run,
the refused items with "Send again", the batch history and the check of the audit anchors.

The run goes off the GUI thread (Runner.long) with plain values only: the desk, a callable
that emits progress as a signal, and a callable that says whether Cancel was pressed. The
automatic sync (setting sync_auto_minutes) is a QTimer here, in the IT officer's window only;
its errors are shown on this screen and in the status bar, never as a pop-up.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app import settings
from desk_app.errors import DeskError, ValidationFailed
from desk_app.formatting import datetime_text
from desk_app.i18n import _, ngettext
from desk_app.services import sync
from desk_app.services.desk import Desk
from desk_app.services.sync import (
    AnchorReport,
    BatchSummary,
    ItemView,
    SyncConfig,
    SyncOverview,
    SyncProgress,
    SyncReport,
)

from ui import messages, qt_language
from ui.field_form import FieldForm
from ui.sync.models import BatchesModel, ItemsModel
from ui.sync.secret_dialog import SecretDialog
from ui.tables import record_table
from ui.workers import Runner

log = logging.getLogger(__name__)


def phase_text(step: SyncProgress) -> str:
    if step.phase == "connect":
        return _("Connecting to the provincial server…")
    if step.phase == "upload":
        return _("Sending complaints: {done} of {total}").format(done=step.done, total=step.total)
    if step.phase == "statuses":
        return _("Reading the province's statuses…")
    if step.phase == "reference":
        return _("Refreshing the reference data…")
    return _("Finishing…")


def report_text(report: SyncReport) -> str:
    """What a run did, in words, on one line (services.sync.report_lines)."""
    return " ".join(sync.report_lines(report))


def anchors_text(report: AnchorReport) -> str:
    """The AnchorReport in words (the CLI's `audit verify --anchors` says the same)."""
    if report.ok:
        return ngettext(
            "The trail holds the {count} anchor the provincial system keeps.",
            "The trail holds all {count} anchors the provincial system keeps.",
            report.anchors,
        ).format(count=report.anchors)
    lines = [
        ngettext(
            "The audit trail no longer holds {count} event the provincial system saw: "
            "it was cut or rewritten after a sync.",
            "The audit trail no longer holds {count} events the provincial system saw: "
            "it was cut or rewritten after a sync.",
            len(report.problems),
        ).format(count=len(report.problems))
    ]
    lines += [sync.anchor_problem_text(no, kind) for no, kind in report.problems[:5]]
    if len(report.problems) > 5:
        lines.append(_("… and {count} more.").format(count=len(report.problems) - 5))
    return "\n".join(lines)


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows, read in one go on a worker."""

    overview: SyncOverview
    batches: list[BatchSummary]
    refused: list[ItemView]
    last_items: list[ItemView] = field(default_factory=list)


def read_snapshot(desk: Desk, last_batches: int) -> Snapshot:
    """Counts, history, refused items and the items of the newest `last_batches` batches
    (runs on a worker)."""
    history = sync.batches(desk)
    items: list[ItemView] = []
    for batch in reversed(history[:last_batches]):
        items.extend(sync.batch_items(desk, batch.batch_id))
    return Snapshot(sync.overview(desk), history, sync.rejected(desk), items)


def run_sync(desk: Desk, progress, cancelled) -> SyncReport:
    """sync.run with plain callables (runs on a worker; do not touch widgets)."""
    return sync.run(desk, progress=progress, cancelled=cancelled)


class _ProgressSignal(QObject):
    """Carries a run's progress from the worker to the GUI thread."""

    step = Signal(object)


def _table(name: str, model) -> QTableView:
    return record_table(model, name, single=False, wrap=False)


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


class SyncPage(QWidget):
    """Signals: loaded() after the screen was read; saved(SyncConfig) after the connection was
    set up; running_changed(bool); finished(SyncReport) after a run (also a stopped one: its
    error is in the report and the overview); failed(str) with the words shown when a run
    could not start (no secret, busy) or broke;
    anchors_checked(AnchorReport); resent(int) after "Send again"."""

    loaded = Signal()
    saved = Signal(object)
    running_changed = Signal(bool)
    finished = Signal(object)
    failed = Signal(str)
    anchors_checked = Signal(object)
    resent = Signal(int)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.config: SyncConfig | None = None
        self.running = False
        self.automatic = False  # the run under way was started by the timer
        self._cancel = threading.Event()
        self._last_batches = 1
        self._ran_this_session = False
        self._progress = _ProgressSignal(self)
        self._progress.step.connect(self._stepped)

        title = QLabel(_("Sync with the provincial system"))
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        hint = _hint(
            _(
                "Recorded complaints are sent to the provincial system in batches; the statuses "
                "the province sets come back to the complaint list. Nothing is sent twice and "
                "nothing is lost when the connection drops: send again later."
            )
        )

        # -- the connection --
        self.form = FieldForm()
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://lapor.riau.go.id")
        self.client_id = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_bundle = QLineEdit()
        self.ca_button = QPushButton(_("Bro&wse…"))
        self.ca_button.setObjectName("choose_ca_bundle")
        self.ca_button.clicked.connect(self.choose_ca_bundle)
        ca_row = QWidget()
        ca_layout = QHBoxLayout(ca_row)
        ca_layout.setContentsMargins(0, 0, 0, 0)
        ca_layout.addWidget(self.ca_bundle, 1)
        ca_layout.addWidget(self.ca_button)
        self.form.add("server", _("Server a&ddress"), self.server)
        self.form.add("client_id", _("C&lient id"), self.client_id)
        self.form.add("secret", _("Client s&ecret"), self.secret)
        self.form.add("ca_bundle", _("Province's C&A file"), ca_row)
        self.form.fields["ca_bundle"] = self.ca_bundle  # errors mark the path field
        self.ca_bundle.setObjectName("ca_bundle")
        ca_row.setObjectName("ca_bundle_row")
        self.secret_note = _hint()
        self.secret_note.setObjectName("secret_note")
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("keyring_note")
        self.keyring_note.setProperty("role", "error")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.hide()
        self.save_button = QPushButton(_("Sa&ve connection"))
        self.save_button.setObjectName("save_connection")
        self.save_button.clicked.connect(self.save_connection)
        self.saved_note = _hint()
        self.saved_note.setObjectName("saved_note")
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.saved_note, 1)
        connection = QGroupBox(_("Connection"))
        connection_layout = QVBoxLayout(connection)
        connection_layout.addLayout(self.form)
        connection_layout.addWidget(self.secret_note)
        connection_layout.addWidget(self.keyring_note)
        connection_layout.addLayout(save_row)
        connection_layout.addStretch(1)

        # -- the counts and the run --
        self.counts: dict[str, QLabel] = {}
        grid = QGridLayout()
        for column, (key, text) in enumerate(
            (
                ("waiting", _("Waiting")),
                ("rejected", _("Rejected")),
                ("conflicts", _("Conflicts")),
                ("sent", _("Sent")),
            )
        ):
            number = QLabel("–")
            number.setObjectName(f"count_{key}")
            number.setStyleSheet("font-size: 16pt; font-weight: bold;")
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.counts[key] = number
            name = QLabel(text)
            name.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(number, 0, column)
            grid.addWidget(name, 1, column)
        self.last_run = _hint()
        self.last_run.setObjectName("last_run")
        self.send_button = QPushButton(_("&Send now"))
        self.send_button.setObjectName("send_now")
        self.send_button.clicked.connect(self.send_now)
        self.cancel_button = QPushButton(_("Ca&ncel"))
        self.cancel_button.setObjectName("cancel_sync")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("sync_progress")
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        run_row = QHBoxLayout()
        run_row.addWidget(self.send_button)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.cancel_button)
        self.step_label = _hint()
        self.step_label.setObjectName("sync_step")
        self.message = QLabel()
        self.message.setObjectName("sync_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.anchors_button = QPushButton(_("Check the audit &trail against the province"))
        self.anchors_button.setObjectName("check_anchors")
        self.anchors_button.clicked.connect(self.check_anchors)
        self.anchors_result = QLabel()
        self.anchors_result.setObjectName("anchors_result")
        self.anchors_result.setWordWrap(True)
        anchors_row = QHBoxLayout()
        anchors_row.addWidget(self.anchors_button)
        anchors_row.addStretch(1)
        sending = QGroupBox(_("Sending"))
        sending_layout = QVBoxLayout(sending)
        sending_layout.addLayout(grid)
        sending_layout.addWidget(self.last_run)
        sending_layout.addLayout(run_row)
        sending_layout.addWidget(self.step_label)
        sending_layout.addLayout(anchors_row)
        sending_layout.addStretch(1)

        top = QHBoxLayout()
        top.addWidget(connection, 1)
        top.addWidget(sending, 1)

        # -- results, refused items, history --
        self.results_model = ItemsModel(self)
        self.results_table = _table("results_table", self.results_model)
        self.results_caption = _hint()
        self.results_caption.setObjectName("results_caption")
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.addWidget(self.results_caption)
        results_layout.addWidget(self.results_table, 1)

        self.refused_model = ItemsModel(self)
        self.refused_table = _table("refused_table", self.refused_model)
        self.refused_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.refused_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_buttons()
        )
        self.send_again_button = QPushButton(_("Send a&gain"))
        self.send_again_button.setObjectName("send_again")
        self.send_again_button.clicked.connect(self.send_again)
        refused_hint = _hint(
            _(
                "A rejected complaint is corrected first (Complaints tab, Correct…), then sent "
                "again. A conflict is sent again as a correction carrying this desk's version."
            )
        )
        refused_bar = QHBoxLayout()
        refused_bar.addWidget(refused_hint, 1)
        refused_bar.addWidget(self.send_again_button)
        refused = QWidget()
        refused_layout = QVBoxLayout(refused)
        refused_layout.addLayout(refused_bar)
        refused_layout.addWidget(self.refused_table, 1)

        self.history_model = BatchesModel(desk.zone, self)
        self.history_table = _table("history_table", self.history_model)
        self.history_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._batch_chosen()
        )
        self.batch_model = ItemsModel(self)
        self.batch_table = _table("batch_items_table", self.batch_model)
        history = QSplitter(Qt.Orientation.Vertical)
        history.addWidget(self.history_table)
        history.addWidget(self.batch_table)

        self.lists = QTabWidget()
        self.lists.setObjectName("sync_lists")
        self.lists.addTab(results, _("Results of the last run"))
        self.lists.addTab(refused, _("Rejected and conflicts"))
        self.lists.addTab(history, _("Batch history"))

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(top)
        # What a run or the anchor check said: the whole width, so that it wraps least.
        layout.addWidget(self.message)
        layout.addWidget(self.anchors_result)
        layout.addWidget(self.lists, 1)

        self.auto_timer = QTimer(self)
        self.auto_timer.setObjectName("auto_sync_timer")
        self.auto_timer.timeout.connect(self.auto_sync)
        self.apply_auto_setting()
        self._update_buttons()

    # -- reading -----------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """Read when shown: the CLI or the automatic run may have changed things meanwhile."""
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self.runner.read(
            sync.config, self.desk, on_done=self._config_read, on_error=self._read_failed
        )
        self.refresh_lists()

    def refresh_lists(self) -> None:
        self.runner.read(
            read_snapshot,
            self.desk,
            self._last_batches,
            on_done=self._snapshot_read,
            on_error=self._read_failed,
        )

    def _read_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DeskError):
            self.message.setText(exc.message())
        else:
            messages.show_error(self, exc)

    def _config_read(self, cfg: SyncConfig, *, fill: bool = True) -> None:
        first = self.config is None
        self.config = cfg
        if fill and (first or not self.server.isModified()):
            self.server.setText(cfg.server)
            self.client_id.setText(cfg.client_id)
            self.ca_bundle.setText(cfg.ca_bundle)
        if cfg.secret_stored:
            self.secret_note.setText(
                _("A secret is kept: leave the secret empty to keep it, or type a new one.")
            )
        elif cfg.configured:
            self.secret_note.setText(
                _("No secret is at hand: type it here, or Send now will ask for it.")
            )
        else:
            self.secret_note.setText(
                _("Type the server address, client id and secret the province gave.")
            )
        self.keyring_note.setVisible(not cfg.keyring_ok)
        self.keyring_note.setText(
            _(
                "This computer has no keyring: the secret is kept for this session only, in "
                "memory, and asked for again after Meja Aduan is started again."
            )
        )
        self._update_buttons()

    def _snapshot_read(self, snap: Snapshot) -> None:
        self._show_overview(snap.overview)
        chosen = self._chosen_batch_id()
        self.history_model.set_rows(snap.batches)
        if chosen:
            row = next((i for i, b in enumerate(snap.batches) if b.batch_id == chosen), -1)
            if row >= 0:
                self.history_table.selectRow(row)
        self.refused_model.set_rows(snap.refused)
        self.results_model.set_rows(snap.last_items)
        if not snap.batches:
            self.results_caption.setText(_("Nothing has been sent yet."))
        elif self._ran_this_session:
            self.results_caption.setText(
                ngettext(
                    "The items of the {count} batch the last run sent.",
                    "The items of the {count} batches the last run sent.",
                    self._last_batches,
                ).format(count=self._last_batches)
            )
        else:
            self.results_caption.setText(_("The items of the newest batch."))
        self.lists.setTabText(
            1,
            _("Rejected and conflicts ({count})").format(count=len(snap.refused)),
        )
        self._update_buttons()
        self.loaded.emit()

    def _show_overview(self, ov: SyncOverview) -> None:
        for key in ("waiting", "rejected", "conflicts", "sent"):
            self.counts[key].setText(str(getattr(ov, key)))
        if ov.last_sync_at is None:
            self.last_run.setText(_("No sync has run yet."))
        else:
            when = datetime_text(ov.last_sync_at, self.desk.zone)
            if ov.last_error:
                self.last_run.setText(
                    _("Last sync {when}: {reason}").format(
                        when=when, reason=sync.stop_reason(ov.last_error)
                    )
                )
            else:
                self.last_run.setText(_("Last sync {when}: finished.").format(when=when))

    def _chosen_batch_id(self) -> str | None:
        rows = self.history_table.selectionModel().selectedRows()
        return self.history_model.row_at(rows[0].row()).batch_id if rows else None

    def _batch_chosen(self) -> None:
        batch_id = self._chosen_batch_id()
        if batch_id is None:
            self.batch_model.set_rows([])
            return
        self.runner.read(
            sync.batch_items,
            self.desk,
            batch_id,
            on_done=self.batch_model.set_rows,
            on_error=self._read_failed,
        )

    def _update_buttons(self) -> None:
        configured = self.config is not None and self.config.configured
        self.send_button.setEnabled(not self.running)
        self.cancel_button.setEnabled(self.running)
        self.anchors_button.setEnabled(configured and not self.running)
        self.send_again_button.setEnabled(
            bool(self.refused_table.selectionModel().selectedRows()) and not self.running
        )

    # -- the connection ----------------------------------------------------------------

    def choose_ca_bundle(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        start = self.ca_bundle.text().strip()
        name, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose the province's CA certificate"),
            str(Path(start).parent) if start else "",
            _("Certificates (*.pem *.crt *.cer);;All files (*)"),
            options=qt_language.file_dialog_options(),
        )
        if name:
            self.ca_bundle.setText(name)

    def save_connection(self) -> None:
        self.form.show_errors({})
        self.saved_note.clear()
        secret = self.secret.text()
        self.runner.write(
            sync.configure,
            self.desk,
            self.server.text(),
            self.client_id.text(),
            secret if secret.strip() else None,
            self.ca_bundle.text(),
            on_done=self._saved,
            on_error=self._save_refused,
        )

    def _saved(self, cfg: SyncConfig) -> None:
        self.secret.clear()  # never left on screen
        self.server.setModified(False)
        self._config_read(cfg)
        if cfg.keyring_ok:
            text = _("The connection was saved; the secret is in the system keyring.")
        else:
            text = _("The connection was saved; the secret is kept for this session only.")
        self.saved_note.setText(text)
        self.saved.emit(cfg)

    def _save_refused(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.errors)
        elif isinstance(exc, sync.SyncSetupRefused):
            self.form.show_errors({"server": exc.message()})
        else:
            messages.show_error(self, exc)

    # -- the run -----------------------------------------------------------------------

    def send_now(self) -> None:
        """The IT officer's "Send now": ask for the secret first where none is at hand."""
        if self.running:
            return
        if self.config is not None and self.config.configured and not self.config.secret_stored:
            self._ask_secret_then_run()
            return
        self._start(automatic=False)

    def _ask_secret_then_run(self) -> None:
        self._ask_secret_then(lambda: self._start(automatic=False))

    def _ask_secret_then(self, then) -> None:
        """Ask for the secret (no keyring keeps it), hold it for the session, then go on."""
        secret = SecretDialog.ask(self)
        if secret is None:
            return
        self.runner.read(
            sync.remember_secret_for_session,
            self.desk,
            secret,
            on_done=lambda _r: self._secret_remembered(then),
            on_error=self._read_failed,
        )

    def _secret_remembered(self, then) -> None:
        self.runner.read(
            sync.config,
            self.desk,
            on_done=lambda cfg: (self._config_read(cfg, fill=False), then()),
            on_error=self._read_failed,
        )

    def auto_sync(self) -> None:
        """The timer's slot: a run when none is under way and the connection is set up."""
        if self.running or self.config is None or not self.config.configured:
            return
        self._start(automatic=True)

    def _start(self, automatic: bool) -> None:
        if self.running:
            return
        self.running, self.automatic = True, automatic
        self._cancel = threading.Event()
        self.progress.setRange(0, 0)  # busy until the first step says how much
        self.step_label.setText(_("Connecting to the provincial server…"))
        self.message.clear()
        self._update_buttons()
        self.running_changed.emit(True)
        self.runner.long(
            run_sync,
            self.desk,
            self._progress.step.emit,
            self._cancel.is_set,
            on_done=self._run_done,
            on_error=self._run_failed,
        )

    def cancel(self) -> None:
        """Stop the run at its next step; what was sent stays sent."""
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.step_label.setText(_("Cancelling…"))

    def _stepped(self, step: SyncProgress) -> None:
        if not self.running or self._cancel.is_set():
            return
        if step.phase == "upload" and step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
        elif step.phase == "done":
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
        else:
            self.progress.setRange(0, 0)
        self.step_label.setText(phase_text(step))

    def _stopped(self) -> None:
        self.running = False
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.step_label.clear()
        self._update_buttons()
        self.running_changed.emit(False)

    def _run_done(self, report: SyncReport) -> None:
        self._stopped()
        self._ran_this_session = True
        if report.batches:
            self._last_batches = report.batches
        text = report_text(report)
        if self.automatic:
            text = _("Automatic sync.") + " " + text
        self.message.setProperty("role", "error" if report.error else "")
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.refresh_lists()
        self.finished.emit(report)

    def _run_failed(self, exc: BaseException) -> None:
        was_automatic = self.automatic
        if self.running:
            self._stopped()
        if isinstance(exc, sync.SyncSecretNeeded) and not was_automatic:
            self._ask_secret_then_run()
            return
        if isinstance(exc, DeskError):
            text = exc.message()
        elif was_automatic:  # a bug, but no pop-up from a timer: said here and logged
            log.error("automatic sync broke: %s", type(exc).__name__)
            text = _(
                "Something unexpected went wrong. What you typed is kept. "
                "Please tell the IT officer and give them the details."
            )
        else:
            messages.show_error(self, exc)
            return
        if was_automatic:
            text = _("Automatic sync.") + " " + text
        self.message.setProperty("role", "error")
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.failed.emit(text)

    # -- the automatic run -------------------------------------------------------------

    def apply_auto_setting(self) -> None:
        """(Re)start the timer from the setting sync_auto_minutes (0: off)."""
        minutes = settings.get(self.desk.db, "sync_auto_minutes")
        if minutes:
            self.auto_timer.start(minutes * 60_000)
        else:
            self.auto_timer.stop()

    # -- send again, anchors ---------------------------------------------------------------

    def selected_refused(self) -> list[ItemView]:
        rows = sorted(i.row() for i in self.refused_table.selectionModel().selectedRows())
        return [self.refused_model.row_at(r) for r in rows]

    def send_again(self) -> None:
        chosen = self.selected_refused()
        if not chosen:
            return
        self.runner.write(
            sync.send_again,
            self.desk,
            [item.item_id for item in chosen],
            on_done=lambda n: self._sent_again(n, len(chosen)),
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _sent_again(self, queued: int, chosen: int) -> None:
        if not queued:
            text = _(
                "Nothing was queued: the chosen complaints were not corrected since they were "
                "rejected. Correct them first (Complaints tab, Correct…)."
            )
        else:
            text = ngettext(
                "{count} item will be sent again with the next sync.",
                "{count} items will be sent again with the next sync.",
                queued,
            ).format(count=queued)
            if queued < chosen:
                text += " " + _(
                    "The others were not corrected since they were rejected: correct them first."
                )
        self.message.setProperty("role", "")
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.refresh_lists()
        self.resent.emit(queued)

    def check_anchors(self) -> None:
        self.anchors_button.setEnabled(False)
        self.anchors_result.setText(_("Asking the provincial server…"))
        self.runner.read(
            sync.check_anchors,
            self.desk,
            on_done=self._anchors_read,
            on_error=self._anchors_failed,
        )

    def _anchors_read(self, report: AnchorReport) -> None:
        self._update_buttons()
        self.anchors_result.setProperty("role", "" if report.ok else "error")
        self.anchors_result.style().polish(self.anchors_result)
        self.anchors_result.setText(anchors_text(report))
        self.anchors_checked.emit(report)

    def _anchors_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        if isinstance(exc, sync.SyncSecretNeeded):
            self.anchors_result.clear()
            self._ask_secret_then(self.check_anchors)
            return
        if isinstance(exc, DeskError):
            self.anchors_result.setProperty("role", "error")
            self.anchors_result.style().polish(self.anchors_result)
            self.anchors_result.setText(exc.message())
        else:
            self.anchors_result.clear()
            messages.show_error(self, exc)
