"""Attachments: copied into the data folder under their SHA-256 (content-addressed)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.i18n import N_, _
from desk_app.services.access import require
from desk_app.services.desk import Desk

MAX_BYTES = 50 * 1024 * 1024


class AttachmentError(DeskError):
    code = "attachment"
    template = N_("The file {name} could not be attached: {reason}.")


def stored_path(desk: Desk, sha256: str) -> Path:
    """Where the file with this SHA-256 is kept (a path: reads nothing)."""
    return desk.attachments_dir / sha256[:2] / sha256


def add_file(desk: Desk, source: str | os.PathLike[str]) -> dict[str, str]:
    """Copy `source` into the data folder; return {filename, sha256, size} for the form.
    For who records (or corrects: the same people): Action.RECORD."""
    require(desk, desk.actor, Action.RECORD)
    source = Path(source)
    try:
        size = source.stat().st_size
        if not source.is_file():
            raise AttachmentError(name=source.name, reason=_("not a file"))
        if size > MAX_BYTES:
            raise AttachmentError(name=source.name, reason=_("larger than 50 MB"))
        desk.attachments_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with (
            source.open("rb") as src,
            tempfile.NamedTemporaryFile(dir=desk.attachments_dir, delete=False) as tmp,
        ):
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                tmp.write(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
        sha = digest.hexdigest()
        target = stored_path(desk, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(tmp.name)
        else:
            shutil.move(tmp.name, target)
    except OSError as exc:
        raise AttachmentError(name=source.name, reason=exc.strerror or "I/O") from None
    return {"filename": source.name, "sha256": sha, "size": str(size)}


def verify(desk: Desk, sha256: str) -> bool:
    """True when the stored copy is still intact."""
    require(desk, desk.actor, Action.VIEW)
    path = stored_path(desk, sha256)
    if not path.exists():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256
