"""The head: the newest (seq, hash) this data folder committed, kept outside the database in
`audit.head`, so that deleting the newest events (or the whole trail) is seen.

The file is two fixed-size slots of SLOT bytes, each: magic, seq, the hash's 32 bytes and a
CRC-32 of those. A commit overwrites one slot in place (no temporary file, no rename, no fsync:
about the cost of one small write, not a file replace per save); a torn write spoils only the
slot being written, and the other still holds an older head. The reader takes the valid slot
with the highest seq.

The head may lag behind the table (it is written after the commit, best effort), never lead
it, and it only moves forward: advance() leaves it alone when the new seq is not beyond it, so
events written after the newest ones were deleted do not wipe out the evidence. Only anchor()
(after a restore, or a verify that found the trail whole) sets it to any value.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from pathlib import Path

from desk_app import paths

HEAD_FILE = "audit.head"
MAGIC = b"MAH1"
_BODY = struct.Struct(">4sQ32s")  # magic, seq, hash
_SLOT = struct.Struct(">4sQ32sI")  # ... and the CRC-32 of the body
SLOT = 64  # bytes per slot, padded with zeros

log = logging.getLogger(__name__)


def head_path() -> Path:
    return paths.data_dir() / HEAD_FILE


def _pack(seq: int, hash_: str) -> bytes:
    body = _BODY.pack(MAGIC, seq, bytes.fromhex(hash_))
    return _SLOT.pack(MAGIC, seq, bytes.fromhex(hash_), zlib.crc32(body)).ljust(SLOT, b"\0")


def _unpack(raw: bytes) -> tuple[int, str] | None:
    if len(raw) < _SLOT.size:
        return None
    magic, seq, digest, crc = _SLOT.unpack_from(raw)
    if magic != MAGIC or zlib.crc32(_BODY.pack(magic, seq, digest)) != crc:
        return None
    return seq, digest.hex()


def _slots(raw: bytes) -> list[tuple[int, str] | None]:
    return [_unpack(raw[i * SLOT : (i + 1) * SLOT]) for i in range(2)]


def read_head(path: Path | None = None) -> tuple[int, str] | None:
    """The anchored (seq, hash), or None when there is none or neither slot can be read."""
    try:
        raw = (path or head_path()).read_bytes()
    except OSError:
        return None
    valid = [s for s in _slots(raw) if s is not None]
    return max(valid) if valid else None


def advance(path: Path, first_seq: int, first_prev: str, seq: int, hash_: str) -> None:
    """After a commit whose events were first_seq..seq (the first following `first_prev`):
    move the head to (seq, hash) when that extends it. Best effort.

    The head stays where it is when it is at or beyond `seq` (a lagging writer, or newest
    events deleted), and when these events do not follow it (the head's event was deleted or
    replaced, and the chain grown again): the evidence stays until a restore re-anchors it.
    A head more than one event behind (another process committed between) cannot be checked
    here and is moved on.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
        try:
            slots = _read(fd)
            valid = [(s, i) for i, s in enumerate(slots) if s is not None]
            slot = 0
            if valid:
                (top, top_hash), at = max(valid)
                if top >= first_seq:
                    return  # at or beyond these events: lagging writer, or a cut trail
                if top == first_seq - 1 and top_hash != first_prev:
                    return  # these events do not follow the head: keep the evidence
                slot = 1 - at
            _write_at(fd, _pack(seq, hash_), slot * SLOT)
        finally:
            os.close(fd)
    except (OSError, ValueError) as exc:
        log.warning("audit head not written: %s", type(exc).__name__)


# One call each where the system has them (POSIX); a seek first elsewhere (Windows). Every
# save advances the head: two system calls fewer a save (issue 11).
if hasattr(os, "pread"):

    def _read(fd: int) -> list[tuple[int, str] | None]:
        return _slots(os.pread(fd, 2 * SLOT, 0))

    def _write_at(fd: int, data: bytes, offset: int) -> None:
        os.pwrite(fd, data, offset)

else:  # pragma: no cover - Windows

    def _read(fd: int) -> list[tuple[int, str] | None]:
        os.lseek(fd, 0, os.SEEK_SET)
        return _slots(os.read(fd, 2 * SLOT))

    def _write_at(fd: int, data: bytes, offset: int) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        os.write(fd, data)


def anchor(seq: int, hash_: str, path: Path | None = None) -> None:
    """Set the head to (seq, hash) in both slots, whatever it was (after a restore)."""
    from desk_app.files import write_private

    write_private(path or head_path(), _pack(seq, hash_) * 2)


def forget(path: Path | None = None) -> None:
    """No head (a restored database with an empty trail): the next event anchors it again."""
    (path or head_path()).unlink(missing_ok=True)
