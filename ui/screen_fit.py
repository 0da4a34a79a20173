"""Sizes that fit the clerk's screen: a 1366×768 laptop with a taskbar is the smallest the desk
is made for, so a window or dialog never asks for more than the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# The smallest screen the desk is made for, less a taskbar: every dialog fits it
# (tests/ui/test_keyboard_and_fit.py checks each one's size hint against it).
SMALLEST_SCREEN = QSize(1366, 720)
TITLE_BAR = 32  # what the window manager adds above a window's own height


def available(widget: QWidget) -> QSize:
    """The room on the screen `widget` opens on (taskbar excluded), less a title bar."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size() if screen is not None else SMALLEST_SCREEN
    return QSize(room.width(), room.height() - TITLE_BAR)


def resize_within_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize to width × height, or less where the screen is smaller (a scroll area or the
    layout takes up the rest)."""
    room = available(widget)
    widget.resize(min(width, room.width()), min(height, room.height()))
