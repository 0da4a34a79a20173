"""The one exception tree of the core. Each error carries a stable code and values; the GUI or
CLI turns it into words with message(). Never put personal data into an error."""

from __future__ import annotations

from desk_app.i18n import N_, _, ngettext


class DeskError(Exception):
    """Base of every expected failure. Subclasses set `code` and `template`."""

    code = "error"
    template = N_("Something went wrong.")

    def __init__(self, **params: object) -> None:
        self.params = params
        super().__init__(self.code, params)

    def message(self) -> str:
        return _(self.template).format(**self.params)

    def __str__(self) -> str:
        return self.message()


class ValidationFailed(DeskError):
    """Some fields are not acceptable; `errors` maps field name to a translated message."""

    code = "validation"
    template = N_("Some fields need attention.")

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


class NotFound(DeskError):
    code = "not_found"
    template = N_("No complaint has the number {number}.")


class MistypedNumber(DeskError):
    code = "mistyped_number"
    template = N_(
        "The number {number} is not valid: its check character does not match. "
        "It was probably mistyped; please read it again."
    )


class MalformedNumber(DeskError):
    code = "malformed_number"
    template = N_(
        "{number} is not a tracking number. A tracking number looks like PKU01-261122-0007-K."
    )


class DatabaseTooNew(DeskError):
    code = "database_too_new"
    template = N_(
        "This database was made by a newer version of Meja Aduan (schema {revision}). "
        "Install the newer version; nothing was changed."
    )


class DatabaseDamaged(DeskError):
    code = "database_damaged"
    template = N_(
        "The database file {path} is damaged or is not a Meja Aduan database. "
        "Nothing was changed. Ask the IT officer to restore the newest backup."
    )


class StorageError(DeskError):
    """`reason` is words (desk_app.store.faults.reason_text), never an exception's name."""

    code = "storage"
    template = N_("The database could not be written ({reason}). Nothing typed was lost.")


class DeskBusy(DeskError):
    """Another connection held the write lock for longer than the busy timeout."""

    code = "desk_busy"
    template = N_(
        "Another window or program is writing to the desk's database. "
        "Nothing was changed; try again in a moment."
    )


class DiskFull(DeskError):
    code = "disk_full"
    template = N_(
        "The disk is full: nothing more could be saved. What was saved before is intact. "
        "Make room on the disk (or ask the IT officer), then try again."
    )


class DeskReadOnly(DeskError):
    """The data folder or the database file cannot be written: reading still works."""

    code = "desk_read_only"
    template = N_(
        "The desk's data folder {path} cannot be written (read-only or no permission), so "
        "nothing can be saved. Looking things up still works; ask the IT officer to fix the "
        "folder's permissions."
    )


class UnexpectedError(DeskError):
    """A bug: the traceback is in the log (without personal data), the user gets this."""

    code = "unexpected"
    template = N_("An unexpected error; details were written to {log}.")


class UnexpectedErrorNoLog(DeskError):
    code = "unexpected_no_log"
    template = N_("An unexpected error; the log file could not be written either.")


class SettingInvalid(DeskError):
    """A setting's value is refused; `rule` (a message template with `values`) says what the
    setting allows."""

    code = "setting_invalid"
    template = N_("The value given for the setting {name} is not accepted: {allowed}")

    def message(self) -> str:
        values = self.params.get("values") or {}
        allowed = _(str(self.params.get("rule", DeskError.template))).format(**values)
        return _(self.template).format(name=self.params.get("name"), allowed=allowed)


class SettingUnknown(DeskError):
    code = "setting_unknown"
    template = N_("There is no setting called {name}; `desk-app settings` lists them.")


class SettingFixed(DeskError):
    """`reason`: "set_up" (chosen when the desk was set up) or "recorded" (complaints exist)."""

    code = "setting_fixed"
    REASONS = {
        "set_up": N_(
            "The setting {name} is chosen when the desk is set up (desk-app init) and cannot "
            "be changed afterwards."
        ),
        "recorded": N_(
            "The setting {name} cannot be changed any more: it begins every tracking number, "
            "and this desk has already recorded complaints."
        ),
    }

    def message(self) -> str:
        template = self.REASONS.get(str(self.params.get("reason")), DeskError.template)
        return _(template).format(name=self.params.get("name"))


