"""Full-text search over subject, description and reporter name (SQLite FTS5).

Results come in arrival order (rowid) by default: ordering a common word by rank over a
million rows takes seconds, by rowid well under a millisecond.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, Integer, MetaData, String, Table

_fts_metadata = MetaData()  # not Base.metadata: Alembic creates this table by hand
_FTS = Table(
    "complaint_fts",
    _fts_metadata,
    Column("rowid", Integer, primary_key=True),
    Column("complaint_fts", String),
    Column("rank", String),
)


def fts_table() -> Table:
    return _FTS


def words_query(word: str) -> str:
    """One word as a safe FTS5 term (quotes doubled, so no FTS syntax leaks in): a prefix
    term from two characters on (the index keeps 2- and 3-character prefixes), else whole."""
    quoted = '"' + word.replace('"', '""') + '"'
    return quoted + "*" if len(word) >= 2 else quoted


def match_all(text: str) -> str | None:
    """An FTS5 query matching rows that contain every word of `text` (as prefixes)."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " ".join(words_query(w) for w in words)
