"""Every door is checked in the core: each public service function, called as each role of the
roles table (and as nobody), works exactly when domain.roles says so, and a refusal is audited.

The list of doors is found, not written down: every public function of desk_app.services whose
first parameter is the desk must have an entry in DOORS (a call and the action it needs) or in
EXEMPT (with the reason it checks nobody). A new service function without either fails
`test_every_service_function_has_a_door`, so none can be added without its check.
One call per test: a refusal can never hide a missing check behind it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

import desk_app.services
from desk_app.domain.roles import Action, Actor, Role, allowed
from desk_app.errors import CalendarDayRefused, DemoRefused, NotSignedIn, PermissionDenied
from desk_app.services import (
    accounts,
    attachments,
    audit,
    backup,
    corrections,
    demo,
    desk_settings,
    drafts,
    holidays,
    intake,
    lookup,
    printing,
    privacy,
    province,
    reference_data,
    sync,
    transfer,
)
from desk_app.services.desk import check_integrity
from desk_app.store.models import AuditEvent
from tests.conftest import CLERK, IT, SERVICE, SUPERVISOR, make_form

SIGNED_IN = "signed in"  # any role; only a desk with nobody signed in is refused


@dataclass(frozen=True)
class Door:
    """`call(desk, world)` uses the service once; `needs` is the Action (or SIGNED_IN);
    `own`: the call is about a complaint the clerk recorded (OWN grants apply to the clerk)."""

    needs: Action | str
    call: Callable
    own: bool = False


@dataclass
class World:
    """What the calls work on: one complaint recorded by the clerk, a file to attach."""

    number: str
    complaint_id: str
    path: object
    tmp: object
    rows: object = None


def _correct(d, w: World):
    form = corrections.form_of(d.acting(SUPERVISOR), w.complaint_id)
    form = type(form)(**{**form.to_dict(), "subject": "Jalan amblas di depan sekolah"})
    return corrections.correct_complaint(d, w.complaint_id, form, "salah ketik")


def _remove_day(d, w: World):
    try:
        holidays.remove_day(d, dt.date(2026, 12, 31), "SKB 2026")
    except CalendarDayRefused:  # past the door: the day is not listed
        pass


def _demo(d, w: World):
    try:
        demo.generate(d, 1)
    except DemoRefused:  # past the door: this desk is not a training desk
        pass


def _recovery_file(w: World):
    """The desk's own key as a recovery file (the world has recorded, so the key exists)."""
    from desk_app.audit import keyfile, recovery

    path = w.tmp / "kunci-audit.txt"
    path.write_text(recovery.render(keyfile.read_key(), "PKU01"))
    return path


def _region_list(w: World):
    """A Kemendagri CSV with one kecamatan renamed."""
    path = w.tmp / "wilayah.csv"
    path.write_text("14;RIAU\n14.03;KABUPATEN BENGKALIS\n14.03.01;Bengkalis Kota\n")
    return path


def _unconfigured(call):
    """A sync call on a desk with no provincial connection: past the door, it says so."""

    def run(d, w: World):
        try:
            call(d, w)
        except (sync.SyncNotConfigured, sync.SyncSecretNeeded):
            pass

    return run


