"""Cold start (issue 11): the window a clerk signs in to does not import what it does not
show yet (the admin pages, the audit page, the holiday package, the phone-number package, the
packages that draw and save the paper, about 25 MB until something is printed, and those that
talk to the province, about 17 MB until a sync) and
does not start the list's read while it is being built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import set_up_desk

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, sys
from desk_app.domain.roles import Actor, Role
from desk_app.services.desk import open_desk
from ui.app import make_application
from ui.main_window import MainWindow

app = make_application()
desk = open_desk({data!r}).acting(Actor("ani", "Ani Rahmawati", Role.{role}))
window = MainWindow(desk)
loading_while_built = window.complaints.model.is_loading()
window.show()
app.processEvents()
window.intake.form.repaint()
heavy = ("holidays", "phonenumbers", "reportlab", "segno", "pypdfium2", "openpyxl", "httpx",
         "keyring",
         "ui.admin.users_page", "ui.admin.backup_page",
         "ui.admin.settings_page", "ui.admin.privacy_page", "ui.admin.audit_page")
print(json.dumps(dict(loaded=[m for m in heavy if m in sys.modules],
                      loading_while_built=loading_while_built)))
window.runner.wait()
"""


def _start(data_dir, role: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(data=str(data_dir), role=role)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_clerks_window_paints_the_form_without_the_heavy_packages_or_admin_pages(data_dir):
    set_up_desk(data_dir)
    shown = _start(data_dir, "CLERK")
    assert shown["loaded"] == []
    assert shown["loading_while_built"] is False


def test_an_it_officers_window_still_has_its_admin_pages(data_dir):
    set_up_desk(data_dir)
    shown = _start(data_dir, "IT")
    assert "ui.admin.users_page" in shown["loaded"]
    assert "ui.admin.settings_page" in shown["loaded"]


def test_the_sign_in_form_is_made_without_the_database_layer():
    """The form a clerk types in first is painted before SQLAlchemy (0.5-0.9 s) is imported:
    the desk opens on a worker meanwhile (ui/app.py)."""
    code = (
        "import sys\n"
        "import ui.launch, ui.app, ui.login\n"
        "from ui.app import make_application\n"
        "app = make_application()\n"
        "form = ui.login.LoginDialog.before_desk()\n"
        "app.processEvents()\n"
        "print([m for m in ('sqlalchemy', 'desk_app.services.accounts') if m in sys.modules])\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
