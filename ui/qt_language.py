"""Qt's own texts (standard buttons, file dialogs, context menus, the wizard) in the desk's
language, through our one catalog.

PySide6-Essentials ships no qtbase_id.qm (Qt has no Indonesian translation), so a QTranslator
answers Qt's own tr() calls from the messages below (Qt's own file is loaded too, should a
later PySide6 ship one). It reads the catalog at each call, so a
language switch applies to every widget made after it. Qt strings not listed here stay as Qt
wrote them. How to add one: find Qt's (context, source) pair (a QTranslator that prints what it
is asked shows them), add it to QT_MESSAGES, run `make extract` and translate it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QIdentityProxyModel,
    QLibraryInfo,
    QLocale,
    Qt,
    QTranslator,
)
from PySide6.QtWidgets import QFileDialog, QFileSystemModel

from desk_app import i18n
from desk_app.i18n import N_

# Qt's (context, source text) → the same source text, marked for our catalog. Shortcut names
# (Alt+Left, Ctrl) and QT_LAYOUT_DIRECTION are deliberately absent: Qt must read them as they are.
_PLATFORM_THEME = (
    N_("OK"),
    N_("Save"),
    N_("Save All"),
    N_("Open"),
    N_("&Yes"),
    N_("Yes to &All"),
    N_("&No"),
    N_("N&o to All"),
    N_("Abort"),
    N_("Retry"),
    N_("Ignore"),
    N_("Close"),
    N_("Cancel"),
    N_("Discard"),
    N_("Help"),
    N_("Apply"),
    N_("Reset"),
    N_("Restore Defaults"),
    N_("Don't Save"),
    N_("Close without Saving"),
)
_FILE_DIALOG = (
    N_("&Choose"),
    N_("&Delete"),
    N_("&New Folder"),
    N_("&Open"),
    N_("&Rename"),
    N_("&Save"),
    N_("All Files (*)"),
    N_("Back"),
    N_("Change to detail view mode"),
    N_("Change to list view mode"),
    N_("Create New Folder"),
    N_("Create a New Folder"),
    N_("Detail View"),
    N_("Directories"),
    N_("Directory:"),
    N_("File &name:"),
    N_("Files"),
    N_("Files of type:"),
    N_("Find Directory"),
    N_("Forward"),
    N_("Go back"),
    N_("Go forward"),
    N_("Go to the parent directory"),
    N_("List View"),
    N_("List of places and bookmarks"),
    N_("Look in:"),
    N_("Open"),
    N_("Parent Directory"),
    N_("Save As"),
    N_("Show &hidden files"),
    N_("Sidebar"),
    N_("New Folder"),
    N_("Recent Places"),
    N_("'%1' already exists.\nDo you want to replace it?"),
    N_("%1\nFile not found.\nPlease verify the correct file name was given."),
    N_("%1\nDirectory not found.\nPlease verify the correct directory name was given."),
    N_("Are you sure you want to delete '%1'?"),
)
_EDIT_MENU = (
    N_("&Undo"),
    N_("&Redo"),
    N_("Cu&t"),
    N_("&Copy"),
    N_("&Paste"),
    N_("Delete"),
    N_("Select All"),
)
QT_MESSAGES: dict[tuple[str, str], str] = {
    **{("QPlatformTheme", m): m for m in _PLATFORM_THEME},
    **{("QFileDialog", m): m for m in _FILE_DIALOG},
    **{("QLineEdit", m): m for m in _EDIT_MENU},
    **{("QWidgetTextControl", m): m for m in _EDIT_MENU},
    ("QFileSystemModel", "Name"): N_("Name"),
    ("QFileSystemModel", "Size"): N_("Size"),
    ("QFileSystemModel", "Type"): N_("Type"),
    ("QFileSystemModel", "Kind"): N_("Type"),
    ("QFileSystemModel", "Date Modified"): N_("Date Modified"),
    ("QFileSystemModel", "Computer"): N_("Computer"),
    ("QAbstractFileIconProvider", "Drive"): N_("Drive"),
    ("QAbstractFileIconProvider", "Folder"): N_("Folder"),
    ("QAbstractFileIconProvider", "File"): N_("File"),
    ("QAbstractFileIconProvider", "%1 File"): N_("%1 File"),
    ("QMessageBox", "Show Details..."): N_("Show Details..."),
    ("QMessageBox", "Hide Details..."): N_("Hide Details..."),
    ("QWizard", "< &Back"): N_("< &Back"),
    ("QWizard", "&Next >"): N_("&Next >"),
    ("QWizard", "&Finish"): N_("&Finish"),
    ("QWizard", "Cancel"): N_("Cancel"),
    ("QWizard", "&Help"): N_("&Help"),
}


class CatalogTranslator(QTranslator):
    """Answers Qt's own tr() calls from our catalog (see the module's note)."""

    def translate(self, context, source, disambiguation=None, n=-1) -> str | None:
        message = QT_MESSAGES.get((context, source))
        if message is None or i18n.language() == "en":
            return None  # a null answer: Qt keeps its own text
        return i18n._(message)

    def isEmpty(self) -> bool:
        return False


_installed: CatalogTranslator | None = None
_qt_own: dict[str, QTranslator] = {}


def qt_catalog(language: str) -> Path | None:
    """Qt's own qtbase_<language>.qm, where PySide6 ships one (it has none for Indonesian)."""
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    found = folder / f"qtbase_{language}.qm"
    return found if found.is_file() else None