DOORS: dict[str, Door] = {
    "sync.configure": Door(
        Action.CONFIGURE_SYNC,
        lambda d, w: sync.configure(d, "http://127.0.0.1:9", "desk-pku01", None),
    ),
    "sync.config": Door(Action.CONFIGURE_SYNC, lambda d, w: sync.config(d)),
    "sync.remember_secret_for_session": Door(
        Action.RUN_SYNC, _unconfigured(lambda d, w: sync.remember_secret_for_session(d, "x"))
    ),
    "sync.overview": Door(SIGNED_IN, lambda d, w: sync.overview(d)),
    "sync.run": Door(Action.RUN_SYNC, _unconfigured(lambda d, w: sync.run(d))),
    "sync.batches": Door(Action.RUN_SYNC, lambda d, w: sync.batches(d)),
    "sync.batch_items": Door(Action.RUN_SYNC, lambda d, w: sync.batch_items(d, "x")),
    "sync.rejected": Door(Action.RUN_SYNC, lambda d, w: sync.rejected(d)),
    "sync.send_again": Door(Action.RUN_SYNC, lambda d, w: sync.send_again(d, ["x"])),
    "sync.check_anchors": Door(Action.RUN_SYNC, _unconfigured(lambda d, w: sync.check_anchors(d))),
    "sync.changed_since_last_look": Door(Action.VIEW, lambda d, w: sync.changed_since_last_look(d)),
    "province.province_status": Door(Action.VIEW, lambda d, w: province.province_status(d, "x")),
    "sync.mark_looked": Door(Action.VIEW, lambda d, w: sync.mark_looked(d)),
    "audit.list_events": Door(
        Action.AUDIT_VIEW, lambda d, w: audit.list_events(d, audit.AuditQuery())
    ),
    "audit.get_event": Door(Action.AUDIT_VIEW, lambda d, w: audit.get_event(d, 1)),
    "audit.actions": Door(Action.AUDIT_VIEW, lambda d, w: audit.actions(d)),
    "audit.export_events": Door(
        Action.AUDIT_VIEW,
        lambda d, w: audit.export_events(d, audit.AuditQuery(), w.tmp / "jejak.csv"),
    ),
    "audit.verify": Door(Action.AUDIT_VERIFY, lambda d, w: audit.verify(d)),
    "audit.export_key": Door(
        Action.AUDIT_KEY, lambda d, w: audit.export_key(d, w.tmp / "kunci-ekspor.txt")
    ),
    "audit.import_key": Door(Action.AUDIT_KEY, lambda d, w: audit.import_key(d, _recovery_file(w))),
    "users.create_user": Door(
        Action.MANAGE_USERS,
        lambda d, w: accounts.create_user(d, d.actor, "baru", "Baru", Role.CLERK, "sandi-awal-123"),
    ),
    "users.set_role": Door(
        Action.MANAGE_USERS, lambda d, w: accounts.set_role(d, d.actor, "ani", Role.CLERK)
    ),
    "users.disable_user": Door(
        Action.MANAGE_USERS,
        lambda d, w: accounts.disable_user(d, d.actor, "ani", disabled=False),
    ),
    "users.reset_password": Door(
        Action.MANAGE_USERS,
        lambda d, w: accounts.reset_password(d, d.actor, "ani", "sandi-sementara-1"),
    ),
    "users.list_users": Door(Action.MANAGE_USERS, lambda d, w: accounts.list_users(d, d.actor)),
    "attachments.add_file": Door(Action.RECORD, lambda d, w: attachments.add_file(d, w.path)),
    "attachments.verify": Door(Action.VIEW, lambda d, w: attachments.verify(d, "0" * 64)),
    "backup.make_backup": Door(
        Action.BACKUP, lambda d, w: backup.make_backup(d, w.tmp / "salinan.sqlite3")
    ),
    "backup.daily_backup_if_due": Door(SIGNED_IN, lambda d, w: backup.daily_backup_if_due(d)),
    "corrections.form_of": Door(Action.VIEW, lambda d, w: corrections.form_of(d, w.complaint_id)),
    "corrections.correct_complaint": Door(Action.CORRECT, _correct, own=True),
    "corrections.history": Door(Action.VIEW, lambda d, w: corrections.history(d, w.complaint_id)),
    "demo.generate": Door(Action.RECORD, _demo),
    "desk_settings.list_settings": Door(
        Action.CONFIGURE_DESK, lambda d, w: desk_settings.list_settings(d)
    ),
    "desk_settings.change_setting": Door(
        Action.CONFIGURE_DESK,
        lambda d, w: desk_settings.change_setting(d, "idle_lock_minutes", "11"),
    ),
    "desk.check_integrity": Door(SIGNED_IN, lambda d, w: check_integrity(d)),
    "drafts.save_draft": Door(
        Action.RECORD, lambda d, w: drafts.save_draft(d, "intake", make_form())
    ),
    "drafts.load_draft": Door(Action.RECORD, lambda d, w: drafts.load_draft(d, "intake")),
    "drafts.discard_draft": Door(Action.RECORD, lambda d, w: drafts.discard_draft(d, "intake")),
    "holidays.list_days": Door(Action.CONFIGURE_DESK, lambda d, w: holidays.list_days(d)),
    "holidays.add_holiday": Door(
        Action.CONFIGURE_DESK,
        lambda d, w: holidays.add_holiday(d, dt.date(2026, 12, 31), "Cuti", "SKB 2026"),
    ),
    "holidays.add_working_day": Door(
        Action.CONFIGURE_DESK,
        lambda d, w: holidays.add_working_day(d, dt.date(2026, 12, 24), "Masuk", "SKB 2026"),
    ),
    "holidays.remove_day": Door(Action.CONFIGURE_DESK, _remove_day),
    "intake.record_complaint": Door(
        Action.RECORD, lambda d, w: intake.record_complaint(d, make_form())
    ),
    "intake.record_many": Door(
        Action.RECORD, lambda d, w: intake.record_many(d, [(1, make_form())])
    ),
    "intake.find_duplicates": Door(
        Action.RECORD, lambda d, w: intake.find_duplicates(d, make_form())
    ),
    "intake.check_before_saving": Door(
        Action.RECORD, lambda d, w: intake.check_before_saving(d, make_form())
    ),
    "lookup.list_complaints": Door(
        Action.VIEW, lambda d, w: lookup.list_complaints(d, lookup.ListQuery())
    ),
    "lookup.get_complaint": Door(Action.VIEW, lambda d, w: lookup.get_complaint(d, w.number)),
    "privacy.find_subject": Door(
        Action.PERSONAL_DATA, lambda d, w: privacy.find_subject(d, nik="1403015708900002")
    ),
    "privacy.export_subject": Door(
        Action.PERSONAL_DATA,
        lambda d, w: privacy.export_subject(d, nik="1403015708900002", out=io.StringIO()),
    ),
    "privacy.preview_erasure": Door(
        Action.PERSONAL_DATA, lambda d, w: privacy.preview_erasure(d, nik="1403015708900002")
    ),
    "privacy.refuse_request": Door(
        Action.PERSONAL_DATA,
        lambda d, w: privacy.refuse_request(d, nik="1403015708900002", reason="bukan subjek"),
    ),
    "reference_data.list_sources": Door(SIGNED_IN, lambda d, w: reference_data.list_sources(d)),
    "reference_data.preview_import": Door(
        Action.CONFIGURE_DESK, lambda d, w: reference_data.preview_import(d, _region_list(w))
    ),
    "reference_data.apply_import": Door(
        Action.CONFIGURE_DESK, lambda d, w: reference_data.apply_import(d, _region_list(w))
    ),
    "transfer.export": Door(Action.EXPORT, lambda d, w: transfer.export(d, "jsonl", io.StringIO())),
    "transfer.iter_complaints": Door(Action.EXPORT, lambda d, w: list(transfer.iter_complaints(d))),
    "transfer.import_file": Door(Action.RECORD, lambda d, w: transfer.import_file(d, w.rows)),
    "printing.first_receipt": Door(
        Action.PRINT_RECEIPT, lambda d, w: printing.first_receipt(d, w.number, "80mm")
    ),
    "printing.reprint_receipt": Door(
        Action.REPRINT_RECEIPT, lambda d, w: printing.reprint_receipt(d, w.number, "a5")
    ),
    "printing.receipt_printed": Door(
        Action.VIEW, lambda d, w: printing.receipt_printed(d, w.number)
    ),
    "printing.daily_register": Door(
        Action.PRINT_REGISTER, lambda d, w: printing.daily_register(d, dt.date(2026, 3, 24))
    ),
    "privacy.erase_subject": Door(
        Action.PERSONAL_DATA,
        lambda d, w: privacy.erase_subject(d, nik="1403015708900002", reason="permintaan"),
    ),
}

