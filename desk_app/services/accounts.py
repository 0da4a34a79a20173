"""People: setting a desk up (its identity and first IT officer), signing in, managing users, and
the one permission check every service calls, `require()`.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile: t=3, m=64 MiB,
p=4, above the OWASP minimum of m=19 MiB, t=2, p=1); a hash made with weaker parameters is
replaced at the next successful login. After FREE_ATTEMPTS failed logins each further failure
makes the account wait 2, 4, 8 ... seconds, at most 15 minutes (`locked_until`); the answers never
say whether a user name exists.

Every refused action is audited ("access.denied", in its own committed transaction, so the
refusal is kept although the action is not). User management is audited with the acting user as
actor; passwords and hashes never go into the audit trail or an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from desk_app import reference, settings
from desk_app.audit import chain as audit  # append(): not services.audit, which needs require()
from desk_app.domain import numbering
from desk_app.domain.roles import Action, Actor, Role, allowed
from desk_app.errors import (
    AccountDisabled,
    DatabaseDamaged,
    DeskAlreadyInitialised,
    DeskNotSetUp,
    LastITOfficer,
    LoginDelayed,
    LoginFailed,
    NotSignedIn,
    PasswordChangeRequired,
    PasswordRejected,
    PermissionDenied,
    RestoreNeedsITOfficer,
    SettingInvalid,
    UserExists,
    UsernameInvalid,
    UserNotFound,
    ValidationFailed,
)
from desk_app.i18n import _
from desk_app.store.db import Database, utcnow
from desk_app.store.models import User

__all__ = [
    "Actor",
    "UserInfo",
    "authenticate",
    "change_password",
    "create_user",
    "disable_user",
    "has_users",
    "init_desk",
    "list_users",
    "require",
    "reset_password",
    "set_role",
]

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 15 * 60
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")

# OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
OWASP_MINIMUM = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
# argon2-cffi's default is RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4).
HASHER = PasswordHasher()


def _hasher() -> PasswordHasher:
    return HASHER  # read at call time, so tests can swap in a cheaper one


# -- the permission check ----------------------------------------------------------------------


def require(desk, actor: Actor | None, action: Action, **ctx: object) -> None:
    """Raise PermissionDenied (and audit the refusal) unless `actor` may do `action`.

    `ctx` may hold `own` and `uploaded` (see domain.roles.allowed) and plain, non-personal
    values worth keeping with the refusal (an object id). No actor is refused (NotSignedIn):
    there is nobody to hold to account. Call it before opening the action's own write
    transaction.
    """
    if actor is None:
        raise NotSignedIn()
    if action is Action.RECORD and not getattr(desk, "set_up", True):
        raise DeskNotSetUp()
    if actor.must_change_password:
        raise PasswordChangeRequired()
    own, uploaded = bool(ctx.get("own", False)), bool(ctx.get("uploaded", False))
    if allowed(actor.role, action, own=own, uploaded=uploaded):
        return
    if not desk.db.writable:  # read-only or damaged: refuse all the same, unrecorded
        raise PermissionDenied(role=actor.role.value, action=action.value)
    with desk.db.writing() as session:
        audit.append(
            session,
            desk,
            "access.denied",
            "action",
            action.value,
            after={"role": actor.role.value, **ctx},
            actor=actor.username,
        )
    raise PermissionDenied(role=actor.role.value, action=action.value)


def require_signed_in(desk) -> None:
    """For the desk's own duties that any signed-in user may set off (the integrity check and
    the daily backup at start): refuse only a desk with nobody signed in."""
    if desk.actor is None:
        raise NotSignedIn()


# -- passwords ---------------------------------------------------------------------------------


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(reason="short", minimum=MIN_PASSWORD_LENGTH)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_dummy: dict[str, str] = {}


def _verify_nobody(password: str) -> None:
    """As much work as checking a real password, so timing does not tell a name exists."""
    hasher = _hasher()
    key = f"{hasher.time_cost}/{hasher.memory_cost}/{hasher.parallelism}"
    if key not in _dummy:
        _dummy[key] = hasher.hash("not a password of anyone")
    _verify(_dummy[key], password)


def login_delay(failed_attempts: int) -> int:
    """Seconds to wait after `failed_attempts` failures in a row: 0, 0, 0, 2, 4 ... 900."""
    if failed_attempts <= FREE_ATTEMPTS:
        return 0
    return min(2 ** (failed_attempts - FREE_ATTEMPTS), MAX_DELAY_SECONDS)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def _checked_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise UsernameInvalid()
    return name


# -- signing in --------------------------------------------------------------------------------

# Failed attempts for names that are not users, kept in this process only: the same waits as
# for real users, so that the answers do not tell which names exist.
_unknown_failures: dict[str, tuple[int, dt.datetime | None]] = {}


def _wait_seconds(locked_until: dt.datetime | None, now: dt.datetime) -> int:
    if locked_until is None or now >= locked_until:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds()))


def _actor(user: User) -> Actor:
    return Actor(user.username, user.full_name, Role(user.role), user.must_change_password)


def authenticate(desk, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a user name and password; return the Actor to set as `desk.actor`.

    Raises LoginFailed (wrong name or password, never saying which), LoginDelayed (too many
    failures: wait `seconds`), AccountDisabled (right password, disabled account). The returned
    Actor may have `must_change_password`: then only change_password() is allowed.
    """
    try:
        return _authenticate(desk, username, password, now or desk.now())
    except OperationalError as exc:  # what db.writing() did not already say (busy, full...)
        from desk_app.store.faults import storage_error

        raise storage_error(exc) from None


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
                _verify_nobody(password)
                count += 1
                delay = login_delay(count)
                until = now + dt.timedelta(seconds=delay) if delay else None
                _unknown_failures[name] = (count, until)
                failure = LoginDelayed(seconds=delay) if delay else LoginFailed()
        elif wait := _wait_seconds(user.locked_until, now):
            failure = LoginDelayed(seconds=wait)
        elif not _verify(user.password_hash, password):
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
            if _hasher().check_needs_rehash(user.password_hash):
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
            return _actor(user)
    raise failure


