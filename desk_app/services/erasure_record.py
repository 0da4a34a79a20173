"""What outlives a restore of personal-data erasures: the record of erasures, and the attachment
files an erasure still has to remove.

The record (`erasures.jsonl` in the data folder, 0600, see paths.erasure_record_path) holds one
JSON line per erasure: when, which complaints (their ids) and which kinds of data were removed
(field names, "attachments"), never a value. It lives beside the database, not in it, so that
restoring a backup does not roll it back; services.privacy re-applies every recorded erasure
that a restored database has lost (reapply_erasures_at_start). It is appended under the
erasure's write lock, fsynced, just before the erasure commits: an erasure whose line cannot be
written is not made, and one whose commit fails after its line was written is completed at the
next start (it was asked for). Lines are only ever appended; a torn line is skipped.
Copying a desk to a new PC: take `erasures.jsonl` along with the database and `audit.key`.

Attachment files are content-addressed (services/attachments.py), so one file may serve several
complaints. An erasure lists the files it freed in `attachments/.removal-pending.json` before
its commit, and after the commit removes each one that no complaint and no draft refers to any
more. A file that cannot be removed now (held open on Windows, a read-only disk) stays listed
and is tried again at the next start; the list is deleted once it is empty. The list holds
SHA-256 digests only while removals are pending.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from desk_app import paths
from desk_app.errors import DeskError
from desk_app.files import FileNotWritten, append_private, write_private
from desk_app.i18n import N_
from desk_app.store import models
from desk_app.store.db import Database

log = logging.getLogger(__name__)

FORMAT = 1
PENDING_NAME = ".removal-pending.json"
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


class ErasureNotRecorded(DeskError):
    code = "erasure_not_recorded"
    template = N_(
        "The erasure could not be recorded ({reason}), so that it could be applied again "
        "after a restore. Nothing was erased."
    )


@dataclass(frozen=True)
class Erasure:
    """One recorded erasure: when (naive UTC), which complaints, which kinds of data."""

    at: dt.datetime
    complaints: tuple[str, ...]
    fields: tuple[str, ...]


def append(erasure: Erasure, path: Path | None = None) -> None:
    """Add one line to the record and fsync it; raises ErasureNotRecorded."""
    line = json.dumps(
        {
            "v": FORMAT,
            "at": erasure.at.strftime(_STAMP),
            "complaints": list(erasure.complaints),
            "fields": list(erasure.fields),
        },
        ensure_ascii=True,  # one line whatever the text holds (no U+2028 surprises)
        separators=(",", ":"),
    )
    try:
        append_private(path or paths.erasure_record_path(), line)
    except FileNotWritten as exc:
        raise ErasureNotRecorded(reason=exc.params.get("reason", "")) from None


def read(path: Path | None = None) -> list[Erasure]:
    """Every recorded erasure, oldest first; [] when there is no record. Lines that cannot be
    read (a torn last line after a power cut, a line of a newer format) are skipped."""
    path = path or paths.erasure_record_path()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("erasure record not readable: %s", type(exc).__name__)
        return []
    found = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            if data.get("v") != FORMAT:
                continue
            at = dt.datetime.strptime(data["at"], _STAMP)
            complaints = tuple(str(c) for c in data["complaints"])
            fields = tuple(str(f) for f in data.get("fields", ()))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        found.append(Erasure(at, complaints, fields))
    return found


# -- attachment files waiting for removal ------------------------------------------------------


def _pending_path(folder: Path) -> Path:
    return Path(folder) / PENDING_NAME


def pending(folder: Path) -> set[str]:
    """The digests of files listed for removal in the attachments `folder`."""
    try:
        data = json.loads(_pending_path(folder).read_text(encoding="ascii"))
    except FileNotFoundError:
        return set()
    except (OSError, ValueError) as exc:
        log.warning("attachment removal list not readable: %s", type(exc).__name__)
        return set()
    items = data.get("sha256", []) if isinstance(data, dict) else []
    return {s for s in items if isinstance(s, str) and len(s) == 64 and s.isalnum()}


def _write_pending(folder: Path, digests: set[str]) -> None:
    path = _pending_path(folder)
    if not digests:
        path.unlink(missing_ok=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps({"sha256": sorted(digests)}) + "\n")


def add_pending(folder: Path, digests: set[str]) -> None:
    """List more files for removal (before the erasure commits); raises ErasureNotRecorded."""
    if not digests:
        return
    try:
        _write_pending(Path(folder), pending(folder) | set(digests))
    except FileNotWritten as exc:
        raise ErasureNotRecorded(reason=exc.params.get("reason", "")) from None


def _still_used(db: Database, digests: set[str]) -> set[str]:
    """The digests a complaint or a draft (an unsaved form) still refers to."""
    A, D = models.Attachment, models.Draft
    with db.reading() as session:
        used = set(session.scalars(select(A.sha256).where(A.sha256.in_(digests)).distinct()))
        for data in session.scalars(select(D.data)):
            used.update(d for d in digests - used if d in data)
    return used


@dataclass(frozen=True)
class Removal:
    removed: int  # files deleted now
    left: int  # files that could not be deleted now: tried again at the next start


def remove_pending(db: Database, folder: Path) -> Removal:
    """Delete every listed file that nothing refers to any more; keep the rest listed only if
    its deletion failed. Safe to run at any time (after an erasure's commit, at start)."""
    folder = Path(folder)
    listed = pending(folder)
    if not listed:
        return Removal(0, 0)
    keep = _still_used(db, listed)
    removed, failed = 0, set()
    for digest in sorted(listed - keep):
        path = folder / digest[:2] / digest
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("attachment file not removed yet: %s", type(exc).__name__)
            failed.add(digest)
    try:
        _write_pending(folder, failed)
    except (FileNotWritten, OSError) as exc:  # the list stays as it was: tried again later
        log.warning("attachment removal list not updated: %s", type(exc).__name__)
    if removed:
        log.info("removed %d attachment file(s) of erased complaints", removed)
    return Removal(removed, len(failed))
