"""The preview before printing: the pages as they will come out of the printer (the same PDF,
rasterised), with Print and Close."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.i18n import _, ngettext

from ui.screen_fit import resize_within_screen


class PreviewDialog(QDialog):
    """Shows `images` (QImage per page); accepted when the user asks to print."""

    def __init__(self, title: str, images, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        pages = QWidget()
        pages.setObjectName("preview_pages")
        pages.setStyleSheet("#preview_pages { background: #5f6b7a; }")
        column = QVBoxLayout(pages)
        column.setSpacing(16)
        column.setContentsMargins(24, 24, 24, 24)
        self.pages: list[QLabel] = []
        for image in images:
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setFrameShape(QFrame.Shape.Box)
            page.setStyleSheet("background: white; border: 1px solid #3d4652;")
            column.addWidget(page, 0, Qt.AlignmentFlag.AlignHCenter)
            self.pages.append(page)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        self.scroll = scroll
        self.count = QLabel(
            ngettext(
                "{count} page. Check the paper in the printer, then print.",
                "{count} pages. Check the paper in the printer, then print.",
                len(self.pages),
            ).format(count=len(self.pages))
        )
        buttons = QDialogButtonBox()
        self.print_button = QPushButton(_("&Print…  (Ctrl+P)"))
        self.print_button.setObjectName("print")
        self.print_button.setDefault(True)
        close = QPushButton(_("Close  (Esc)"))
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        widest = max((p.pixmap().width() for p in self.pages), default=600)
        tallest = max((p.pixmap().height() for p in self.pages), default=600)
        resize_within_screen(self, widest + 90, tallest + 140)
        self.print_button.setFocus()

    @classmethod
    def ask(cls, parent, title: str, images) -> bool:
        """Show the preview; True when the user chose Print."""
        dialog = cls(title, images, parent)
        return dialog.exec() == QDialog.DialogCode.Accepted
