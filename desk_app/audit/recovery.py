"""The audit key's recovery file: IT exports it once (`desk-app audit key-export --out FILE`)
and keeps it apart from the PC, e.g. on a USB stick in the office safe; on a new PC, after the
backup is restored, `desk-app audit key-import FILE` brings the key back, and the desk verifies
its own trail again.

Why a recovery file and not the key inside each backup: a backup is copied often and widely
(the backups folder, USB sticks, a server share), and whoever holds a backup together with the
key can reseal a rewritten trail; protecting a key stored in backups would need a passphrase at
every automatic backup (none is there to type one) or a new dependency for public-key
encryption. The key never changes, so one export, done at set-up and audited, is enough; the
database keeps the key's fingerprint, so an import of another desk's key is refused.

The file is text, 0600, written whole through desk_app.files:

    meja-aduan-audit-key/1
    desk: PKU01
    fingerprint: <64 hex>
    key: <64 hex>
"""

from __future__ import annotations

import hmac

from desk_app.audit.keyfile import fingerprint, parse_key
from desk_app.errors import AuditKeyFileRefused
from desk_app.i18n import _

MAGIC = "meja-aduan-audit-key/1"
MAX_BYTES = 4096


def render(key: bytes, desk_code: str) -> str:
    return f"{MAGIC}\ndesk: {desk_code}\nfingerprint: {fingerprint(key)}\nkey: {key.hex()}\n"


def parse(data: bytes) -> bytes:
    """The key in a recovery file's bytes; AuditKeyFileRefused (in words) when it is not one.

    A plain key file (`audit.key` copied from the old PC's data folder) is accepted too.
    """
    if len(data) > MAX_BYTES:
        raise AuditKeyFileRefused(reason=_("it is not a Meja Aduan audit key file."))
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise AuditKeyFileRefused(reason=_("it is not a Meja Aduan audit key file.")) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:  # a copy of audit.key itself
        key = parse_key(lines[0])
        if key is None:
            raise AuditKeyFileRefused(reason=_("it is not a Meja Aduan audit key file."))
        return key
    if not lines or lines[0] != MAGIC:
        raise AuditKeyFileRefused(reason=_("it is not a Meja Aduan audit key file."))
    fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    key = parse_key(fields.get("key", ""))
    if key is None:
        raise AuditKeyFileRefused(reason=_("it holds no readable key."))
    if not hmac.compare_digest(fingerprint(key), fields.get("fingerprint", "")):
        raise AuditKeyFileRefused(
            reason=_("it is damaged (the key does not match its fingerprint).")
        )
    return key