class CalendarDayRefused(DeskError):
    """A change to the desk's calendar (services/holidays.py) is refused; nothing stored.
    `reason` names why; `day` is the date as dd/mm/yyyy."""

    code = "calendar_day_refused"
    REASONS = {
        "no_reason": N_("Say why the calendar changes (for example the SKB's number)."),
        "no_name": N_("Give the day's name (for example Hari Jadi Kabupaten Bengkalis)."),
        "name_too_long": N_("The day's name is too long (at most {max} characters)."),
        "weekend": N_("{day} is a Saturday or Sunday: it cannot be made a working day."),
        "not_listed": N_("{day} is not among the desk's own holidays and working days."),
    }

    def message(self) -> str:
        template = self.REASONS.get(str(self.params.get("reason")), DeskError.template)
        return _(template).format(**self.params)


class DemoRefused(DeskError):
    code = "demo_refused"
    template = N_(
        "Demo data is recorded only on a training desk, never on a real one, and this desk "
        "is not a training desk. Set up a training desk in a new, empty data folder first: "
        "desk-app --data-dir FOLDER init --training --desk-code LATIH --desk-name "
        '"Meja Latihan" --admin USER; then add a clerk (desk-app --data-dir FOLDER --user USER '
        "users add NAME --role petugas) and run demo-data there as that clerk."
    )


class ImportFailed(DeskError):
    """`problems` lists (line, field, message); `count` is the number of bad rows."""

    code = "import_failed"

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(count=len({line for line, _field, _text in problems}))
        self.problems = problems

    def message(self) -> str:
        count = self.params["count"]
        return ngettext(
            "Nothing was imported: {count} row has errors.",
            "Nothing was imported: {count} rows have errors.",
            count,
        ).format(count=count)


class AuditKeyDamaged(DeskError):
    code = "audit_key_damaged"
    template = N_(
        "The audit key file {path} is damaged. Nothing was written. The IT officer brings "
        "the key back with `desk-app audit key-import FILE` from the key's recovery file."
    )


class AuditKeyMissing(DeskError):
    """The trail has events (or a key fingerprint) but the key file is gone: never re-made."""

    code = "audit_key_missing"
    template = N_(
        "The audit key file {path} is missing, so no event can be sealed and nothing was "
        "written. The IT officer brings it back with `desk-app audit key-import FILE` from the "
        "key's recovery file (or a copy of the data folder)."
    )


class AuditKeyChanged(DeskError):
    """The key file is not the key this desk's trail was sealed with (its fingerprint differs)."""

    code = "audit_key_changed"
    template = N_(
        "The audit key file {path} is not this desk's key (it was replaced), so nothing was "
        "written. The IT officer brings the right key back with `desk-app audit key-import FILE`."
    )


class AuditTrailMissing(DeskError):
    """The desk had a trail (its key fingerprint is stored) but the trail is empty."""

    code = "audit_trail_missing"
    template = N_(
        "The audit trail of this desk was deleted, so no new event was written. "
        "Restore a backup (desk-app restore)."
    )


class AuditKeyFileRefused(DeskError):
    """A recovery file that cannot be used; `reason` is already words."""

    code = "audit_key_file_refused"
    template = N_("The key file cannot be imported: {reason} Nothing was changed.")


class AuditStateDiffers(DeskError):
    code = "audit_state_differs"

    def message(self) -> str:
        count = int(self.params.get("count", 0))
        return ngettext(
            "{count} record differs from what the audit trail says it became.",
            "{count} records differ from what the audit trail says they became.",
            count,
        ).format(count=count)