def _load_qt_own(language: str) -> None:
    """Install Qt's own translation for `language` if it exists; ours (installed later, so
    asked first) answers what it lists, Qt's the rest."""
    path = qt_catalog(language)
    if path is None or language in _qt_own:
        return
    translator = QTranslator()
    if translator.load(str(path)):
        QCoreApplication.instance().installTranslator(translator)
        _qt_own[language] = translator


# Month and day names (the calendar pop-ups of date fields) come from QLocale, not from tr().
_LOCALES = {
    "id": (QLocale.Language.Indonesian, QLocale.Country.Indonesia),
    "en": (QLocale.Language.English, QLocale.Country.UnitedKingdom),  # day before month
}


def apply_locale() -> None:
    """Qt's default locale in the desk's language, for widgets made from now on."""
    language, country = _LOCALES.get(i18n.language(), _LOCALES["id"])
    QLocale.setDefault(QLocale(language, country))


def install() -> CatalogTranslator:
    """Install the translator into the running application (once) and set Qt's locale to the
    desk's language. After a language switch, call apply_locale() again."""
    global _installed
    if _installed is None:
        _load_qt_own(i18n.language())
        _installed = CatalogTranslator()
        QCoreApplication.instance().installTranslator(_installed)
    apply_locale()
    return _installed


class LocalDates(QIdentityProxyModel):
    """The file dialog's "Date Modified" column in the desk's language: QFileSystemModel writes
    it with QLocale::system() (the computer's language), not the default locale apply_locale()
    sets, so an Indonesian dialog on an English Windows said "2 Dec 2026". The dialog's own
    views read the dates through this proxy (QFileDialog.setProxyModel; Qt's dialog only)."""

    DATE_COLUMN = 3

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.column() == self.DATE_COLUMN:
            source = self.sourceModel()
            if isinstance(source, QFileSystemModel):
                modified = source.lastModified(self.mapToSource(index))
                return QLocale().toString(modified, QLocale.FormatType.ShortFormat)
        return super().data(index, role)


def _ask(parent, caption: str, directory: str, name_filter: str, *, save=False, many=False):
    """A file dialog of the desk's kind (file_dialog_options), run modally; (files, filter)."""
    options = file_dialog_options()
    if not options & QFileDialog.Option.DontUseNativeDialog:  # the system's dialog and dates
        if save:
            return QFileDialog.getSaveFileName(parent, caption, directory, name_filter)
        if many:
            return QFileDialog.getOpenFileNames(parent, caption, directory, name_filter)
        return QFileDialog.getOpenFileName(parent, caption, directory, name_filter)
    dialog = QFileDialog(parent, caption, directory, name_filter)
    dialog.setOptions(options)
    dialog.setProxyModel(LocalDates(dialog))
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    else:
        mode = QFileDialog.FileMode.ExistingFiles if many else QFileDialog.FileMode.ExistingFile
        dialog.setFileMode(mode)
    chosen = dialog.selectedFiles() if dialog.exec() == QFileDialog.DialogCode.Accepted else []
    name_filter = dialog.selectedNameFilter()
    dialog.deleteLater()
    if many:
        return chosen, name_filter
    return (chosen[0] if chosen else ""), name_filter


def open_file_name(parent, caption: str, directory: str = "", name_filter: str = ""):
    """Like QFileDialog.getOpenFileName, in the desk's language (dates too): (path, filter)."""
    return _ask(parent, caption, directory, name_filter)


def open_file_names(parent, caption: str, directory: str = "", name_filter: str = ""):
    """Like QFileDialog.getOpenFileNames, in the desk's language: (paths, filter)."""
    return _ask(parent, caption, directory, name_filter, many=True)


def save_file_name(parent, caption: str, directory: str = "", name_filter: str = ""):
    """Like QFileDialog.getSaveFileName, in the desk's language: (path, filter)."""
    return _ask(parent, caption, directory, name_filter, save=True)


def file_dialog_options() -> QFileDialog.Option:
    """Options for every QFileDialog the desk opens: Qt's own dialog (translated by the
    translator above) unless the desk speaks English; the system's dialog speaks the system's
    language, which on an English Windows is English."""
    if i18n.language() == "en":
        return QFileDialog.Option(0)
    return QFileDialog.Option.DontUseNativeDialog
