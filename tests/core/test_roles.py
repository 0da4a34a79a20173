"""The roles matrix of DESIGN.md §6: as data (domain.roles.allowed) and through the services
(allowed: it works; refused: PermissionDenied and an access.denied audit event)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from desk_app.domain.roles import MATRIX, Action, Actor, Role, allowed
from desk_app.errors import PermissionDenied
from desk_app.services import accounts, backup, intake, lookup
from desk_app.store.models import AuditEvent
from tests import admin_desk
from tests.conftest import make_form

CLERK, SUPERVISOR, IT, SERVICE = Role.CLERK, Role.SUPERVISOR, Role.IT, Role.SERVICE

# DESIGN.md §6, written out again by hand: (role -> "yes" | "own" | "own_before_upload").
EXPECTED = {
    Action.RECORD: {CLERK: "yes", SUPERVISOR: "yes"},
    Action.VIEW: {CLERK: "yes", SUPERVISOR: "yes", IT: "yes"},
    Action.VIEW_IDENTITY: {CLERK: "own", SUPERVISOR: "yes"},
    Action.PRINT_RECEIPT: {CLERK: "yes", SUPERVISOR: "yes"},
    Action.REPRINT_RECEIPT: {SUPERVISOR: "yes"},
    Action.PRINT_REGISTER: {SUPERVISOR: "yes"},
    Action.CORRECT: {CLERK: "own_before_upload", SUPERVISOR: "yes"},
    Action.EXPORT: {SUPERVISOR: "yes"},
    Action.PERSONAL_DATA: {SUPERVISOR: "yes"},
    Action.CONFIGURE_SYNC: {IT: "yes"},
    Action.RUN_SYNC: {IT: "yes", SERVICE: "yes"},
    Action.MANAGE_USERS: {IT: "yes"},
    Action.CONFIGURE_DESK: {IT: "yes"},
    Action.BACKUP: {IT: "yes", SERVICE: "yes"},
    Action.RESTORE: {IT: "yes"},
    Action.AUDIT_VIEW: {SUPERVISOR: "yes", IT: "yes"},
    Action.AUDIT_VERIFY: {SUPERVISOR: "yes", IT: "yes"},
    Action.AUDIT_KEY: {IT: "yes"},  # the audit key's recovery file (README)
}


def _expected(role, action, own, uploaded) -> bool:
    grant = EXPECTED[action].get(role)
    return (
        grant == "yes"
        or (grant == "own" and own)
        or (grant == "own_before_upload" and own and not uploaded)
    )


def test_every_action_is_in_the_matrix():
    assert set(MATRIX) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize(
    "role, action, own, uploaded",
    list(itertools.product(Role, Action, (False, True), (False, True))),
)
def test_allowed_follows_the_design(role, action, own, uploaded):
    assert allowed(role, action, own=own, uploaded=uploaded) == _expected(
        role, action, own, uploaded
    )


def test_service_identity_may_only_sync_and_back_up():
    assert {a for a in Action if allowed(SERVICE, a, own=True)} == {Action.RUN_SYNC, Action.BACKUP}


def test_labels_are_text():
    assert all(r.label for r in Role) and all(a.label for a in Action)


# -- through the services ----------------------------------------------------------------------


fast_hashing = admin_desk.fast_hashing  # cheap password hashing for every test here


def actor(role: Role, name: str | None = None) -> Actor:
    return Actor(name or f"user-{role.value}", "", role)


def denials(desk, who: Actor, action: Action) -> list[AuditEvent]:
    with desk.db.reading() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "access.denied",
                    AuditEvent.actor == who.username,
                    AuditEvent.object_id == action.value,
                )
            )
        )


def check(desk, who: Actor, action: Action, call):
    """Run `call(desk acting as who)`: it works when allowed, else PermissionDenied plus an
    audit event."""
    acting = desk.acting(who)
    if allowed(who.role, action):
        call(acting)
        assert denials(desk, who, action) == []
    else:
        with pytest.raises(PermissionDenied) as caught:
            call(acting)
        assert who.role.label in caught.value.message()
        assert len(denials(desk, who, action)) == 1


@pytest.mark.parametrize("role", list(Role))
def test_record(desk, role):
    check(desk, actor(role), Action.RECORD, lambda d: intake.record_complaint(d, make_form()))


@pytest.mark.parametrize("role", list(Role))
def test_import(desk, role):
    check(desk, actor(role), Action.RECORD, lambda d: intake.record_many(d, [(1, make_form())]))


@pytest.mark.parametrize("role", list(Role))
def test_duplicate_check_is_part_of_recording(desk, role):
    check(desk, actor(role), Action.RECORD, lambda d: intake.find_duplicates(d, make_form()))


@pytest.mark.parametrize("role", list(Role))
def test_search_and_view(desk, role):
    number = intake.record_complaint(desk, make_form()).tracking_no

    def view(d):
        assert len(lookup.list_complaints(d, lookup.ListQuery()).rows) == 1
        assert lookup.get_complaint(d, number).complaint.tracking_no == number

    check(desk, actor(role), Action.VIEW, view)


@pytest.mark.parametrize("role", list(Role))
def test_manage_users(desk, role):
    who = actor(role)

    def manage(d):
        accounts.create_user(d, who, "baru", "Pengguna Baru", CLERK, "sandi-awal-123")
        accounts.set_role(d, who, "baru", SUPERVISOR)
        accounts.reset_password(d, who, "baru", "sandi-kedua-123")
        accounts.disable_user(d, who, "baru")
        assert [u.username for u in accounts.list_users(d, who)] == ["baru"]

    check(desk, who, Action.MANAGE_USERS, manage)


@pytest.mark.parametrize("role", list(Role))
def test_manual_backup(desk, role, tmp_path):
    check(desk, actor(role), Action.BACKUP, lambda d: backup.make_backup(d, tmp_path / "b.db"))


def test_automatic_daily_backup_runs_whoever_is_signed_in(desk):
    assert backup.daily_backup_if_due(desk.acting(actor(CLERK))) is not None


# -- masked identities -------------------------------------------------------------------------

SECRET_NAME = "Zulkarnain Rahasiawan"


def _record_as(desk, who: Actor, **flags):
    return intake.record_complaint(
        desk.acting(who),
        make_form(
            reporter_name=SECRET_NAME, reporter_phone="081234567890", **flags, subject="Jalan"
        ),
    )


def _seen_by(desk, who: Actor, number: str, text: str = ""):
    acting = desk.acting(who)
    rows = lookup.list_complaints(acting, lookup.ListQuery(text=text)).rows
    detail = lookup.get_complaint(acting, number)
    return rows, detail


@pytest.mark.parametrize(
    "flags", [dict(anonymous="yes", confidential="no"), dict(anonymous="no", confidential="yes")]
)
@pytest.mark.parametrize(
    "viewer, sees",
    [("author", True), ("other_clerk", False), ("supervisor", True), ("it", False)],
)
def test_identity_of_anonymous_and_confidential_complaints(desk, flags, viewer, sees):
    author = actor(CLERK, "ani")
    number = _record_as(desk, author, **flags).tracking_no
    who = {
        "author": author,
        "other_clerk": actor(CLERK, "budi"),
        "supervisor": actor(SUPERVISOR),
        "it": actor(IT),
    }[viewer]
    rows, detail = _seen_by(desk, who, number)
    c = detail.complaint
    assert detail.masked is not sees and rows[0].masked is not sees
    if sees:
        assert c.reporter_name == rows[0].reporter_name == SECRET_NAME
        assert c.reporter_phone
    else:
        assert c.reporter_name == rows[0].reporter_name == ""
        assert (c.reporter_nik, c.reporter_phone, c.reporter_email) == (None, None, None)
        assert c.reporter_address == ""
        assert c.subject == "Jalan"  # the rest of the complaint stays visible
    # Searching by the hidden name or phone does not find it either.
    for text in ("Zulkarnain", "081234567890"):
        rows, _detail = _seen_by(desk, who, number, text)
        assert [r.tracking_no for r in rows] == ([number] if sees else [])
    rows, _detail = _seen_by(desk, who, number, "Jalan")
    assert [r.tracking_no for r in rows] == [number]


def test_open_complaints_show_their_reporter_to_everyone_who_may_view(desk):
    number = _record_as(desk, actor(CLERK, "ani"), anonymous="no", confidential="no")
    rows, detail = _seen_by(desk, actor(IT), number.tracking_no, "Zulkarnain")
    assert rows[0].reporter_name == detail.complaint.reporter_name == SECRET_NAME
    assert not detail.masked


def test_recorded_by_is_the_actor(desk):
    number = _record_as(desk, actor(CLERK, "ani"), anonymous="no", confidential="no")
    assert lookup.get_complaint(desk, number.tracking_no).complaint.recorded_by == "ani"
