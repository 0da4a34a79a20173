"""The intake form: every field of a complaint, keyboard first, with the message for a field
shown under it. The form only collects and shows; rules live in desk_app.domain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.complaint import (
    ANONYMOUS_QUESTION,
    CONFIDENTIAL_QUESTION,
    Channel,
    ComplaintForm,
    FlagQuestion,
    ReportType,
)
from desk_app.i18n import _
from desk_app.reference import Reference

from ui import qt_language
from ui.intake.fields import ChoiceCombo, ErrorLabel, SearchCombo, yes_no_items

AUTOSAVE_MS = 800
TEXT_FIELDS = (
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
    "subject",
    "event_date",
    "event_place",
    "loss",
    "remedy",
)
CHOICE_FIELDS = ("report_type", "channel", "anonymous", "confidential", "complained_before")
SEARCH_FIELDS = ("category", "agency", "region", "district", "village")


class DateTimeEdit(QDateTimeEdit):
    """Tab leaves the field (QDateTimeEdit would step through its five sections first)."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Qt API
        return QWidget.focusNextPrevChild(self, next)


class DescriptionEdit(QPlainTextEdit):
    """The description box asks for 120 px (Qt's default asks for about 190): the form in its
    scroll area is laid out at what its fields ask for, and at 1366×768 the difference pushed
    the last rows under the edge. A taller window still gives the box all the room left."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(super().sizeHint().width(), 120)


class IntakeForm(QWidget):
    """Signals: changed() after any edit (autosave listens); files_dropped(list[str]);
    add_files_requested(list[str]) when the clerk picks files in the dialog."""

    changed = Signal()
    files_requested = Signal(list)

    def __init__(
        self, reference: Reference, zone: ZoneInfo, parent=None, *, region: str = ""
    ) -> None:
        """`region`: the desk's regency/city (the agencies offered are its own, the
        province's and the vertical bodies; see Reference.agencies_for)."""
        super().__init__(parent)
        self.reference = reference
        self.desk_region = region
        self.zone = zone
        self._received_touched = False
        self._loading = False
        self.errors: dict[str, ErrorLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        self.setAcceptDrops(True)
        self._build()
        self.clear()

    # -- building -------------------------------------------------------------------

    def _add(self, layout: QFormLayout, name: str, label: str, widget: QWidget) -> QWidget:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(2)
        inner.addWidget(widget)
        error = ErrorLabel()
        error.setObjectName(f"error_{name}")
        inner.addWidget(error)
        title = QLabel(label)
        title.setBuddy(widget)
        layout.addRow(title, box)
        widget.setObjectName(name)
        self.inputs[name] = widget
        self.errors[name] = error
        return widget

    def _add_question(self, layout: QFormLayout, question: FlagQuestion, label: str):
        """A yes/no flag asked of the citizen: the question to read aloud above the answers,
        each answer saying what it means (desk_app.domain.complaint)."""
        combo = ChoiceCombo([("", _("— ask the citizen —")), *question.choices()])
        combo.setToolTip(_(question.question))
        self._add(layout, question.field, label, combo)
        asked = QLabel(_(question.question))
        asked.setObjectName(f"question_{question.field}")
        asked.setWordWrap(True)
        asked.setProperty("role", "hint")
        box = combo.parentWidget().layout()
        box.insertWidget(0, asked)
        return combo

    def _build(self) -> None:
        ref = self.reference
        report = QGroupBox(_("Report"))
        report_layout = QFormLayout(report)
        self.report_type = self._add(
            report_layout,
            "report_type",
            _("&Type"),
            ChoiceCombo([(t.value, t.label) for t in ReportType]),
        )
        self.channel = self._add(
            report_layout,
            "channel",
            _("&Channel"),
            ChoiceCombo([(c.value, c.label) for c in Channel]),
        )
        self.received_at = self._add(report_layout, "received_at", _("Recei&ved"), DateTimeEdit())
        self.received_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.received_at.setCalendarPopup(True)
        self.anonymous = self._add_question(report_layout, ANONYMOUS_QUESTION, _("Anonymo&us?"))
        self.confidential = self._add_question(
            report_layout, CONFIDENTIAL_QUESTION, _("C&onfidential?")
        )

        reporter = QGroupBox(_("Reporter"))
        reporter_layout = QFormLayout(reporter)
        self.reporter_name = self._add(reporter_layout, "reporter_name", _("&Name"), QLineEdit())
        self.reporter_nik = self._add(reporter_layout, "reporter_nik", _("NI&K"), QLineEdit())
        self.reporter_nik.setPlaceholderText(_("16 digits, from the KTP"))
        self.reporter_phone = self._add(
            reporter_layout, "reporter_phone", _("Phone / &WhatsApp"), QLineEdit()
        )
        self.reporter_phone.setPlaceholderText("0812-3456-7890")
        self.reporter_email = self._add(
            reporter_layout, "reporter_email", _("E-&mail"), QLineEdit()
        )
        self.reporter_address = self._add(
            reporter_layout, "reporter_address", _("&Address"), QLineEdit()
        )

        content = QGroupBox(_("Complaint"))
        content_layout = QFormLayout(content)
        self.subject = self._add(content_layout, "subject", _("Su&bject"), QLineEdit())
        self.subject.setMaxLength(200)
        self.description = self._add(
            content_layout, "description", _("Descr&iption"), DescriptionEdit()
        )
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(110)
        self.description.setPlaceholderText(
            _("What happened, where, when, who was involved — in the citizen's words.")
        )
        type_to_search = _("Type to search…")
        self.category = self._add(
            content_layout, "category", _("Categor&y"), SearchCombo(type_to_search)
        )
        self.category.set_items(
            [(c.code, c.label) for c in ref.categories.values()],
            {c: ref.search_text("category", c) for c in ref.categories},
        )
        self.agency = self._add(content_layout, "agency", _("A&gency"), SearchCombo(type_to_search))
        # The desk's own regency's agencies, the province's and the vertical bodies.
        self.agency.set_items([(a.code, a.label) for a in ref.agencies_for(self.desk_region)])
        self.region = self._add(
            content_layout, "region", _("&Regency/city"), SearchCombo(type_to_search)
        )
        self.region.set_items(
            [(r.code, r.label) for r in ref.regions.values()],
            {r: ref.search_text("region", r) for r in ref.regions},
        )
        self.district = self._add(
            content_layout, "district", _("&District"), SearchCombo(_("optional"))
        )
        # No Alt key: every letter of "Village" is taken in the English window; Tab from the
        # district reaches it, and it types ahead like the district.
        self.village = self._add(
            content_layout, "village", _("Village"), SearchCombo(_("optional"))
        )
        self.region.value_changed.connect(self._region_changed)
        self.district.value_changed.connect(self._district_changed)
        self.event_date = self._add(content_layout, "event_date", _("&Event date"), QLineEdit())
        self.event_date.setPlaceholderText(_("dd/mm/yyyy (optional)"))
        self.event_place = self._add(content_layout, "event_place", _("Event &place"), QLineEdit())
        self.loss = self._add(content_layout, "loss", _("Loss suffered"), QLineEdit())
        self.loss.setPlaceholderText(_("optional"))
        self.remedy = self._add(content_layout, "remedy", _("Remedy asked"), QLineEdit())
        self.remedy.setPlaceholderText(_("optional"))
        self.complained_before = self._add(
            content_layout,
            "complained_before",
            _("Already complained to the agency?"),
            ChoiceCombo(yes_no_items("—")),
        )
        files = QWidget()
        files_layout = QHBoxLayout(files)
        files_layout.setContentsMargins(0, 0, 0, 0)
        self.attachment_list = QListWidget()
        self.attachment_list.setObjectName("attachment_list")
        self.attachment_list.setMaximumHeight(70)
        buttons = QVBoxLayout()
        self.add_file_button = QPushButton(_("Attach fi&le…"))
        self.add_file_button.setObjectName("add_file")
        self.add_file_button.clicked.connect(self._pick_files)
        self.remove_file_button = QPushButton(_("Remove"))
        self.remove_file_button.clicked.connect(self._remove_selected_file)
        buttons.addWidget(self.add_file_button)
        buttons.addWidget(self.remove_file_button)
        buttons.addStretch()
        files_layout.addWidget(self.attachment_list, 1)
        files_layout.addLayout(buttons)
        self._add(content_layout, "attachments", _("Attachments"), files)
        hint = QLabel(_("Or drop scans and photos onto the form."))
        hint.setProperty("role", "hint")
        content_layout.addRow("", hint)

        left = QVBoxLayout()
        left.addWidget(report)
        left.addWidget(reporter)
        left.addStretch()
        columns = QHBoxLayout(self)
        columns.addLayout(left, 4)
        columns.addWidget(content, 6)

        # Tab follows the order the fields were laid out in.
        order = [w for name, w in self.inputs.items() if name != "attachments"]
        order.append(self.add_file_button)
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.tab_order = order

        for name in CHOICE_FIELDS:
            self.inputs[name].currentIndexChanged.connect(self._edited)
        for name in SEARCH_FIELDS:
            self.inputs[name].value_changed.connect(self._edited)
        for name in TEXT_FIELDS:
            self.inputs[name].textChanged.connect(self._edited)
        self.description.textChanged.connect(self._edited)
        self.received_at.dateTimeChanged.connect(self._received_edited)

    # -- behaviour --------------------------------------------------------------------

    def _edited(self, *_args) -> None:
        if not self._loading:
            self.changed.emit()

    def _received_edited(self, *_args) -> None:
        if not self._loading:
            self._received_touched = True
            self.changed.emit()

    def _region_changed(self) -> None:
        districts = self.reference.districts_of(self.region.value())
        self.district.set_items(
            sorted(((c, n) for c, n in districts.items()), key=lambda x: x[1]),
            {c: self.reference.search_text("district", c) for c in districts},
        )

    def _district_changed(self) -> None:
        """The desa/kelurahan of the chosen district; one of another district is let go."""
        villages = self.reference.villages_of(self.district.value())
        current = self.village.value()
        self.village.set_items(
            sorted(villages.items(), key=lambda x: x[1]),
            {c: self.reference.search_text("village", c) for c in villages},
        )
        known = self.reference.village_label(current) != current  # a code, not typed text
        if current and known and current not in villages:
            self.village.set_value("")

    def _pick_files(self) -> None:
        names, _filter = qt_language.open_file_names(
            self,
            _("Attach scans or photos"),
            str(Path.home()),
            _(
                "Documents and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.doc *.docx);;"
                "All files (*)"
            ),
        )
        if names:
            self.files_requested.emit(names)

    def _remove_selected_file(self) -> None:
        for item in self.attachment_list.selectedItems():
            self.attachment_list.takeItem(self.attachment_list.row(item))
        self._edited()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.files_requested.emit(paths)
            event.acceptProposedAction()

    def add_attachment(self, item: dict[str, str]) -> None:
        """Show an attachment already copied into the data folder."""
        for row in range(self.attachment_list.count()):
            if (
                self.attachment_list.item(row).data(Qt.ItemDataRole.UserRole)["sha256"]
                == item["sha256"]
            ):
                return
        size_kb = max(1, int(item["size"]) // 1024)
        entry = QListWidgetItem(f"{item['filename']}  ({size_kb} KB)")
        entry.setData(Qt.ItemDataRole.UserRole, dict(item))
        entry.setToolTip(f"SHA-256 {item['sha256']}")
        self.attachment_list.addItem(entry)
        self._edited()

    # -- reading and writing the whole form --------------------------------------------

    def get_form(self) -> ComplaintForm:
        received = ""
        if self._received_touched:
            local = self.received_at.dateTime().toPython().replace(tzinfo=self.zone)
            received = local.astimezone(dt.UTC).isoformat()
        values = {name: self.inputs[name].text() for name in TEXT_FIELDS}
        values.update({name: self.inputs[name].value() for name in CHOICE_FIELDS})
        values.update({name: self.inputs[name].value() for name in SEARCH_FIELDS})
        return ComplaintForm(
            **values,
            received_at=received,
            description=self.description.toPlainText(),
            attachments=[
                self.attachment_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.attachment_list.count())
            ],
        )

    def set_form(self, form: ComplaintForm) -> None:
        self._loading = True
        try:
            for name in CHOICE_FIELDS:
                self.inputs[name].set_value(getattr(form, name))
            if form.received_at:
                when = dt.datetime.fromisoformat(form.received_at).astimezone(self.zone)
                self.received_at.setDateTime(QDateTime(when.replace(tzinfo=None)))
                self._received_touched = True
            else:
                self._set_received_now()
            for name in TEXT_FIELDS:
                self.inputs[name].setText(getattr(form, name))
            self.description.setPlainText(form.description)
            self.category.set_value(form.category)
            found = self.reference.agencies.get(form.agency)
            if found and self.agency.findData(found.code) < 0:  # recorded by another desk
                self.agency.addItem(found.label, found.code)
            self.agency.set_value(form.agency)
            self.region.set_value(form.region)
            self._region_changed()
            self.district.set_value(form.district)
            self._district_changed()
            self.village.set_value(form.village)
            self.attachment_list.clear()
        finally:
            self._loading = False
        for item in form.attachments:
            self._loading = True
            self.add_attachment(item)
            self._loading = False

    def _set_received_now(self) -> None:
        now = dt.datetime.now(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        self.received_at.setDateTime(QDateTime(now))
        self._received_touched = False

    def clear(self) -> None:
        self.set_form(ComplaintForm())
        self.show_errors({})

    def refresh_received_time(self) -> None:
        """Keep the shown time current while the clerk has not changed it."""
        if not self._received_touched:
            self._loading = True
            self._set_received_now()
            self._loading = False

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.show_message(errors.get(name, ""))
            widget = self.inputs[name]
            widget.setProperty("invalid", name in errors)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        for widget in self.tab_order:
            if widget.objectName() in errors:
                QTimer.singleShot(0, widget.setFocus)
                break

    def focus_first(self) -> None:
        self.report_type.setFocus()
