"""Who may do what: the roles of DESIGN.md §6 and the permission matrix, as data, with one pure
function `allowed()` that the services ask (services/accounts.require does the asking).

How to add an action: add it to Action (value = the audit name, label = what the user reads),
then one line in MATRIX naming the roles that may do it (YES, OWN or OWN_BEFORE_UPLOAD). An action
missing from MATRIX is allowed to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from desk_app.i18n import N_, _


class Role(StrEnum):
    """Stored in desk_user.role by value (Indonesian, as the desks say it)."""

    CLERK = "petugas"
    SUPERVISOR = "koordinator"
    IT = "admin_ti"
    # The desk service identity for the jobs IT schedules (sync, backup): nothing else.
    SERVICE = "layanan"

    @property
    def label(self) -> str:
        return _(_ROLE_LABELS[self])


_ROLE_LABELS = {
    Role.CLERK: N_("clerk"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.IT: N_("IT officer"),
    Role.SERVICE: N_("desk service"),
}


class Action(StrEnum):
    """Everything that is permission-checked. The value names it in the audit trail."""

    RECORD = "complaint.record"  # also import and demo data
    VIEW = "complaint.view"  # search, list, open one
    VIEW_IDENTITY = "complaint.view_identity"  # reporter of an anonim/rahasia complaint
    PRINT_RECEIPT = "receipt.print"  # the first receipt, while the citizen waits
    REPRINT_RECEIPT = "receipt.reprint"
    PRINT_REGISTER = "register.print"
    CORRECT = "complaint.correct"
    EXPORT = "complaint.export"  # every complaint with identities
    PERSONAL_DATA = "personal_data.request"  # a reporter's export or erasure (UU 27/2022)
    CONFIGURE_SYNC = "sync.configure"
    RUN_SYNC = "sync.run"
    MANAGE_USERS = "users.manage"
    CONFIGURE_DESK = "desk.configure"
    BACKUP = "backup.make"
    RESTORE = "backup.restore"
    AUDIT_VIEW = "audit.view"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_KEY = "audit.key"  # export the audit key's recovery file, import it on a new PC

    @property
    def label(self) -> str:
        return _(_ACTION_LABELS[self])


_ACTION_LABELS = {
    Action.RECORD: N_("record complaints"),
    Action.VIEW: N_("search and view complaints"),
    Action.VIEW_IDENTITY: N_("see the reporter of an anonymous or confidential complaint"),
    Action.PRINT_RECEIPT: N_("print a receipt"),
    Action.REPRINT_RECEIPT: N_("reprint a receipt"),
    Action.PRINT_REGISTER: N_("print the daily register"),
    Action.CORRECT: N_("correct a complaint"),
    Action.EXPORT: N_("export every complaint"),
    Action.PERSONAL_DATA: N_("answer a reporter's personal-data request"),
    Action.CONFIGURE_SYNC: N_("configure the provincial connection"),
    Action.RUN_SYNC: N_("run the upload to the provincial system"),
    Action.MANAGE_USERS: N_("manage users"),
    Action.CONFIGURE_DESK: N_("configure the desk"),
    Action.BACKUP: N_("make a backup"),
    Action.RESTORE: N_("restore a backup"),
    Action.AUDIT_VIEW: N_("view the audit trail"),
    Action.AUDIT_VERIFY: N_("verify the audit trail"),
    Action.AUDIT_KEY: N_("export or import the audit key"),
}

# Grants: YES always; OWN only on complaints the actor recorded; OWN_BEFORE_UPLOAD only on own
# complaints not yet uploaded.
YES, OWN, OWN_BEFORE_UPLOAD = "yes", "own", "own_before_upload"

_C, _S, _I, _SV = Role.CLERK, Role.SUPERVISOR, Role.IT, Role.SERVICE
MATRIX: dict[Action, dict[Role, str]] = {
    Action.RECORD: {_C: YES, _S: YES},
    Action.VIEW: {_C: YES, _S: YES, _I: YES},  # IT: view only
    Action.VIEW_IDENTITY: {_C: OWN, _S: YES},  # IT: never
    Action.PRINT_RECEIPT: {_C: YES, _S: YES},
    Action.REPRINT_RECEIPT: {_S: YES},
    Action.PRINT_REGISTER: {_S: YES},
    Action.CORRECT: {_C: OWN_BEFORE_UPLOAD, _S: YES},
    # Only a role that may see every identity exports them all.
    Action.EXPORT: {_S: YES},
    Action.PERSONAL_DATA: {_S: YES},
    Action.CONFIGURE_SYNC: {_I: YES},
    Action.RUN_SYNC: {_I: YES, _SV: YES},
    Action.MANAGE_USERS: {_I: YES},
    Action.CONFIGURE_DESK: {_I: YES},
    Action.BACKUP: {_I: YES, _SV: YES},
    Action.RESTORE: {_I: YES},
    Action.AUDIT_VIEW: {_S: YES, _I: YES},
    Action.AUDIT_VERIFY: {_S: YES, _I: YES},
    Action.AUDIT_KEY: {_I: YES},
}


def allowed(
    role: Role | str, action: Action | str, *, own: bool = False, uploaded: bool = False
) -> bool:
    """May `role` do `action`? `own`: the complaint was recorded by the actor; `uploaded`: it has
    left the desk (queued for or sent to the provincial system)."""
    grant = MATRIX.get(Action(action), {}).get(Role(role))
    if grant == YES:
        return True
    if grant == OWN:
        return own
    if grant == OWN_BEFORE_UPLOAD:
        return own and not uploaded
    return False


@dataclass(frozen=True)
class Actor:
    """Who is acting: made by services.accounts.authenticate (or by tests). Plain data."""

    username: str
    full_name: str
    role: Role
    must_change_password: bool = False

    def may(self, action: Action, *, own: bool = False, uploaded: bool = False) -> bool:
        return allowed(self.role, action, own=own, uploaded=uploaded)
