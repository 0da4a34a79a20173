"""Small keyboard-first input widgets used by the intake form."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QLabel, QWidget

from desk_app.i18n import _
from desk_app.reference import folded

# Each item's folded search terms (name, aliases, keywords; see Reference.search_text).
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 7


class _Matches(QSortFilterProxyModel):
    """The combo's items whose search terms hold what was typed (folded: case, spaces,
    hyphens do not count), for the type-ahead popup."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.wanted = ""

    def set_wanted(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter() is deprecated
            self.beginFilterChange()
            self.wanted = folded(text)
            self.endFilterChange()
        else:
            self.wanted = folded(text)
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt API
        if not self.wanted:
            return True
        index = self.sourceModel().index(row, 0, parent)
        terms = index.data(SEARCH_ROLE) or folded(str(index.data() or ""))
        return self.wanted in terms


class SearchCombo(QComboBox):
    """A long list the clerk types into: matches anywhere in the name, an alias or a keyword
    (set_items' `search`), ignoring case, spaces and hyphens.

    value() is the chosen item's code, or the typed text when nothing in the list matches (the
    core then says "choose from the list").
    """

    value_changed = Signal()

    def __init__(self, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        # Long agency names must not widen the form past the window.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        # The popup lists the items the typed text matches (_Matches, over the combo's own
        # model, so choosing one sets the combo's current index).
        self._matches = _Matches(self)
        self._matches.setSourceModel(self.model())
        completer = QCompleter(self._matches, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.lineEdit().textEdited.connect(self._type_ahead)
        self.lineEdit().editingFinished.connect(self._settle)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self.lineEdit().setPlaceholderText(placeholder)
        self.setCurrentIndex(-1)
        self.currentIndexChanged.connect(lambda _i: self.value_changed.emit())
        self.lineEdit().textEdited.connect(lambda _t: self.value_changed.emit())
        # A long agency name is cut at the field's edge: the whole name shows on hover.
        self.editTextChanged.connect(lambda _t: self._show_whole_name())

    def set_items(self, items: list[tuple[str, str]], search: dict[str, str] | None = None) -> None:
        """(code, label) pairs; `search`: code -> folded search terms (default: the label).
        Keeps the current choice when it is still in the list."""
        current = self.value()
        self.blockSignals(True)
        self.clear()
        for code, label in items:
            self.addItem(label, code)
            self.setItemData(self.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
            self.setItemData(
                self.count() - 1, (search or {}).get(code) or folded(label), SEARCH_ROLE
            )
        self.setCurrentIndex(-1)
        self.blockSignals(False)
        if current:
            self.set_value(current)

    @Slot(QWidget, QWidget)
    def _focus_changed(self, old, new) -> None:
        """Leaving the field, even from its open popup (which takes Tab, so no
        editingFinished comes), shows the item the typed text means."""
        mine = (self, self.lineEdit(), self.completer().popup())
        if old in mine and new not in mine:
            self._settle()

    def _type_ahead(self, text: str) -> None:
        self._matches.set_wanted(text)
        if text.strip():
            self.completer().complete()

    def _match(self) -> int:
        """The item the typed text means: an exact name or code; else the only item with a
        name, alias or keyword equal to it ("bagan sinembah" chooses Bagansinembah, not
        Bagan Sinembah Raya); else the only one whose name, aliases or keywords hold it
        ("bengkalis" + Tab chooses Kabupaten Bengkalis, "pungli" Korupsi dan Pungutan Liar);
        else -1."""
        text = self.currentText().strip()
        if not text:
            return -1
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0:
            index = self.findData(text)
        if index >= 0:
            return index
        wanted = folded(text)
        terms = [str(self.itemData(i, SEARCH_ROLE) or "").split("|") for i in range(self.count())]
        for found in (
            [i for i, t in enumerate(terms) if wanted in t],
            [i for i, t in enumerate(terms) if any(wanted in term for term in t)],
        ):
            if found:
                return found[0] if len(found) == 1 else -1
        return -1

    def _show_whole_name(self) -> None:
        """The tooltip: the name of the item the typed text means, or the typed text."""
        index = self._match()
        self.setToolTip(self.itemText(index) if index >= 0 else self.currentText())

    def _settle(self) -> None:
        index = self._match()
        if index >= 0 and index != self.currentIndex():
            self.setCurrentIndex(index)
        elif index >= 0 and self.currentText() != self.itemText(index):
            self.setEditText(self.itemText(index))
        self.lineEdit().setCursorPosition(0)  # show the start of a long name

    def value(self) -> str:
        index = self._match()
        return str(self.itemData(index)) if index >= 0 else self.currentText().strip()

    def set_value(self, code: str) -> None:
        index = self.findData(code) if code else -1
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setCurrentIndex(-1)
            self.setEditText(code)
        self.lineEdit().setCursorPosition(0)


class ChoiceCombo(QComboBox):
    """A short fixed list; `values` are stored codes, the first may be "" (not yet chosen)."""

    def __init__(self, items: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        for code, label in items:
            self.addItem(label, code)

    def value(self) -> str:
        return str(self.currentData() or "")

    def set_value(self, code: str) -> None:
        index = self.findData(code or "")
        self.setCurrentIndex(max(index, 0))


def yes_no_items(unset: str) -> list[tuple[str, str]]:
    return [("", unset), ("yes", _("Yes")), ("no", _("No"))]


class ErrorLabel(QLabel):
    """The message under a field; hidden while empty."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setProperty("role", "error")
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
