"""The supervisor's personal-data requests screen (UU 27/2022): find what the desk holds about one
reporter by NIK, phone number or e-mail address, export it (JSON and HTML), and erase their
identity from complaints older than the retention period.

Every action goes through services.privacy on a worker; the service checks that desk.actor may
handle personal data. Wrong identifiers are shown under their fields and what was typed stays.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app import settings
from desk_app.errors import ValidationFailed
from desk_app.i18n import N_, _
from desk_app.services import privacy, retention
from desk_app.services.desk import Desk

from ui import messages, qt_language
from ui.field_form import FieldForm, FittingDialog
from ui.workers import Runner

IDENTIFIERS = ("nik", "phone", "email")


class PrivacyPage(QWidget):
    """Signals: searched(int count), exported(int count), erased(ErasureResult),
    refused(int complaints held) after a refusal was recorded."""

    searched = Signal(int)
    exported = Signal(int)
    erased = Signal(object)
    refused = Signal(int)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner

        title = QLabel(_("A reporter's personal data"))
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        self.hint = hint = QLabel(self.hint_text())
        hint.setObjectName("privacy_hint")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)

        self.form = FieldForm()
        self.nik = self.form.add("nik", _("&NIK"), QLineEdit(), _("16 digits"))
        self.phone = self.form.add(
            "phone", _("&Phone"), QLineEdit(), _("e.g. 0812 3456 7890 or +62 812 3456 7890")
        )
        self.email = self.form.add("email", _("E-&mail"), QLineEdit())
        for field in (self.nik, self.phone, self.email):
            field.returnPressed.connect(self.search)
        form_box = QWidget()
        form_box.setLayout(self.form)
        form_box.setMaximumWidth(620)

        self.search_button = QPushButton(_("&Search"))
        self.search_button.setObjectName("privacy_search")
        self.export_button = QPushButton(_("E&xport…"))
        self.export_button.setObjectName("privacy_export")
        self.erase_button = QPushButton(_("&Erase identity…"))
        self.erase_button.setObjectName("privacy_erase")
        self.refuse_button = QPushButton(_("&Refuse request…"))
        self.refuse_button.setObjectName("privacy_refuse")
        self.search_button.clicked.connect(self.search)
        self.export_button.clicked.connect(self.export)
        self.erase_button.clicked.connect(self.erase)
        self.refuse_button.clicked.connect(self.refuse)
        buttons = QHBoxLayout()
        for button in self.buttons():
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.result = QLabel()
        self.result.setObjectName("privacy_result")
        self.result.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(form_box)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def hint_text(self) -> str:
        return (
            _(
                "For a reporter's request under the personal-data-protection law: give one or "
                "more of their identifiers, then export everything the desk holds about them, "
                "erase their identity and attachments from complaints older than the retention "
                "period, or record why the request is refused. The audit trail never held the "
                "identity, only the names of attachment files as they were recorded; erasure "
                "does not reach names typed into the complaint text. Backups made before an "
                "erasure keep the identity until they are deleted:"
            )
            + " "
            + retention.describe(retention.from_settings(self.desk.db))
        )

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        """The retention may have been changed meanwhile (desk-app settings)."""
        super().showEvent(event)
        self.hint.setText(self.hint_text())

    # -- the identifiers ---------------------------------------------------------------

    def identifiers(self) -> dict[str, str | None]:
        return {
            "nik": self.nik.text().strip() or None,
            "phone": self.phone.text().strip() or None,
            "email": self.email.text().strip() or None,
        }

    def _checked_identifiers(self) -> dict[str, str | None] | None:
        """The identifiers as typed, or None after showing what is wrong at the fields."""
        ids = self.identifiers()
        try:
            privacy.subject(**ids)
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            return None
        self.show_errors({})
        return ids

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; "none given" goes under the first field."""
        errors = dict(errors)
        if "subject" in errors:
            errors.setdefault("nik", errors.pop("subject"))
        self.form.show_errors(errors)

    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.search_button, self.export_button, self.erase_button, self.refuse_button)

    def _busy(self, busy: bool) -> None:
        for button in self.buttons():
            button.setEnabled(not busy)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationFailed) and set(exc.errors) & {*IDENTIFIERS, "subject"}:
            self.show_errors(exc.errors)
        else:
            messages.show_error(self, exc)

    # -- search ------------------------------------------------------------------------

    def search(self) -> None:
        ids = self._checked_identifiers()
        if ids is None:
            return
        self._busy(True)
        self.runner.read(
            lambda: privacy.find_subject(self.desk, **ids),
            on_done=self._found,
            on_error=self._failed,
        )

    def _found(self, found: list[str]) -> None:
        self._busy(False)
        if found:
            text = _("{count} complaint(s) are held about this person.").format(count=len(found))
        else:
            text = _("No complaint is held about this person.")
        self.result.setText(text)
        self.searched.emit(len(found))

    # -- export ------------------------------------------------------------------------

    def export(self) -> None:
        ids = self._checked_identifiers()
        if ids is None:
            return
        name = f"data-pribadi-{self.desk.today():%Y%m%d}.json"
        path, _chosen = qt_language.save_file_name(
            self,
            _("Export a reporter's personal data"),
            name,
            _("JSON (*.json)"),
        )
        if not path:
            return
        out = Path(path)
        if out.suffix.lower() != ".json":
            out = out.with_name(out.name + ".json")
        html_out = out.with_suffix(".html")
        self._busy(True)
        self.runner.write(
            lambda: privacy.export_subject(self.desk, **ids, out=out, html_out=html_out),
            on_done=lambda count: self._exported(count, out, html_out),
            on_error=self._failed,
        )

    def _exported(self, count: int, out: Path, html_out: Path) -> None:
        self._busy(False)
        text = _("{count} complaint(s) exported to {json} and, readable, {html}.").format(
            count=count, json=out, html=html_out
        )
        self.result.setText(text)
        messages.info(self, _("Personal data exported"), text)
        self.exported.emit(count)

    # -- erase -------------------------------------------------------------------------

    def erase(self) -> None:
        ids = self._checked_identifiers()
        if ids is None:
            return
        answer = ErasureDialog.ask(settings.get(self.desk.db, "retention_years"), self)
        if answer is None:
            return
        reason, years = answer
        self._busy(True)
        self.runner.read(
            lambda: privacy.preview_erasure(self.desk, **ids, older_than_years=years),
            on_done=lambda preview: self._confirm_erasure(ids, reason, years, preview),
            on_error=self._failed,
        )

    def _confirm_erasure(
        self, ids: dict[str, str | None], reason: str, years: int, preview: privacy.ErasurePreview
    ) -> None:
        self._busy(False)
        if preview.erase == 0:
            self.result.setText(
                _(
                    "Nothing to erase: {keep} complaint(s) about this person, none older than "
                    "{years} year(s)."
                ).format(keep=preview.keep, years=years)
            )
            return
        if not messages.confirm(
            self,
            _("Erase a reporter's identity"),
            _(
                "The reporter's name, NIK, phone, e-mail, address and attachments will be "
                "erased from {erase} complaint(s) older than {years} year(s); {keep} more "
                "recent complaint(s) are kept as they are. This cannot be undone. Erase?"
            ).format(erase=preview.erase, keep=preview.keep, years=years),
            _("Erase"),
            _("Cancel"),
            safe=messages.NO,
        ):
            return
        self._busy(True)
        self.runner.write(
            lambda: privacy.erase_subject(self.desk, **ids, reason=reason, older_than_years=years),
            on_done=self._erased,
            on_error=self._failed,
        )

    def _erased(self, result: privacy.ErasureResult) -> None:
        self._busy(False)
        text = _(
            "Identity and attachments erased from {erased} complaint(s); {kept} complaint(s) "
            "more recent than {years} year(s) kept."
        ).format(erased=result.erased, kept=result.kept, years=result.older_than_years)
        self.result.setText(text)
        messages.info(self, _("Identity erased"), text)
        self.erased.emit(result)

    # -- refuse ------------------------------------------------------------------------

    def refuse(self) -> None:
        ids = self._checked_identifiers()
        if ids is None:
            return
        reason = RefusalDialog.ask(self)
        if reason is None:
            return
        self._busy(True)
        self.runner.write(
            lambda: privacy.refuse_request(self.desk, **ids, reason=reason),
            on_done=self._refused,
            on_error=self._failed,
        )

    def _refused(self, held: int) -> None:
        self._busy(False)
        text = _(
            "The refusal and its reason were recorded in the audit trail; nothing was "
            "exported or erased ({count} complaint(s) about this person are held)."
        ).format(count=held)
        self.result.setText(text)
        messages.status(text)
        self.refused.emit(held)

    def focus_first(self) -> None:
        self.nik.setFocus()


