"""Signing in and changing one's own password. The answers never say whether a user name
exists (the same work and the same waits for unknown names); a desk that cannot be written
still checks the password but records nothing. Passwords never go into the trail or an error."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select

from desk_app.audit import chain as audit  # append(): not services.audit, which needs require()
from desk_app.domain.roles import Action, Actor, allowed
from desk_app.errors import (
    AccountDisabled,
    DatabaseDamaged,
    LoginDelayed,
    LoginFailed,
    PasswordRejected,
    PermissionDenied,
    RestoreNeedsITOfficer,
)
from desk_app.services.credentials import (
    check_new_password,
    hash_password,
    hasher,
    login_delay,
    normalise_username,
    verify_nobody,
    verify_password,
)
from desk_app.services.users import actor_of, get_user_row, has_users
from desk_app.store.db import Database, utcnow
from desk_app.store.models import User

# -- signing in --------------------------------------------------------------------------------

# Failed attempts for names that are not users, kept in this process only: the same waits as
# for real users, so that the answers do not tell which names exist.
_unknown_failures: dict[str, tuple[int, dt.datetime | None]] = {}


def _wait_seconds(locked_until: dt.datetime | None, now: dt.datetime) -> int:
    if locked_until is None or now >= locked_until:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds()))


def authenticate(desk, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a user name and password; return the Actor to set as `desk.actor`.

    Raises LoginFailed (wrong name or password, never saying which), LoginDelayed (too many
    failures: wait `seconds`), AccountDisabled (right password, disabled account). The returned
    Actor may have `must_change_password`: then only change_password() is allowed.
    """
    # Busy, full, read-only, damaged: the session says so (store/db.py); nothing to catch here.
    return _authenticate(desk, username, password, now or desk.now())


def _authenticate(desk, username: str, password: str, now: dt.datetime) -> Actor:
    name = normalise_username(username)
    if not desk.db.writable:
        return _authenticate_unrecorded(desk.db, name, password, now)
    try:
        return _authenticate_recorded(desk, name, password, now)
    except DatabaseDamaged:  # found by this very sign-in (now marked): check, record nothing
        return _authenticate_unrecorded(desk.db, name, password, now)


def _authenticate_recorded(desk, name: str, password: str, now: dt.datetime) -> Actor:
    failure: Exception | None = None
    with desk.db.writing() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            count, locked = _unknown_failures.get(name, (0, None))
            wait = _wait_seconds(locked, now)
            if wait:
                failure = LoginDelayed(seconds=wait)
            else:
                verify_nobody(password)
                count += 1
                delay = login_delay(count)
                until = now + dt.timedelta(seconds=delay) if delay else None
                _unknown_failures[name] = (count, until)
                failure = LoginDelayed(seconds=delay) if delay else LoginFailed()
        elif wait := _wait_seconds(user.locked_until, now):
            failure = LoginDelayed(seconds=wait)
        elif not verify_password(user.password_hash, password):
            user.failed_attempts += 1
            delay = login_delay(user.failed_attempts)
            user.locked_until = now + dt.timedelta(seconds=delay) if delay else None
            audit.append(
                session,
                desk,
                "user.login_failed",
                "user",
                user.username,
                after={"failed_attempts": user.failed_attempts},
                actor=user.username,
                skip_without_key=True,  # the delay must hold while IT brings the key back
            )
            failure = LoginDelayed(seconds=delay) if delay else LoginFailed()
        elif user.disabled:
            failure = AccountDisabled()
        else:
            user.failed_attempts = 0
            user.locked_until = None
            if hasher().check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
                user.updated_at = now
            audit.append(  # without the key: IT must still sign in to bring it back
                session,
                desk,
                "user.login",
                "user",
                user.username,
                actor=user.username,
                skip_without_key=True,
            )
            return actor_of(user)
    raise failure


def _authenticate_unrecorded(db: Database, name: str, password: str, now: dt.datetime) -> Actor:
    """Sign-in on a desk that cannot be written (read-only data folder, damaged database):
    the password, a running lock-out and a disabled account are checked as always, but
    nothing is recorded (no login event, no failure count), so that IT can still look up,
    verify and restore. The caller tells the user the sign-in was not recorded."""
    with db.reading() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            verify_nobody(password)
            raise LoginFailed()
        if wait := _wait_seconds(user.locked_until, now):
            raise LoginDelayed(seconds=wait)
        if not verify_password(user.password_hash, password):
            raise LoginFailed()
        if user.disabled:
            raise AccountDisabled()
        return actor_of(user)


def authenticate_restorer(db_file, username: str, password: str) -> Actor:
    """The IT officer who may restore the backup `db_file` when the current database cannot
    be opened (so cannot say who may): checked read-only against that file's own users,
    recording nothing. Raises LoginFailed, LoginDelayed, AccountDisabled, PermissionDenied
    (not an IT officer there) or RestoreNeedsITOfficer (the backup has no users at all).

    The backup is what the desk will trust next, and its IT officers are the people who will
    run it; whoever can write the data folder could copy a file in by hand anyway, so this
    keeps the restore accountable and out of a clerk's reach, not out of an administrator's.
    Used by `desk-app restore` (cli_accounts.check_restore) and the window's offer to restore.
    """
    from pathlib import Path

    from desk_app.store.db import sqlite_url

    db = Database(sqlite_url(Path(db_file)), read_only=True)
    try:
        if not has_users(db):
            raise RestoreNeedsITOfficer(name=Path(db_file).name)
        actor = _authenticate_unrecorded(db, normalise_username(username), password, utcnow())
    finally:
        db.close()
    if not allowed(actor.role, Action.RESTORE):
        raise PermissionDenied(role=actor.role.value, action=Action.RESTORE.value)
    return actor


def change_password(desk, actor: Actor, old: str, new: str) -> Actor:
    """The actor's own password; clears must_change_password. Returns the updated Actor."""
    check_new_password(new)
    if new == old:
        raise PasswordRejected(reason="same")
    with desk.db.writing() as session:
        user = get_user_row(session, actor.username)
        if not verify_password(user.password_hash, old):
            raise PasswordRejected(reason="wrong")
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.updated_at = desk.now()
        audit.append(
            session, desk, "user.password_change", "user", user.username, actor=actor.username
        )
        return actor_of(user)
