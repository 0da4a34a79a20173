"""A form whose fields each have a hint and an error message under them (the setup wizard and
the user dialogs): validation is shown next to the field and what was typed stays."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QWidget

from ui.intake.fields import ErrorLabel

# Wrapped labels may be given more height than their lines need: keep the text under the field.
TOP_LEFT = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """The red border of a field that needs attention (style.py: [invalid="true"])."""
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldForm(QFormLayout):
    """add() a field by name; show_errors({name: message}) puts each message under its field."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}

    def add(self, name: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        """The field, then its hint and its (hidden until needed) error, each a row of their
        own under it: word-wrapped labels in form rows get their full height."""
        widget.setObjectName(name)
        self.addRow(label, widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setProperty("role", "hint")
            hint_label.setWordWrap(True)
            hint_label.setAlignment(TOP_LEFT)
            self.addRow(None, hint_label)
        error = ErrorLabel()
        error.setObjectName(f"{name}_error")
        error.setAlignment(TOP_LEFT)
        self.addRow(None, error)
        self.setRowVisible(error, False)
        self.fields[name] = widget
        self.errors[name] = error
        return widget

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field, other fields cleared of old ones; focus on the first
        field that needs attention. Messages for fields not in this form are ignored."""
        for name, label in self.errors.items():
            text = errors.get(name, "")
            label.show_message(text)
            self.setRowVisible(label, bool(text))
            mark_invalid(self.fields[name], bool(text))
        first = next((name for name in self.fields if name in errors), None)
        if first is not None:
            self.fields[first].setFocus()

    def error(self, name: str) -> str:
        """The message shown under a field ("" when none)."""
        return self.errors[name].text() if not self.errors[name].isHidden() else ""


class FittingDialog(QDialog):
    """A dialog that grows tall enough for its wrapped hints and messages when shown (Qt does
    not do it for top-level windows). Call fit() again after showing a new message."""

    def fit(self) -> None:
        self.layout().activate()
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.fit()