# Functions that take the desk but check nobody, and why. Keep this short.
EXEMPT: dict[str, str] = {
    "desk_setup.init_desk": "the set-up itself, before any user exists (refused once one does)",
    "signin.authenticate": "signing in: the password is the check",
    "signin.change_password": "the actor's own password: the current one is the check",
    "access.require": "the check itself",
    "access.require_signed_in": "the check itself",
    "attachments.stored_path": "a path under the data folder: reads nothing",
    "intake.complaint_row": "builds a row's values from a validated form: reads nothing",
    "intake.validate_all": "validates forms: reads nothing stored",
    "bulk.stage": "a chunk's rows from validated forms and the desk's code and user: "
    "reads nothing (writing them is intake.record_many's or demo.generate's, both checked)",
    "privacy.reapply_erasures_at_start": "the desk's own duty at start, before anyone signs in: "
    "erasures a restore brought back are made again",
    "printing.receipt_content": "words for a presented complaint the caller read (through "
    "the checked doors above); reads only the desk's own settings",
    "printing.register_content": "words for rows the caller read (daily_register checks); "
    "reads only the desk's own settings",
    "corrections.may_correct": "a yes/no for the GUI about the desk's own actor; "
    "correct_complaint checks",
}


def service_functions() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(desk_app.services.__path__):
        module = importlib.import_module(f"desk_app.services.{info.name}")
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] in ("desk", "desk_or_db"):
                found.add(f"{info.name}.{name}")
    return found


