"""Managing users (IT): create, change role, disable or enable, reset a password, list. Every
change is audited with the acting user as actor; password hashes never enter the trail. Users
are never deleted, and the last active IT officer stays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.audit import chain as audit  # append(): not services.audit, which needs require()
from desk_app.domain.roles import Action, Actor, Role
from desk_app.errors import (
    LastITOfficer,
    UserExists,
    UserNotFound,
)
from desk_app.services.access import require
from desk_app.services.credentials import (
    check_new_password,
    checked_username,
    hash_password,
    normalise_username,
)
from desk_app.store.db import Database
from desk_app.store.models import User

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


def public_view(user: User) -> dict:
    """What the audit trail keeps of a user: never the password hash."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "disabled": bool(user.disabled),
        "must_change_password": bool(user.must_change_password),
    }


def new_user_row(session: Session, username, full_name, role: Role, password_hash, now) -> User:
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


def get_user_row(session: Session, username: str) -> User:
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
    name = checked_username(username)
    check_new_password(password)
    password_hash = hash_password(password)
    with desk.db.writing() as session:
        user = new_user_row(session, name, full_name, Role(role), password_hash, desk.now())
        user.must_change_password = must_change_password
        audit.append(
            session, desk, "user.create", "user", name, after=public_view(user), actor=_who(actor)
        )
        return _info(user)


def set_role(desk, actor: Actor | None, username: str, role: Role) -> UserInfo:
    require(desk, actor, Action.MANAGE_USERS)
    with desk.db.writing() as session:
        user = get_user_row(session, username)
        before = public_view(user)
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
            after=public_view(user),
            actor=_who(actor),
        )
        return _info(user)


def disable_user(desk, actor: Actor | None, username: str, *, disabled: bool = True) -> UserInfo:
    """Disable (or, with disabled=False, enable again) a user. Users are never deleted."""
    require(desk, actor, Action.MANAGE_USERS)
    with desk.db.writing() as session:
        user = get_user_row(session, username)
        before = public_view(user)
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
            after=public_view(user),
            actor=_who(actor),
        )
        return _info(user)


def reset_password(desk, actor: Actor | None, username: str, new_password: str) -> UserInfo:
    """Set a temporary password that the user must change at the next login; unlocks too."""
    require(desk, actor, Action.MANAGE_USERS)
    check_new_password(new_password)
    password_hash = hash_password(new_password)
    with desk.db.writing() as session:
        user = get_user_row(session, username)
        before = public_view(user)
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
            after=public_view(user),
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


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.full_name, Role(user.role), user.must_change_password)


def has_users(db: Database) -> bool:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(User)) > 0
