"""The intake page: the form, saving it (duplicate check, then one durable write), the draft
autosave, and the panel that shows the tracking number large."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app import deadlines, settings
from desk_app.domain.complaint import ComplaintForm, ReportType
from desk_app.errors import ValidationFailed
from desk_app.formatting import date_text, datetime_text
from desk_app.i18n import _
from desk_app.services import attachments, drafts, intake, printing
from desk_app.services.desk import Desk
from desk_app.services.intake import Recorded

from ui import messages
from ui.intake.duplicates import LINK, DuplicatesDialog
from ui.intake.form import AUTOSAVE_MS, IntakeForm
from ui.printing.jobs import Printing
from ui.workers import Runner

log = logging.getLogger(__name__)


class SavedPanel(QWidget):
    """After saving: the number large, what to tell the citizen, and the next step."""

    new_requested = Signal()
    show_requested = Signal(str)
    print_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch()
        self.title = QLabel(_("Complaint recorded. Give the citizen this tracking number:"))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = QLabel()
        self.number.setObjectName("tracking_number")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel()
        self.details.setObjectName("saved_details")
        self.details.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details.setWordWrap(True)
        for widget in (self.title, self.number, self.details):
            layout.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch()
        self.new_button = QPushButton(_("&New complaint  (Enter / Ctrl+N)"))
        self.new_button.setObjectName("new_complaint")
        self.new_button.setDefault(True)
        self.new_button.clicked.connect(self.new_requested)
        self.show_button = QPushButton(_("&Open in the list"))
        self.show_button.clicked.connect(lambda: self.show_requested.emit(self.number.text()))
        self.print_button = QPushButton(_("Print &receipt  (Ctrl+P)"))
        self.print_button.setObjectName("print_receipt")
        self.print_button.clicked.connect(self.print_requested)
        row.addWidget(self.new_button)
        row.addWidget(self.print_button)
        row.addWidget(self.show_button)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch()
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self.new_requested.emit)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_requested.emit)

    def show_recorded(self, recorded: Recorded, desk: Desk, form: ComplaintForm) -> None:
        """`form`: what was saved; its report type and category say whether the deadline may
        be extended (an information request: +7 working days, UU 14/2008), as the detail and
        `desk-app show` say."""
        self.number.setText(recorded.tracking_no)
        text = _("Received {received}. Answer due by {due} (working days).").format(
            received=datetime_text(recorded.received_at, desk.zone),
            due=date_text(recorded.due_date),
        )
        report_type = ReportType.parse(form.report_type)
        if report_type is not None:
            note = deadlines.extension_note(report_type.value, form.category, desk.reference)
            if note:
                text += "\n" + _("The deadline {note}.").format(note=note)
        self.details.setText(text)
        self.new_button.setFocus()


class IntakePage(QWidget):
    """Signals: recorded(Recorded) after a complaint is on disk; open_in_list(str)."""

    recorded = Signal(object)
    open_in_list = Signal(str)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self._saving = False
        self.stack = QStackedWidget()
        self.form = IntakeForm(desk.reference, desk.zone, region=desk.region)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addWidget(scroll)
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("form_summary")
        self.summary.setProperty("role", "error")
        self.draft_note = QLabel()
        self.draft_note.setProperty("role", "hint")
        self.save_button = QPushButton(_("&Save  (Ctrl+S)"))
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton(_("Clear  (Esc)"))
        self.clear_button.clicked.connect(self.ask_discard)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.draft_note)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.save_button)
        form_layout.addLayout(bar)
        self.saved_panel = SavedPanel()
        self.saved_panel.new_requested.connect(self.new_complaint)
        self.saved_panel.show_requested.connect(self.open_in_list)
        self.saved_panel.print_requested.connect(self.print_receipt)
        self.printing = Printing(runner, self)
        self._receipt: tuple[str, bytes, str] | None = None  # the saved complaint's, once made
        self.stack.addWidget(form_page)
        self.stack.addWidget(self.saved_panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_draft_now)
        self.form.changed.connect(self._autosave.start)
        self.form.files_requested.connect(self.attach_files)
        self._clock = QTimer(self)
        self._clock.setInterval(30_000)
        self._clock.timeout.connect(self.form.refresh_received_time)
        self._clock.start()

        save = QShortcut(QKeySequence.StandardKey.Save, form_page, self.save)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), form_page, self.ask_discard)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- drafts -------------------------------------------------------------------------

    def save_draft_now(self) -> None:
        self._autosave.stop()
        form = self.form.get_form()
        self.runner.write(
            drafts.save_draft,
            self.desk,
            intake.INTAKE_DRAFT,
            form,
            on_done=lambda _r: self.draft_note.setText(_("Draft kept")),
            on_error=self._draft_failed,
        )

    def _draft_failed(self, exc: BaseException) -> None:
        log.warning("draft autosave failed: %s", type(exc).__name__)
        self.draft_note.setText(_("Draft NOT kept"))

    def offer_restore(self) -> bool:
        """At start: offer the form left unsaved by a crash or power cut. True if restored."""
        form = drafts.load_draft(self.desk, intake.INTAKE_DRAFT)
        if form is None or form.is_blank():
            return False
        if messages.confirm(
            self,
            _("Unsaved complaint"),
            _(
                "A complaint was being typed when the app last closed and was not saved. "
                "Restore it?"
            ),
            yes=_("&Restore"),
            no=_("&Discard"),
            safe=messages.YES,  # Enter or Escape keeps the recovered complaint
        ):
            self.form.set_form(form)
            self.stack.setCurrentIndex(0)
            return True
        drafts.discard_draft(self.desk, intake.INTAKE_DRAFT)
        return False

    # -- attachments ----------------------------------------------------------------------

    def attach_files(self, paths: list[str]) -> None:
        for path in paths:
            self.runner.write(
                attachments.add_file,
                self.desk,
                path,
                on_done=self.form.add_attachment,
                on_error=lambda exc: messages.show_error(self, exc),
            )

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving or self.stack.currentIndex() != 0:
            return
        self._autosave.stop()
        form = self.form.get_form()
        self._set_saving(True)
        self.runner.read(
            intake.check_before_saving,
            self.desk,
            form,
            on_done=lambda candidates: self._checked(form, candidates),
            on_error=self._failed,
        )

    def _checked(self, form, candidates) -> None:
        link_to = None
        if candidates:
            choice = DuplicatesDialog.ask(self, candidates, self.desk.zone)
            if choice is None:
                self._set_saving(False)
                return
            if choice[0] == LINK:
                link_to = choice[1]
        self.runner.write(
            lambda: intake.record_complaint(self.desk, form, link_to=link_to),
            on_done=lambda recorded: self._saved(recorded, form),
            on_error=self._failed,
        )

    def _saved(self, recorded: Recorded, form: ComplaintForm) -> None:
        self._set_saving(False)
        self.form.show_errors({})
        self.saved_panel.show_recorded(recorded, self.desk, form)
        self.stack.setCurrentIndex(1)
        self.saved_panel.new_button.setFocus()
        self.draft_note.clear()
        self._receipt = None
        self.recorded.emit(recorded)
        self.runner.read(
            settings.get,
            self.desk.db,
            "receipt_auto_print",
            on_done=lambda auto: self.print_receipt(automatic=True) if auto else None,
            on_error=lambda _exc: None,  # the clerk can still press Ctrl+P
        )

    # -- the receipt ----------------------------------------------------------------------

    def print_receipt(self, automatic: bool = False) -> None:
        """The saved complaint's first receipt: made and recorded once by the service, then
        previewed and printed (`automatic`: straight to the layout's printer, no questions).
        Pressed again, the same receipt is shown again, not issued twice."""
        number = self.saved_panel.number.text()
        if self.stack.currentIndex() != 1 or not number:
            return
        what = _("Receipt {number} sent to the printer.").format(number=number)
        if self._receipt is not None and self._receipt[0].endswith(number):
            self.printing.print_pdf(self._receipt, what=what)
            return
        desk = self.desk

        def make() -> tuple[str, bytes, str]:  # runs on a worker
            layout = settings.get(desk.db, "receipt_layout")
            made = printing.first_receipt(desk, number, layout)
            return _("Receipt {number}").format(number=number), made.pdf, layout

        def keep(made) -> None:
            self._receipt = made

        self.printing.run(make, what=what, preview=not automatic, on_made=keep)

    def _failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationFailed):
            self.form.show_errors(exc.errors)
            self.summary.setText(
                _("Check the marked fields ({count}). Nothing typed was lost.").format(
                    count=len(exc.errors)
                )
            )
            self.save_draft_now()
            return
        self.save_draft_now()
        messages.show_error(self, exc)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.form.setEnabled(not saving)
        self.save_button.setEnabled(not saving)
        if saving:
            self.summary.clear()

    # -- starting over --------------------------------------------------------------------

    def new_complaint(self) -> None:
        self.form.clear()
        self.summary.clear()
        self.stack.setCurrentIndex(0)
        self.form.focus_first()

    def ask_discard(self) -> None:
        if self.form.get_form().is_blank():
            self.form.focus_first()
            return
        if messages.confirm(
            self,
            _("Discard this complaint?"),
            _("Everything typed in the form will be lost."),
            yes=_("&Discard"),
            no=_("&Keep typing"),
            safe=messages.NO,
        ):
            self._autosave.stop()
            self.form.clear()
            self.summary.clear()
            self.runner.write(drafts.discard_draft, self.desk, intake.INTAKE_DRAFT)
            self.form.focus_first()

    def is_saving(self) -> bool:
        return self._saving