class _ReasonDialog(FittingDialog):
    """A personal-data decision that must say why: an intro, a required reason, perhaps more
    fields (`_add_fields`), and the button that records it. `answer` is None until accepted."""

    TITLE = INTRO = REASON_HINT = SAVE = MISSING = ""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_(self.TITLE))
        self.answer = None
        intro = QLabel(_(self.INTRO))
        intro.setWordWrap(True)
        self.form = FieldForm()
        self.reason = self.form.add("reason", _("&Reason"), QLineEdit(), _(self.REASON_HINT))
        self._add_fields()
        self.save = QPushButton(_(self.SAVE))
        self.save.setDefault(True)
        cancel = QPushButton(_("Cancel"))
        buttons = QDialogButtonBox()
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.save.clicked.connect(self.try_accept)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _add_fields(self) -> None:
        """More fields after the reason (none by default)."""

    def _answer(self, reason: str):
        return reason

    def try_accept(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.form.show_errors({"reason": _(self.MISSING)})
            self.fit()
            return
        self.form.show_errors({})
        self.answer = self._answer(reason)
        self.accept()


class ErasureDialog(_ReasonDialog):
    """The reason for an erasure (required: the request it answers) and the retention period."""

    TITLE = N_("Erase a reporter's identity")
    INTRO = N_(
        "Only complaints older than the retention period are anonymised; more recent ones are kept."
    )
    REASON_HINT = N_("The request this answers, e.g. its letter number and date.")
    SAVE = N_("&Continue…")
    MISSING = N_("Give the reason for the erasure (the request it answers).")

    def __init__(self, default_years: int, parent=None) -> None:
        self._default_years = default_years
        super().__init__(parent)

    def _add_fields(self) -> None:
        years = QSpinBox()
        years.setRange(0, 100)
        years.setValue(self._default_years)
        years.setSuffix(_(" year(s)"))
        self.years = self.form.add("older_than_years", _("&Older than"), years)

    def _answer(self, reason: str) -> tuple[str, int]:
        return reason, self.years.value()

    @classmethod
    def ask(cls, default_years: int, parent=None) -> tuple[str, int] | None:
        """Show the dialog; (reason, years), or None when cancelled."""
        dialog = cls(default_years, parent)
        dialog.exec()
        return dialog.answer


class RefusalDialog(_ReasonDialog):
    """Why a reporter's request is refused (required; recorded in the audit trail)."""

    TITLE = N_("Refuse a reporter's request")
    INTRO = N_(
        "The refusal is recorded with its reason and the kind of identifier given, "
        "never the identifier itself. Nothing is exported or erased."
    )
    REASON_HINT = N_(
        "The rule or fact the refusal rests on, e.g. still within the retention period."
    )
    SAVE = N_("Record the re&fusal")
    MISSING = N_("Give the reason for the refusal (the rule or fact it rests on).")

    @classmethod
    def ask(cls, parent=None) -> str | None:
        """Show the dialog; the reason, or None when cancelled."""
        dialog = cls(parent)
        dialog.exec()
        return dialog.answer
