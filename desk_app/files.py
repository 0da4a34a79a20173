"""Writing files the desk hands out or keeps (exports, keys, receipts): whole or not at all,
private (0600), never through a symlink. The one helper for it; do not hand-write another.

A file is written beside its target as a hidden temporary file (created with O_EXCL, mode
0600), flushed and fsynced, then renamed over the target and the folder fsynced, so a crash or
power cut leaves either the old file or the new one, never half of either. An existing target
that is a symlink is refused (its own target would be overwritten); an existing regular file is
replaced, and the new file has mode 0600 whatever the old one had.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from desk_app.errors import DeskError
from desk_app.i18n import N_, _

PRIVATE_FILE_MODE = 0o600
_POSIX = os.name == "posix"


class FileNotWritten(DeskError):
    """`reason` is already words (see reason_text); the path is given by the caller only when
    it is not personal (an export named after a person stays unnamed)."""

    code = "file_not_written"
    template = N_("The file could not be written: {reason}. Nothing was changed.")


def reason_text(exc: OSError) -> str:
    """An OSError as words for the user, never the exception's class name."""
    reasons = {
        errno.ENOENT: N_("the folder does not exist"),
        errno.ENOTDIR: N_("the folder does not exist"),
        errno.EACCES: N_("permission denied"),
        errno.EPERM: N_("permission denied"),
        errno.EROFS: N_("the disk is read-only"),
        errno.ENOSPC: N_("the disk is full"),
        getattr(errno, "EDQUOT", -1): N_("the disk quota is exceeded"),
        errno.EISDIR: N_("that is a folder, not a file"),
        errno.ELOOP: N_("the file is a symbolic link"),
        errno.EEXIST: N_("the file already exists"),
        errno.ENAMETOOLONG: N_("the name is too long"),
    }
    text = reasons.get(exc.errno or 0)
    return _(text) if text else _("the system refused (error {code})").format(code=exc.errno)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; NTFS journals renames itself)."""
    if not _POSIX:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise FileNotWritten(reason=_("the file is a symbolic link"))


@contextmanager
def private_writer(
    path: str | os.PathLike[str], *, binary: bool = False, encoding: str = "utf-8"
) -> Iterator[IO]:
    """Open a private temporary file beside `path`; on a clean exit it replaces `path`.

    On any exception the temporary file is removed and `path` is untouched. OSError while
    opening, writing or renaming becomes FileNotWritten with the reason in words.
    """
    path = Path(path)
    _refuse_symlink(path)
    if path.is_dir():
        raise FileNotWritten(reason=_("that is a folder, not a file"))
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise FileNotWritten(reason=reason_text(exc)) from None
    try:
        if _POSIX:
            os.fchmod(fd, PRIVATE_FILE_MODE)  # whatever the umask took away or left
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _refuse_symlink(path)  # made a symlink while we wrote: still not followed
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        _discard(tmp)
        raise FileNotWritten(reason=reason_text(exc)) from None
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: Path) -> None:
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def write_private(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write `data` to `path` whole (see the module note): 0600, no symlinks, atomic."""
    with private_writer(path, binary=isinstance(data, bytes)) as fh:
        fh.write(data)


def write_private_with(
    path: str | os.PathLike[str], write: Callable[[IO], object], **kwargs
) -> object:
    """Let `write(fh)` fill the file (streaming), then put it in place; return its result."""
    with private_writer(path, **kwargs) as fh:
        return write(fh)


def append_private(path: str | os.PathLike[str], line: str) -> None:
    """Append one line to a private, append-only record (created 0600, never through a
    symlink) and fsync it before returning, so a line that was acknowledged survives a power
    cut. A torn last line left by an earlier crash is ended first, so it cannot swallow this
    one; readers skip a line they cannot parse. OSError becomes FileNotWritten.
    """
    path = Path(path)
    if "\n" in line or "\r" in line:
        raise ValueError("one line at a time")
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    _refuse_symlink(path)
    try:
        created = not path.exists()
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
        try:
            if _POSIX:
                os.fchmod(fd, PRIVATE_FILE_MODE)
            size = os.fstat(fd).st_size
            data = line.encode("utf-8") + b"\n"
            if size:
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) != b"\n":  # O_APPEND: the write still goes to the end
                    data = b"\n" + data
            if os.write(fd, data) != len(data):  # a short write to a file: the disk is full
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(path.parent)
    except OSError as exc:
        raise FileNotWritten(reason=reason_text(exc)) from None
