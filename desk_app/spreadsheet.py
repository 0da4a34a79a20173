"""Cells of CSV files that people open in a spreadsheet: escaping formula-leading text and reading
it back. The one helper for it; do not hand-write another. (services/audit.py `_csv_cell` is the
older copy, for the audit export: to be switched to escape_cell when audit.py is next changed.)

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel and LibreOffice (CSV injection). OWASP's advice is to prefix such a cell with a single
quote, which makes the spreadsheet show it as text; every phone number the desk stores starts
with `+`, so this is not a rare case.

To make the escape reversible (what `export` writes, `import` reads back), a cell that already
starts with a quote followed by a formula character or another quote gets one more quote too;
`unescape_cell` removes exactly one leading quote from such a cell, and leaves every other cell
(including a lone leading quote a person typed, as in `'Pak Budi'`) as it was.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Excel reads a CSV file as UTF-8 only when it starts with this byte order mark.
UTF8_BOM = "\ufeff"


def _needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_START) or (
        text.startswith(QUOTE) and text[1:2] != "" and text[1:2] in (*FORMULA_START, QUOTE)
    )


def escape_cell(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would run gets a leading quote; None is
    an empty cell; lists are joined by spaces; anything else is written as it is."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def unescape_cell(text: str) -> str:
    """The cell's value as escape_cell was given it (see the module note)."""
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text
