"""The correction dialog: the intake form filled with the stored complaint, a required reason,
and Save (Ctrl+S), which runs services.corrections.correct_complaint on the write worker.

Errors are shown at their fields and the dialog stays open: nothing typed is lost. Recorded
attachments cannot be removed (the service refuses it too); new files may be added.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
)

from desk_app.domain.complaint import ComplaintForm
from desk_app.errors import DeskError, ValidationFailed
from desk_app.i18n import _
from desk_app.services import attachments, corrections
from desk_app.services.desk import Desk

from ui import messages
from ui.intake.fields import ErrorLabel
from ui.intake.form import IntakeForm
from ui.screen_fit import resize_within_screen
from ui.workers import Runner


class CorrectionDialog(QDialog):
    """Signals: corrected(Changed) after the correction is on disk (the dialog then closes)."""

    corrected = Signal(object)

    def __init__(
        self,
        desk: Desk,
        runner: Runner,
        complaint_id: str,
        tracking_no: str,
        form: ComplaintForm,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.complaint_id = complaint_id
        self._saving = False
        self.setObjectName("correction_dialog")
        self.setWindowTitle(_("Correct complaint {number}").format(number=tracking_no))

        self.form = IntakeForm(desk.reference, desk.zone, region=desk.region)
        self.form.set_form(form)
        self._original = self.form.get_form()
        self._recorded_files = {a["sha256"] for a in form.attachments}
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)

        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(corrections.REASON_MAX)
        self.reason.setPlaceholderText(
            _("Why is it corrected? For example: the citizen named the wrong agency.")
        )
        self.reason_error = ErrorLabel()
        self.reason_error.setObjectName("error_reason")
        reason_box = QVBoxLayout()
        reason_box.setSpacing(2)
        reason_box.addWidget(self.reason)
        reason_box.addWidget(self.reason_error)
        reason_label = QLabel(_("Reason &for the correction"))
        reason_label.setBuddy(self.reason)
        reason_row = QFormLayout()
        reason_row.addRow(reason_label, reason_box)

        self.summary = QLabel()
        self.summary.setObjectName("correction_summary")
        self.summary.setProperty("role", "error")
        self.summary.setWordWrap(True)
        self.cancel_button = QPushButton(_("Cancel  (Esc)"))
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(_("&Save correction  (Ctrl+S)"))
        self.save_button.setObjectName("save_correction")
        self.save_button.clicked.connect(self.save)
        self.save_button.setAutoDefault(False)
        self.cancel_button.setAutoDefault(False)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(reason_row)
        layout.addLayout(bar)

        save = QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        # Only files added in this dialog may be taken off again.
        self.form.files_requested.connect(self.attach_files)
        self.form.attachment_list.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()
        # Two columns fit a 1366×768 screen; the form scrolls where the screen is lower.
        resize_within_screen(self, 1100, 760)

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

    def _selection_changed(self) -> None:
        selected = self.form.attachment_list.selectedItems()
        removable = bool(selected) and all(
            item.data(Qt.ItemDataRole.UserRole)["sha256"] not in self._recorded_files
            for item in selected
        )
        self.form.remove_file_button.setEnabled(removable)
        self.form.remove_file_button.setToolTip(
            "" if removable else _("A recorded attachment cannot be removed by a correction.")
        )

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving:
            return
        form = self.form.get_form()
        reason = self.reason.text()
        self._set_saving(True)
        self.runner.write(
            corrections.correct_complaint,
            self.desk,
            self.complaint_id,
            form,
            reason,
            on_done=self._saved,
            on_error=self._failed,
        )

    def _saved(self, changed: corrections.Changed) -> None:
        self._set_saving(False)
        self.corrected.emit(changed)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationFailed):
            errors = dict(exc.errors)
            self.reason_error.show_message(errors.pop("reason", ""))
            self.reason.setProperty("invalid", "reason" in exc.errors)
            self.reason.style().unpolish(self.reason)
            self.reason.style().polish(self.reason)
            self.form.show_errors(errors)
            if not errors:
                self.reason.setFocus()
            self.summary.setText(
                _("Check the marked fields ({count}). Nothing typed was lost.").format(
                    count=len(exc.errors)
                )
            )
            return
        if isinstance(exc, corrections.NothingChanged):
            self.form.show_errors({})
            self.reason_error.show_message("")
            self.summary.setText(exc.message())
            return
        if isinstance(exc, DeskError):
            self.summary.setText(exc.message())
        messages.show_error(self, exc)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.form.setEnabled(not saving)
        self.reason.setEnabled(not saving)
        self.save_button.setEnabled(not saving)
        if saving:
            self.summary.clear()

    # -- closing ----------------------------------------------------------------------------

    def is_edited(self) -> bool:
        return self.form.get_form() != self._original or bool(self.reason.text().strip())

    def reject(self) -> None:
        if self._saving:
            return
        if self.is_edited() and not messages.confirm(
            self,
            _("Discard this correction?"),
            _("The changes typed in this correction will be lost."),
            yes=_("&Discard"),
            no=_("&Keep typing"),
            safe=messages.NO,
        ):
            return
        super().reject()
