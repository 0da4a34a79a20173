"""The audit key: 32 random bytes in the data folder's `audit.key` (hex text, mode 0600),
outside the database, and its fingerprint inside the database, so that a swapped key file is
told apart from the desk's own.

The key is never replaced silently. It is made only for a desk whose trail is empty and that
never had a key (no fingerprint stored); a missing key (AuditKeyMissing) or a different one
(AuditKeyChanged) is refused in words, and only `desk-app audit key-import` (IT, audited) puts a
key back. The fingerprint, HMAC-SHA256(key, FINGERPRINT_LABEL), is kept in the `setting` table
under FINGERPRINT_SETTING (not a user setting: `desk-app settings` does not list it), written
in the transaction of the desk's first event. A desk from before fingerprints gets one at its
next event, once its key is shown to seal the newest event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from desk_app import paths
from desk_app.audit.seal import sealed
from desk_app.errors import AuditKeyChanged, AuditKeyDamaged, AuditKeyMissing, AuditTrailMissing
from desk_app.files import write_private
from desk_app.store.models import AuditEvent, Setting
from desk_app.store.prepared import Prepared

KEY_FILE = "audit.key"
KEY_BYTES = 32
FINGERPRINT_SETTING = "audit_key_fingerprint"
FINGERPRINT_LABEL = b"meja-aduan/audit/key-fingerprint/1"


def key_path() -> Path:
    return paths.data_dir() / KEY_FILE


def parse_key(text: str) -> bytes | None:
    """The key from its hex text, or None when the text is not a key."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def read_key(path: Path | None = None) -> bytes | None:
    """The key in `path` (default: the data folder's), None when there is no file.

    Raises AuditKeyDamaged when the file is there but is not a key.
    """
    path = path or key_path()
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise AuditKeyDamaged(path=str(path)) from None
    key = parse_key(text)
    if key is None:
        raise AuditKeyDamaged(path=str(path))
    return key


def write_key(key: bytes, path: Path | None = None) -> None:
    """Write the key file whole (desk_app.files: 0600, temporary file and rename)."""
    path = path or key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, key.hex() + "\n")


def fingerprint(key: bytes) -> str:
    """What the database keeps of the key: tells keys apart, gives nothing to seal with."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


_FINGERPRINT = Prepared(
    select(Setting.value).where(Setting.key == bindparam("key", FINGERPRINT_SETTING))
)


def stored_fingerprint(session: Session) -> str | None:
    """The fingerprint the database keeps (read in every event's transaction: prepared)."""
    return _FINGERPRINT.scalar(session, {"key": FINGERPRINT_SETTING})


_STORE_FINGERPRINT = Prepared(
    text(
        "INSERT INTO setting (key, value) VALUES (:key, :value) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
)


def store_fingerprint(session: Session, value: str) -> None:
    """Keep the fingerprint (Core, so a save's Core transaction can write it too)."""
    _STORE_FINGERPRINT.run(session, {"key": FINGERPRINT_SETTING, "value": value})


def newest_event(session: Session) -> dict | None:
    row = session.execute(select(*AuditEvent.__table__.c).order_by(AuditEvent.seq.desc()).limit(1))
    first = row.first()
    return dict(first._mapping) if first is not None else None


def seals_newest(session: Session, key: bytes) -> bool | None:
    """Does `key` seal the newest event? None when the trail is empty."""
    newest = newest_event(session)
    return None if newest is None else sealed(key, newest)


# The key read for signing and its fingerprint, by file identity: a stat costs less than a
# read (and the fingerprint's HMAC) on every event.
_cache: dict[Path, tuple[tuple[int, int, int], bytes, str]] = {}


def _cached_key(path: Path) -> tuple[bytes, str] | None:
    """(key, fingerprint) of the key file at `path`, None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError:
        raise AuditKeyDamaged(path=str(path)) from None
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    hit = _cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1], hit[2]
    key = read_key(path)
    if key is None:
        return None
    _cache[path] = (stamp, key, fingerprint(key))
    return key, _cache[path][2]


def signing_key(session: Session, trail_empty: bool) -> bytes:
    """The key to seal the next event with, inside the caller's write transaction.

    Makes a key only for a desk that never had one (empty trail, no fingerprint); stores the
    fingerprint with the first event. Raises AuditKeyMissing, AuditKeyChanged, AuditKeyDamaged,
    or AuditTrailMissing (the desk had a trail and it is gone: a new chain would hide that).
    """
    path = key_path()
    cached = _cached_key(path)
    key, key_print = cached if cached is not None else (None, None)
    known = stored_fingerprint(session)
    if known is not None:
        if key is None:
            raise AuditKeyMissing(path=str(path))
        if not hmac.compare_digest(key_print, known):
            raise AuditKeyChanged(path=str(path))
        if trail_empty:
            raise AuditTrailMissing()
        return key
    if trail_empty:
        if key is None:
            key = secrets.token_bytes(KEY_BYTES)
            write_key(key, path)
        store_fingerprint(session, fingerprint(key))
        return key
    # A desk from before fingerprints: its key must seal the trail it has.
    if key is None:
        raise AuditKeyMissing(path=str(path))
    if not seals_newest(session, key):
        raise AuditKeyChanged(path=str(path))
    store_fingerprint(session, fingerprint(key))
    return key
