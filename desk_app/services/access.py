"""The one permission check every service calls, `require()`: refused without a signed-in
user, refused (and audited as "access.denied", in its own committed transaction, so the refusal
is kept although the action is not) when domain.roles does not allow the action."""

from __future__ import annotations

from desk_app.audit import chain as audit  # append(): not services.audit, which needs require()
from desk_app.domain.roles import Action, Actor, allowed
from desk_app.errors import (
    DeskNotSetUp,
    NotSignedIn,
    PasswordChangeRequired,
    PermissionDenied,
)

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
