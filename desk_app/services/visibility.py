"""The one identity rule: who may see the reporter of an anonim or rahasia complaint.

Every query that returns complaint data applies it (the list and every kind of search, one
complaint's detail, `desk-app show`, the possible-duplicate hint, exports, the privacy tools,
receipts, the register, and the upload through `outbound`): in SQL with
`identity_visible_sql` (a search by NIK, phone or name must not even *find* a hidden
reporter's complaint), and on each row with `may_see_identity` / `mask` (the fields are
blanked before they leave the core).

The grant itself lives in domain.roles (Action.VIEW_IDENTITY): supervisors see every reporter,
a clerk the reporters of the complaints they recorded, IT nobody's. Nobody signed in sees
nobody's (services refuse such a desk anyway).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, not_, or_

from desk_app.domain.roles import Action, Actor
from desk_app.store import models

C = models.Complaint
ALL, OWN, NONE = "all", "own", "none"

# The complaint fields that say who the reporter is, blanked when hidden ("" for text, None
# for the identifiers, as a complaint without them stores them).
IDENTITY_BLANKS: dict[str, object] = {
    "reporter_name": "",
    "reporter_nik": None,
    "reporter_phone": None,
    "reporter_email": None,
    "reporter_address": "",
}


def identity_scope(actor: Actor | None) -> str:
    """Which anonim/rahasia reporters `actor` may see: ALL, OWN (recorded by them) or NONE."""
    if actor is None:
        return NONE
    if actor.may(Action.VIEW_IDENTITY, own=False):
        return ALL
    return OWN if actor.may(Action.VIEW_IDENTITY, own=True) else NONE


def may_see_identity(
    actor: Actor | None, *, anonymous: bool, confidential: bool, recorded_by: str
) -> bool:
    """May `actor` see the reporter of a complaint with these flags, recorded by that user?"""
    if not (anonymous or confidential):
        return True
    scope = identity_scope(actor)
    return scope == ALL or (scope == OWN and actor is not None and recorded_by == actor.username)


def identity_visible_sql(actor: Actor | None) -> ColumnElement[bool] | None:
    """SQL: complaints whose reporter `actor` may see; None when that is all of them."""
    scope = identity_scope(actor)
    return scope_visible_sql(scope, actor.username if actor is not None else None)


def scope_visible_sql(scope: str, username: object) -> ColumnElement[bool] | None:
    """identity_visible_sql for a scope (identity_scope) and the acting user's name, given as
    a value or as a bind parameter (a statement compiled once for every clerk: lookup.py)."""
    if scope == ALL:
        return None
    open_identity = not_(or_(C.anonymous, C.confidential))
    if scope == OWN and username is not None:
        return or_(open_identity, C.recorded_by == username)
    return open_identity


def hidden_from(actor: Actor | None, values: dict) -> bool:
    """For a dict of complaint columns (anonymous, confidential, recorded_by at least)."""
    return not may_see_identity(
        actor,
        anonymous=bool(values.get("anonymous")),
        confidential=bool(values.get("confidential")),
        recorded_by=str(values.get("recorded_by") or ""),
    )


def mask(actor: Actor | None, values: dict) -> dict:
    """`values` with the identity fields blanked when `actor` may not see them (a copy)."""
    if not hidden_from(actor, values):
        return values
    return {**values, **{k: v for k, v in IDENTITY_BLANKS.items() if k in values}}


# -- what leaves the desk ----------------------------------------------------------------------

# The two audiences of the one outbound view (services/transfer.outbound_row): a person at the
# desk (an export: the rule above masks) and the province (an upload: docs/sync-protocol.md §7).
ACTOR, PROVINCE = "actor", "province"


def outbound(audience: str, actor: Actor | None, values: dict) -> dict:
    """`values` (complaint columns with the anonim/rahasia flags) as they may leave the desk.

    For ACTOR the identity rule masks what `actor` may not see. For PROVINCE the identity goes
    as recorded (after an erasure: blank) with both flags, whoever runs the sync: the flags
    bind the province (what its administrators, the agency and the public may see, §7), and
    the IT officer who uploads never sees item content (only tracking numbers and field names).
    """
    if audience == PROVINCE:
        if "anonymous" not in values or "confidential" not in values:
            raise ValueError("an upload carries both flags")
        return values
    if audience != ACTOR:
        raise ValueError(f"unknown audience: {audience}")
    return mask(actor, values)
