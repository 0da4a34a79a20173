"""The sync secret, in the OS keyring (service "meja-aduan", keyed by server and client id).

The server URL, client id and CA bundle path are plain settings (services/sync.py). Only the
secret is secret: it goes to the keyring, or, where no usable keyring backend exists
(keyring.backends.fail, keyrings.alt's file backends, or a chainer with none behind it), into
this process's memory for the session only; the caller says so in plain words. A secret never
lands in a file, a log, an audit event or an exception from here.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

SERVICE = "meja-aduan"

_session: dict[str, str] = {}
_lock = threading.Lock()


def account(server: str, client_id: str) -> str:
    """The keyring's user name for this server's client id."""
    return f"{server.rstrip('/')}#{client_id}"


def keyring_usable() -> bool:
    """A keyring backend that can keep a secret exists (not the fail backend, not a chainer
    with nothing behind it)."""
    import keyring  # on first use: not when a window shows the sync counts
    import keyring.errors

    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration is "none"
        return False
    return _usable(backend)


def _usable(backend) -> bool:
    module = type(backend).__module__
    if module.startswith("keyring.backends.fail"):
        return False
    if module.startswith("keyrings.alt"):
        return False  # keyrings.alt's plaintext and encrypted FILE backends: a file is no keyring
    if module.startswith("keyring.backends.chainer"):
        return any(_usable(b) for b in getattr(backend, "backends", ()))
    try:
        return float(getattr(backend, "priority", 1)) > 0
    except Exception:  # noqa: BLE001 - priority may raise when the backend is not viable
        return False


def store(server: str, client_id: str, secret: str) -> bool:
    """Keep the secret: in the keyring (True) or, without one, in memory (False)."""
    import keyring  # on first use: not when a window shows the sync counts
    import keyring.errors

    key = account(server, client_id)
    if keyring_usable():
        try:
            keyring.set_password(SERVICE, key, secret)
            with _lock:
                _session.pop(key, None)
            return True
        except keyring.errors.KeyringError as exc:
            log.warning("keyring refused the sync secret: %s", type(exc).__name__)
    remember(server, client_id, secret)
    return False


def remember(server: str, client_id: str, secret: str) -> None:
    """Hold the secret in this process's memory for the session only."""
    with _lock:
        _session[account(server, client_id)] = secret


def load(server: str, client_id: str) -> str | None:
    """The secret for this server and client id, from memory or the keyring; None if none."""
    import keyring  # on first use: not when a window shows the sync counts
    import keyring.errors

    key = account(server, client_id)
    with _lock:
        if key in _session:
            return _session[key]
    if not keyring_usable():
        return None
    try:
        return keyring.get_password(SERVICE, key)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring could not be read: %s", type(exc).__name__)
        return None


def forget(server: str, client_id: str) -> None:
    import keyring  # on first use: not when a window shows the sync counts
    import keyring.errors

    key = account(server, client_id)
    with _lock:
        _session.pop(key, None)
    if keyring_usable():
        try:
            keyring.delete_password(SERVICE, key)
        except keyring.errors.KeyringError:
            pass


def forget_session() -> None:
    """Drop every secret held in memory (sign-out, tests)."""
    with _lock:
        _session.clear()
