"""Leftovers of writes that were killed midway (a backup, a restore, a private file, an
attachment copy): removed when a desk is opened, so a crash never leaves full-size copies
filling the disk.

Every such write goes to a temporary name first and is renamed only when whole, so a file with
one of these names is never anything the desk still needs, unless another process on the same
data folder is writing it right now (the CLI may run beside the GUI). Those are still being
written to, so only files untouched for STALE_AFTER_S are removed.

How to add one: a new kind of temporary file gets its name pattern in PATTERNS, with the folder
(relative to the data folder) it is written in.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

STALE_AFTER_S = 3600  # a copy still being made touches its file far more often than this
log = logging.getLogger(__name__)

_HEX = r"[0-9a-f]{8}"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # services/backup.py: backups, pre-restore copies, and the copy a restore installs
    (".", re.compile(rf"^\..+\.{_HEX}\.partial$")),
    ("backups", re.compile(rf"^\..+\.{_HEX}\.partial$")),
    # desk_app/files.py (write_private): keys, exports, markers written in the data folder
    (".", re.compile(rf"^\..+\.{_HEX}\.tmp$")),
    ("backups", re.compile(rf"^\..+\.{_HEX}\.tmp$")),
    # services/audit.py: the key and head files' own temporary names
    (".", re.compile(r"^audit\.(key|head)\.\d+\.tmp$")),
    # services/attachments.py: tempfile.NamedTemporaryFile in the attachments folder
    ("attachments", re.compile(r"^tmp[a-z0-9_]{8}$")),
)


def remove_leftovers(data_dir: Path, now: float | None = None) -> list[Path]:
    """Delete the stale temporary files in the data folder; return what was removed.

    Best effort: a read-only folder or a file that cannot be removed is left as it is."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    for sub, pattern in PATTERNS:
        folder = data_dir / sub
        try:
            entries = [p for p in folder.iterdir() if pattern.match(p.name)]
        except OSError:
            continue
        for path in entries:
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                if now - path.stat().st_mtime < STALE_AFTER_S:
                    continue
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    if removed:
        log.info("removed %d leftover temporary file(s)", len(removed))
    return removed
