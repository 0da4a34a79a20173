"""What a user name and a password must be, and how passwords are hashed and checked.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile: t=3, m=64 MiB,
p=4, above the OWASP minimum of m=19 MiB, t=2, p=1); a hash made with weaker parameters is
replaced at the next successful login (services.signin). After FREE_ATTEMPTS failed logins each
further failure makes the account wait 2, 4, 8 ... seconds, at most 15 minutes.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from desk_app.errors import (
    PasswordRejected,
    UsernameInvalid,
)

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 15 * 60
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

# OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
OWASP_MINIMUM = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
# argon2-cffi's default is RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4).
HASHER = PasswordHasher()


def hasher() -> PasswordHasher:
    return HASHER  # read at call time, so tests can swap in a cheaper one


# -- passwords ---------------------------------------------------------------------------------


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(reason="short", minimum=MIN_PASSWORD_LENGTH)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_dummy: dict[str, str] = {}


def verify_nobody(password: str) -> None:
    """As much work as checking a real password, so timing does not tell a name exists."""
    current = hasher()
    key = f"{current.time_cost}/{current.memory_cost}/{current.parallelism}"
    if key not in _dummy:
        _dummy[key] = current.hash("not a password of anyone")
    verify_password(_dummy[key], password)


def login_delay(failed_attempts: int) -> int:
    """Seconds to wait after `failed_attempts` failures in a row: 0, 0, 0, 2, 4 ... 900."""
    if failed_attempts <= FREE_ATTEMPTS:
        return 0
    return min(2 ** (failed_attempts - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def checked_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise UsernameInvalid()
    return name