def _authenticate_unrecorded(db: Database, name: str, password: str, now: dt.datetime) -> Actor:
    """Sign-in on a desk that cannot be written (read-only data folder, damaged database):
    the password, a running lock-out and a disabled account are checked as always, but
    nothing is recorded (no login event, no failure count), so that IT can still look up,
    verify and restore. The caller tells the user the sign-in was not recorded."""
    with db.reading() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            _verify_nobody(password)
            raise LoginFailed()
        if wait := _wait_seconds(user.locked_until, now):
            raise LoginDelayed(seconds=wait)
        if not _verify(user.password_hash, password):
            raise LoginFailed()
        if user.disabled:
            raise AccountDisabled()
        return _actor(user)


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
    _check_new_password(new)
    if new == old:
        raise PasswordRejected(reason="same")
    with desk.db.writing() as session:
        user = _get(session, actor.username)
        if not _verify(user.password_hash, old):
            raise PasswordRejected(reason="wrong")
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.updated_at = desk.now()
        audit.append(
            session, desk, "user.password_change", "user", user.username, actor=actor.username
        )
        return _actor(user)


# -- first run ---------------------------------------------------------------------------------


class _Clock:
    """What audit.append needs from a desk, when init_desk is given a bare Database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.user = ""

    @staticmethod
    def now() -> dt.datetime:
        return utcnow()


def has_users(db: Database) -> bool:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(User)) > 0


def init_desk(
    desk_or_db,
    desk_code: str,
    desk_name: str,
    office: str = "",
    region: str = "",
    timezone: str = "Asia/Jakarta",
    contact: str = "",
    admin_username: str = "",
    admin_full_name: str = "",
    admin_password: str = "",
    training: bool = False,
) -> Actor:
    """First run: store the desk's identity and create its first IT officer, in one transaction.

    `training`: a training desk (takes demo data; fixed for the desk's life, settings.py).

    Refuses (DeskAlreadyInitialised) once any user exists. Raises ValidationFailed for a bad
    desk code, name, region or time zone. Returns the new IT officer as an Actor; a Desk
    given here is a frozen value: continue with `desk.reloaded().acting(actor)`.
    """
    is_desk = not isinstance(desk_or_db, Database)
    db = desk_or_db.db if is_desk else desk_or_db
    clock = desk_or_db if is_desk else _Clock(db)
    desk_code = desk_code.strip().upper()
    errors: dict[str, str] = {}
    if not numbering.DESK_CODE_RE.match(desk_code):
        errors["desk_code"] = _(
            "A desk code has 2 to 8 capital letters or digits and starts with a letter."
        )
    if not desk_name.strip():
        errors["desk_name"] = _("The desk needs a name.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Unknown time zone.")
    region = region.strip()
    if region and region not in reference.load().regions:
        errors["region"] = _("Unknown region code.")
    typed = dict(
        desk_code=desk_code, desk_name=desk_name, office=office, contact=contact, timezone=timezone
    )
    for key, text in typed.items():
        try:
            settings.SETTINGS[key].parse(text)  # as `desk-app settings` checks: lengths, zones
        except SettingInvalid as exc:
            errors.setdefault(key, exc.message())
    if errors:
        raise ValidationFailed(errors)
    username = _checked_username(admin_username)
    _check_new_password(admin_password)
    password_hash = hash_password(admin_password)
    values = {
        "desk_code": desk_code,
        "desk_name": desk_name.strip(),
        "office": office.strip(),
        "region": region,
        "timezone": timezone,
        "contact": contact.strip(),
        "training_desk": bool(training),
    }
    now = clock.now()
    with db.writing() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise DeskAlreadyInitialised()
        for key, value in values.items():
            settings.store(session, key, value)
        user = _new_user(session, username, admin_full_name, Role.IT, password_hash, now)
        audit.append(session, clock, "desk.init", "desk", desk_code, after=values, actor=username)
        audit.append(
            session, clock, "user.create", "user", username, after=_public(user), actor=username
        )
        return _actor(user)


# -- managing users (IT) -----------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    username: str
    full_name: str
    role: Role
    disabled: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime


def _public(user: User) -> dict:
    """What the audit trail keeps of a user: never the password hash."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "disabled": bool(user.disabled),
        "must_change_password": bool(user.must_change_password),
    }


