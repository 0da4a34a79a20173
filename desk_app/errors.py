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
    code = "storage"
    template = N_("The database could not be written ({reason}). Nothing typed was lost.")


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
        "The audit key file {path} is damaged. Nothing was written. "
        "Ask the IT officer to restore it from a backup."
    )


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
    }

    def message(self) -> str:
        problem = _(self.PROBLEMS.get(str(self.params.get("reason")), DeskError.template))
        return _(self.template).format(seq=self.params.get("seq"), problem=problem)