class AuditTrailBroken(DeskError):
    """`seq` is the first event found wrong; `reason` is a code from PROBLEMS."""

    code = "audit_broken"
    template = N_("The audit trail is broken at event {seq}: {problem}")
    PROBLEMS = {
        "missing": N_("this event is missing (deleted)."),
        "altered": N_("its contents do not match its seal (changed, inserted or moved)."),
        "unlinked": N_("it does not follow the event before it (an event was removed)."),
        "truncated": N_("this and any later events are missing (the newest events were deleted)."),
        "rewritten": N_("it is not the event this desk last recorded (the trail was rewritten)."),
        "no_key": N_("the audit key file is missing or damaged, so no event can be checked."),
        "key_changed": N_(
            "the audit key file is not this desk's key (it was replaced), so no event can be "
            "checked."
        ),
        "deleted": N_("the whole trail was deleted (this desk had recorded events before)."),
        "damaged": N_(
            "the database file is damaged here and cannot be read. Restore a backup "
            "(desk-app restore)."
        ),
    }

    def message(self) -> str:
        problem = _(self.PROBLEMS.get(str(self.params.get("reason")), DeskError.template))
        return _(self.template).format(seq=self.params.get("seq"), problem=problem)


# -- people and permissions --------------------------------------------------------------------


class PermissionDenied(DeskError):
    """`role` and `action` are the values of domain.roles.Role and Action."""

    code = "permission_denied"
    template = N_("As {role} you may not {action}. This refusal has been recorded.")

    def message(self) -> str:
        from desk_app.domain.roles import Action, Role

        return _(self.template).format(
            role=Role(self.params["role"]).label, action=Action(self.params["action"]).label
        )


class LoginFailed(DeskError):
    """Deliberately the same whether the user exists or not."""

    code = "login_failed"
    template = N_("The user name or the password is wrong.")


class LoginDelayed(DeskError):
    """Too many failed attempts: `seconds` to wait. Said for unknown names too."""

    code = "login_delayed"

    def message(self) -> str:
        seconds = self.params["seconds"]
        return ngettext(
            "Too many failed attempts. Try again in {seconds} second.",
            "Too many failed attempts. Try again in {seconds} seconds.",
            seconds,
        ).format(seconds=seconds)


class AccountDisabled(DeskError):
    code = "account_disabled"
    template = N_("This account has been disabled. Ask the IT officer.")


class PasswordChangeRequired(DeskError):
    code = "password_change_required"
    template = N_("Your password was reset: choose a new one before you continue.")


class PasswordRejected(DeskError):
    """`reason`: "short" (with `minimum`), "wrong" (the current password), "same" or
    "mismatch" (the confirmation differs)."""

    code = "password_rejected"
    REASONS = {
        "wrong": N_("The current password is wrong."),
        "same": N_("The new password must differ from the current one."),
        "mismatch": N_("The two passwords typed differ."),
    }

    def message(self) -> str:
        if self.params.get("reason") == "short":
            minimum = self.params["minimum"]
            return ngettext(
                "The password must have at least {minimum} character.",
                "The password must have at least {minimum} characters.",
                minimum,
            ).format(minimum=minimum)
        return _(self.REASONS.get(str(self.params.get("reason")), DeskError.template))


class UsernameInvalid(DeskError):
    code = "username_invalid"
    template = N_(
        "A user name has 2 to 32 characters: lowercase letters, digits, dot, dash or "
        "underscore, starting with a letter or digit."
    )


class UserExists(DeskError):
    code = "user_exists"
    template = N_("There is already a user named {username}.")


class UserNotFound(DeskError):
    code = "user_not_found"
    template = N_("There is no user named {username}.")


class LastITOfficer(DeskError):
    code = "last_it_officer"
    template = N_(
        "{username} is the last active IT officer: make another IT officer first, "
        "or nobody could manage users any more."
    )


class DeskAlreadyInitialised(DeskError):
    code = "desk_initialised"
    template = N_("This desk has already been set up; nothing was changed.")


class NotSignedIn(DeskError):
    """A service was called with nobody signed in: refused, whatever the action."""

    code = "not_signed_in"
    template = N_("Sign in first: every action on the desk is done by a named user.")


class DeskNotSetUp(DeskError):
    code = "desk_not_set_up"
    template = N_(
        "This desk has not been set up yet: it records nothing until the IT officer gives it "
        "its desk code and first user (the set-up window, or desk-app init)."
    )


class LoginRequired(DeskError):
    code = "login_required"
    template = N_("This desk has users: name one with --user NAME.")


class RestoreNeedsITOfficer(DeskError):
    code = "restore_needs_it"
    template = N_(
        "The current database cannot be opened, and the backup {name} has no users, so no IT "
        "officer can sign in to restore it. Nothing was changed; choose a backup made after "
        "the desk was set up."
    )