def _new_user(session: Session, username, full_name, role: Role, password_hash, now) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserExists(username=username)
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=Role(role).value,
        password_hash=password_hash,
        must_change_password=False,
        disabled=False,
        failed_attempts=0,
        locked_until=None,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


def _get(session: Session, username: str) -> User:
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise UserNotFound(username=name)
    return user


def _other_active_it(session: Session, username: str) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.IT.value, User.disabled.is_(False))
            .where(User.username != username)
        )
        > 0
    )


def create_user(
    desk,
    actor: Actor | None,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    *,
    must_change_password: bool = True,
) -> UserInfo:
    """A new user; by default they choose their own password at the first login."""
    require(desk, actor, Action.MANAGE_USERS)
    name = _checked_username(username)
    _check_new_password(password)
    password_hash = hash_password(password)
    with desk.db.writing() as session:
        user = _new_user(session, name, full_name, Role(role), password_hash, desk.now())
        user.must_change_password = must_change_password
        audit.append(
            session, desk, "user.create", "user", name, after=_public(user), actor=_who(actor)
        )
        return _info(user)


def set_role(desk, actor: Actor | None, username: str, role: Role) -> UserInfo:
    require(desk, actor, Action.MANAGE_USERS)
    with desk.db.writing() as session:
        user = _get(session, username)
        before = _public(user)
        if user.role == Role.IT.value and Role(role) != Role.IT and not user.disabled:
            if not _other_active_it(session, user.username):
                raise LastITOfficer(username=user.username)
        user.role = Role(role).value
        user.updated_at = desk.now()
        audit.append(
            session,
            desk,
            "user.role",
            "user",
            user.username,
            before=before,
            after=_public(user),
            actor=_who(actor),
        )
        return _info(user)


def disable_user(desk, actor: Actor | None, username: str, *, disabled: bool = True) -> UserInfo:
    """Disable (or, with disabled=False, enable again) a user. Users are never deleted."""
    require(desk, actor, Action.MANAGE_USERS)
    with desk.db.writing() as session:
        user = _get(session, username)
        before = _public(user)
        if disabled and user.role == Role.IT.value and not _other_active_it(session, user.username):
            raise LastITOfficer(username=user.username)
        user.disabled = disabled
        user.updated_at = desk.now()
        audit.append(
            session,
            desk,
            "user.disable" if disabled else "user.enable",
            "user",
            user.username,
            before=before,
            after=_public(user),
            actor=_who(actor),
        )
        return _info(user)


def reset_password(desk, actor: Actor | None, username: str, new_password: str) -> UserInfo:
    """Set a temporary password that the user must change at the next login; unlocks too."""
    require(desk, actor, Action.MANAGE_USERS)
    _check_new_password(new_password)
    password_hash = hash_password(new_password)
    with desk.db.writing() as session:
        user = _get(session, username)
        before = _public(user)
        user.password_hash = password_hash
        user.must_change_password = True
        user.failed_attempts = 0
        user.locked_until = None
        user.updated_at = desk.now()
        audit.append(
            session,
            desk,
            "user.password_reset",
            "user",
            user.username,
            before=before,
            after=_public(user),
            actor=_who(actor),
        )
        return _info(user)


def list_users(desk, actor: Actor | None, *, include_disabled: bool = True) -> list[UserInfo]:
    require(desk, actor, Action.MANAGE_USERS)
    stmt = select(User).order_by(User.username)
    if not include_disabled:
        stmt = stmt.where(User.disabled.is_(False))
    with desk.db.reading() as session:
        return [_info(u) for u in session.scalars(stmt)]


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.username,
        user.full_name,
        Role(user.role),
        bool(user.disabled),
        bool(user.must_change_password),
        user.locked_until,
        user.created_at,
    )


def _who(actor: Actor | None) -> str | None:
    return actor.username if actor is not None else None
