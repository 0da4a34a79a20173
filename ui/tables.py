"""The read-only table every list screen shows (backups, users, settings, holidays, sync):
whole rows chosen, never edited in place, no row numbers, columns sized to their contents
with one stretched over the rest."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def record_table(
    model, name: str, *, stretch: int | None = None, single: bool = True, wrap: bool = True
) -> QTableView:
    """A table over `model` named `name` (tests find it by it). `stretch`: the column that
    takes the room left (None: the last); `single`: one row at a time (else several, with
    Shift and Ctrl); `wrap`: long cells wrap (else they are cut, whole in the tooltip)."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setAlternatingRowColors(True)
    table.setWordWrap(wrap)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table
