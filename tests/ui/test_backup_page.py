"""The IT officer's backups screen: the tab only for IT, making a backup now, restoring a chosen
one (the app then quits), refusals that change nothing; and the offer to restore the newest good
backup when the database is damaged at start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk_app.domain.roles import Actor, Role
from desk_app.errors import DatabaseDamaged, NotFound
from desk_app.services import accounts, backup, intake, lookup
from tests import admin_desk
from tests.admin_desk import ADMIN_PW
from tests.conftest import SUPERVISOR, make_form, open_acting

from ui import qt_language
from ui.admin.backup_page import BackupPage
from ui.workers import Runner

# The set-up desk, acting as its IT officer, with cheap password hashing.
fast_hashing, admin, desk = admin_desk.fast_hashing, admin_desk.admin, admin_desk.desk

DB_NAME = "meja-aduan.sqlite3"


@pytest.fixture
def quits(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: calls.append(1)))
    return calls


@pytest.fixture
def page(qtbot, desk, admin, user_messages, quits):
    runner = Runner()
    page = BackupPage(desk, runner)
    qtbot.addWidget(page)
    page.resize(900, 420)
    with qtbot.waitSignal(page.loaded):
        page.show()
    yield page
    runner.wait()


def record_one(data_dir: Path) -> str:
    """Record a complaint from another (headless, closed afterwards) opening of the desk."""
    other = open_acting(data_dir)
    try:
        return intake.record_complaint(other, make_form()).tracking_no
    finally:
        other.close()


def numbers_found(data_dir: Path, *numbers: str) -> dict[str, bool]:
    fresh = open_acting(data_dir)
    try:
        found = {}
        for number in numbers:
            try:
                lookup.get_complaint(fresh, number)
                found[number] = True
            except NotFound:
                found[number] = False
        return found
    finally:
        fresh.close()


def make_now(qtbot, page) -> Path:
    with qtbot.waitSignal(page.loaded), qtbot.waitSignal(page.made) as made:
        qtbot.mouseClick(page.make_button, Qt.MouseButton.LeftButton)
    return made.args[0]


# -- the tab -----------------------------------------------------------------------------------


def test_the_backups_tab_is_offered_to_it_and_not_to_a_clerk(desk, admin, make_window):
    window = make_window()
    assert window.backups is not None and window.tabs.indexOf(window.backups) >= 0
    assert window.backups.restore_button.isVisibleTo(window.backups)

    clerk_window = make_window(desk.acting(Actor("ani", "Ani Rahmawati", Role.CLERK)))
    assert clerk_window.backups is None
    pages = [clerk_window.tabs.widget(i) for i in range(clerk_window.tabs.count())]
    assert not any(isinstance(p, BackupPage) for p in pages)


# -- making one ----------------------------------------------------------------------------------


def test_make_a_backup_now_adds_a_row(qtbot, page, data_dir):
    assert page.model.rowCount() == 0
    made = make_now(qtbot, page)
    assert made.parent == data_dir / "backups" and made.exists()
    assert page.model.rowCount() == 1
    assert page.selected() == made
    when, kind, size, name = (page.model.index(0, c).data() for c in range(4))
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", when)
    assert kind == "manual" and name == made.name
    assert size.endswith("KB") or size.endswith("MB")


# -- restoring -----------------------------------------------------------------------------------


def test_restoring_a_chosen_backup_brings_back_the_older_data(
    qtbot, page, desk, data_dir, user_messages, quits
):
    before = record_one(data_dir)
    made = make_now(qtbot, page)
    after = record_one(data_dir)
    assert numbers_found(data_dir, before, after) == {before: True, after: True}

    page.table.selectRow(page.model.row_of(made))
    with qtbot.waitSignal(page.restored) as restored:
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert len(user_messages.confirms) == 1
    assert "copied" in user_messages.confirms[0] or "disalin" in user_messages.confirms[0]
    assert user_messages.errors == []
    assert quits == [1]  # the app closes after telling the user
    assert len(user_messages.infos) == 1
    saved = restored.args[0]
    assert saved is not None and backup.parse_name(saved.name).kind == backup.PRE_RESTORE
    assert numbers_found(data_dir, before, after) == {before: True, after: False}


def test_a_declined_restore_changes_nothing(qtbot, page, data_dir, user_messages, quits):
    made = make_now(qtbot, page)
    record_one(data_dir)
    before = sorted(p.name for p in (data_dir / "backups").iterdir())
    user_messages.answer = False
    page.table.selectRow(page.model.row_of(made))
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert len(user_messages.confirms) == 1 and quits == []
    assert sorted(p.name for p in (data_dir / "backups").iterdir()) == before


def test_a_garbage_file_is_refused_and_nothing_changes(
    qtbot, page, desk, data_dir, tmp_path, user_messages, quits, monkeypatch
):
    number = record_one(data_dir)
    garbage = tmp_path / "sampah.sqlite3"
    garbage.write_bytes(b"bukan basis data " * 4000)
    monkeypatch.setattr(qt_language, "open_file_name", lambda *a, **k: (str(garbage), ""))
    db_before = (data_dir / DB_NAME).read_bytes()
    qtbot.mouseClick(page.file_button, Qt.MouseButton.LeftButton)
    assert [type(e) for e in user_messages.errors] == [backup.NotABackup]
    assert user_messages.confirms == [] and quits == []
    assert (data_dir / DB_NAME).read_bytes() == db_before
    assert not (data_dir / "backups").exists() or not list((data_dir / "backups").iterdir())
    assert lookup.get_complaint(desk, number).complaint.tracking_no == number  # desk goes on


def test_a_restore_while_another_window_holds_the_desk_is_refused(
    qtbot, page, desk, data_dir, user_messages, quits
):
    number = record_one(data_dir)
    made = make_now(qtbot, page)
    other = open_acting(data_dir)  # another window or the CLI
    try:
        lookup.get_complaint(other, number)
        db_before = (data_dir / DB_NAME).read_bytes()
        page.table.selectRow(page.model.row_of(made))
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
        assert [type(e) for e in user_messages.errors] == [backup.DeskInUse]
        assert quits == []
        assert (data_dir / DB_NAME).read_bytes() == db_before
        assert not list((data_dir / "backups").glob("*pre-restore*"))
    finally:
        other.close()
    # the page's desk was closed for the attempt and simply reconnects
    assert lookup.get_complaint(desk, number).complaint.tracking_no == number


# -- the damaged database at start -------------------------------------------------------------


@pytest.fixture
def damaged(desk, admin, data_dir):
    """A data folder whose database is damaged, with a good backup holding one complaint."""
    number = intake.record_complaint(desk.acting(SUPERVISOR), make_form()).tracking_no
    good = backup.make_backup(desk)
    desk.close()
    db_file = data_dir / DB_NAME
    for sidecar in (Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        sidecar.unlink(missing_ok=True)
    db_file.write_bytes(b"ini bukan basis data Meja Aduan " * 500)
    return number, good


def test_a_damaged_database_is_restored_from_the_newest_backup_when_accepted(
    qtbot, data_dir, damaged, user_messages, monkeypatch
):
    from ui import app as app_module
    from ui.login import LoginDialog

    number, good = damaged
    damaged_bytes = (data_dir / DB_NAME).read_bytes()
    asked = []
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda cls, d, *_, **__: asked.append(1)))
    monkeypatch.setattr(
        LoginDialog, "ask_restorer", classmethod(lambda cls, f, p=None: asked.append(f.name) or 1)
    )
    assert app_module.run_gui(str(data_dir)) == 0  # opened again: then quit at the login
    assert asked == [good.name, 1]  # the restore's sign-in (against the backup), then the login
    assert [type(e) for e in user_messages.errors] == [DatabaseDamaged]
    assert len(user_messages.confirms) == 1 and good.name in user_messages.confirms[0]
    assert numbers_found(data_dir, number) == {number: True}
    kept = list((data_dir / "backups").glob("*pre-restore*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged_bytes


def test_a_damaged_database_is_left_alone_when_the_offer_is_declined(
    qtbot, data_dir, damaged, user_messages, monkeypatch
):
    from ui import app as app_module
    from ui.login import LoginDialog

    damaged_bytes = (data_dir / DB_NAME).read_bytes()
    backups_before = sorted(p.name for p in (data_dir / "backups").iterdir())
    user_messages.answer = False
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda *a: pytest.fail("no login")))
    assert app_module.run_gui(str(data_dir)) == 1
    assert len(user_messages.confirms) == 1
    assert [type(e) for e in user_messages.errors] == [DatabaseDamaged]
    assert (data_dir / DB_NAME).read_bytes() == damaged_bytes
    assert sorted(p.name for p in (data_dir / "backups").iterdir()) == backups_before


def test_a_damaged_database_is_not_restored_without_an_it_sign_in(
    qtbot, data_dir, damaged, user_messages, monkeypatch
):
    from ui import app as app_module
    from ui.login import LoginDialog

    damaged_bytes = (data_dir / DB_NAME).read_bytes()
    monkeypatch.setattr(LoginDialog, "ask_restorer", classmethod(lambda cls, f, p=None: None))
    assert app_module.run_gui(str(data_dir)) == 1
    assert (data_dir / DB_NAME).read_bytes() == damaged_bytes


def test_the_restore_sign_in_checks_the_backups_it_officers(qtbot, data_dir, damaged):
    from desk_app.domain.roles import Role

    from ui.login import LoginDialog

    _number, good = damaged
    dialog = LoginDialog(
        None,
        title="t",
        check=lambda n, p: accounts.authenticate_restorer(good, n, p),
    )
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText(ADMIN_PW)
    dialog.try_sign_in()
    assert dialog.actor is not None and dialog.actor.role is Role.IT


def test_a_damaged_database_without_a_good_backup_gets_no_offer(
    qtbot, data_dir, damaged, user_messages
):
    from ui import app as app_module

    _number, good = damaged
    good.write_bytes(b"rusak juga" * 100)
    assert app_module.run_gui(str(data_dir)) == 1
    assert user_messages.confirms == []
    assert [type(e) for e in user_messages.errors] == [DatabaseDamaged]