def test_every_service_function_has_a_door():
    found = service_functions()
    listed = set(DOORS) | set(EXEMPT)
    assert sorted(found - listed) == [], "add each to DOORS (or EXEMPT, with the reason)"
    assert sorted(listed - found) == [], "stale entries"


ACTORS = {
    "clerk": CLERK,
    "supervisor": SUPERVISOR,
    "it": IT,
    "service": SERVICE,
    "nobody": None,
}


@pytest.fixture
def world(desk, tmp_path):
    recorded = intake.record_complaint(desk.acting(CLERK), make_form())
    scan = tmp_path / "ktp.png"
    scan.write_bytes(b"\x89PNG not really")
    rows = tmp_path / "impor.jsonl"
    form = make_form().to_dict()
    rows.write_text(
        json.dumps({k: v for k, v in form.items() if k in transfer.IMPORT_COLUMNS}) + "\n",
        encoding="utf-8",
    )
    return World(recorded.tracking_no, recorded.id, scan, tmp_path, rows)


@pytest.fixture
def with_users(desk):
    """The users the user-management calls act on."""
    admin = Actor("admin", "Admin", Role.IT)
    accounts.create_user(desk, admin, "ani", "Ani", Role.CLERK, "sandi-ani-1234")
    accounts.create_user(desk, admin, "tono2", "Tono", Role.IT, "sandi-tono-1234")
    return desk


def _denials(desk, actor: Actor) -> int:
    with desk.db.reading() as session:
        return len(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "access.denied", AuditEvent.actor == actor.username
                )
            ).all()
        )


def _may(actor: Actor | None, door: Door) -> bool:
    if actor is None:
        return False
    if door.needs == SIGNED_IN:
        return True
    own = door.own and actor.username == CLERK.username
    return allowed(actor.role, door.needs, own=own, uploaded=False)


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("name", sorted(DOORS))
def test_each_door_lets_in_exactly_whom_the_roles_table_names(with_users, world, name, who):
    door, actor = DOORS[name], ACTORS[who]
    acting = with_users.acting(actor)
    if _may(actor, door):
        door.call(acting, world)  # no PermissionDenied, no NotSignedIn
        if actor is not None:
            assert _denials(with_users, actor) == 0
    elif actor is None:
        with pytest.raises(NotSignedIn):
            door.call(acting, world)
    else:
        with pytest.raises(PermissionDenied):
            door.call(acting, world)
        assert _denials(with_users, actor) == 1


def test_the_roles_table_is_what_the_walk_covers():
    """Every role the desk knows is walked (a new role cannot slip past the doors)."""
    assert {a.role for a in ACTORS.values() if a is not None} == set(Role)
