"""The supervisor's personal-data screen: the tab only for a supervisor; search by phone as it is
written locally; export to JSON and HTML; erase old identities with a reason, keep recent ones;
a missing reason refused at the field; a declined confirmation changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app.domain.roles import Actor, Role
from desk_app.i18n import _
from desk_app.services import intake, lookup
from tests.conftest import make_form

from ui.admin.privacy_page import ErasureDialog, PrivacyPage
from ui.workers import Runner

NIK = "1471054107990077"
NAME = "Kanari Zyxwvu Testname"


def years_ago(desk, years: int) -> dt.datetime:
    return desk.now() - dt.timedelta(days=365 * years + 5)


def subject_form(**overrides):
    values = dict(
        reporter_name=NAME,
        reporter_nik=NIK,
        reporter_phone="0812 9999 0123",
        reporter_email="kanari.zyxwvu@example.id",
        reporter_address="Jl. Kenari No. 7",
    )
    values.update(overrides)
    return make_form(**values)


@pytest.fixture
def recorded(desk):
    """Two old complaints of the reporter, one recent, and one of somebody else."""
    return dict(
        old1=intake.record_complaint(desk, subject_form(), now=years_ago(desk, 7)),
        old2=intake.record_complaint(desk, subject_form(), now=years_ago(desk, 6)),
        recent=intake.record_complaint(desk, subject_form(), now=years_ago(desk, 1)),
        other=intake.record_complaint(desk, make_form(), now=years_ago(desk, 8)),
    )


@pytest.fixture
def page(qtbot, desk, user_messages):
    runner = Runner()
    page = PrivacyPage(desk.acting(Actor("budi", "Budi Santoso", Role.SUPERVISOR)), runner)
    qtbot.addWidget(page)
    page.resize(900, 560)
    page.show()
    yield page
    runner.wait()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def found_by_name(desk) -> set[str]:
    return {r.id for r in lookup.list_complaints(desk, lookup.ListQuery(text=NAME)).rows}


def answer_erasure(qtbot, monkeypatch, reason: str, years: int | None = None) -> list:
    """Stub ErasureDialog.ask with the real dialog, typed into and confirmed; returns the
    dialogs made, to look at afterwards."""
    made = []

    def ask(cls, default_years, parent=None):
        dialog = cls(default_years, parent)
        qtbot.addWidget(dialog)
        made.append(dialog)
        qtbot.keyClicks(dialog.reason, reason)
        if years is not None:
            dialog.years.setValue(years)
        click(qtbot, dialog.save)
        return dialog.answer

    monkeypatch.setattr(ErasureDialog, "ask", classmethod(ask))
    return made


@pytest.mark.parametrize(
    ("role", "offered"), [(Role.CLERK, False), (Role.SUPERVISOR, True), (Role.IT, False)]
)
def test_the_tab_only_for_who_may_answer_personal_data_requests(make_window, desk, role, offered):
    window = make_window(desk.acting(Actor("orang", "Orang Uji", role)))
    pages = [window.tabs.widget(i) for i in range(window.tabs.count())]
    assert any(isinstance(p, PrivacyPage) for p in pages) is offered
    assert (window.privacy is not None) is offered
    if offered:
        assert window.tabs.tabText(window.tabs.indexOf(window.privacy)) == _("Personal data")


def test_search_by_phone_as_written_locally(qtbot, page, recorded, user_messages):
    qtbot.keyClicks(page.phone, "0812-9999-0123")
    with qtbot.waitSignal(page.searched) as sig:
        click(qtbot, page.search_button)
    assert sig.args == [3]
    assert "3" in page.result.text()
    assert user_messages.errors == []


def test_bad_input_is_shown_at_the_field_and_the_typing_stays(qtbot, page, recorded):
    qtbot.keyClicks(page.nik, "1234")
    qtbot.keyClicks(page.email, "kanari.zyxwvu@example.id")
    click(qtbot, page.search_button)
    assert page.form.error("nik") == "NIK harus tepat 16 digit."  # in Indonesian
    assert not page.form.error("email")
    assert page.nik.text() == "1234" and page.email.text() == "kanari.zyxwvu@example.id"
    assert page.result.text() == ""
    page.nik.clear()
    with qtbot.waitSignal(page.searched):
        click(qtbot, page.search_button)
    assert not page.form.error("nik")
    page.email.clear()
    click(qtbot, page.search_button)  # none given at all
    assert page.form.error("nik").startswith("Berikan NIK")


def test_export_writes_json_and_html_and_says_where(
    qtbot, page, recorded, tmp_path, monkeypatch, user_messages
):
    from ui import qt_language

    target = tmp_path / "permintaan-12"  # no suffix typed: .json is added
    monkeypatch.setattr(qt_language, "save_file_name", lambda *a, **k: (str(target), ""))
    qtbot.keyClicks(page.nik, NIK)
    with qtbot.waitSignal(page.exported) as sig:
        click(qtbot, page.export_button)
    assert sig.args == [3]
    out, html_out = tmp_path / "permintaan-12.json", tmp_path / "permintaan-12.html"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {c["id"] for c in data["complaints"]} == {
        recorded[k].id for k in ("old1", "old2", "recent")
    }
    assert recorded["recent"].tracking_no in html_out.read_text(encoding="utf-8")
    assert str(out) in user_messages.infos[-1] and str(html_out) in user_messages.infos[-1]
    assert user_messages.errors == []


def test_erase_with_a_reason_anonymises_old_complaints_and_keeps_recent_ones(
    qtbot, page, desk, recorded, monkeypatch, user_messages
):
    assert found_by_name(desk) == {recorded[k].id for k in ("old1", "old2", "recent")}
    made = answer_erasure(qtbot, monkeypatch, "Surat permintaan 12/2026")
    qtbot.keyClicks(page.phone, "0812 9999 0123")
    with qtbot.waitSignal(page.erased) as sig:
        click(qtbot, page.erase_button)
    assert made[0].years.value() == 5  # the setting's default
    (question,) = user_messages.confirms
    assert "2" in question and "1" in question  # two anonymised, one kept
    result = sig.args[0]
    assert (result.erased, result.kept) == (2, 1)
    assert found_by_name(desk) == {recorded["recent"].id}
    assert "2" in page.result.text() and user_messages.infos
    assert user_messages.errors == []


def test_a_missing_reason_is_refused_at_the_field(
    qtbot, page, desk, recorded, monkeypatch, user_messages
):
    made = answer_erasure(qtbot, monkeypatch, "   ")
    qtbot.keyClicks(page.nik, NIK)
    click(qtbot, page.erase_button)
    page.runner.wait()
    assert made[0].form.error("reason")
    assert made[0].answer is None
    assert user_messages.confirms == []
    assert len(found_by_name(desk)) == 3


def test_declining_the_confirmation_changes_nothing(
    qtbot, page, desk, recorded, monkeypatch, user_messages
):
    answer_erasure(qtbot, monkeypatch, "Surat permintaan 13/2026", years=0)
    user_messages.answer = False
    qtbot.keyClicks(page.nik, NIK)
    click(qtbot, page.erase_button)
    qtbot.waitUntil(lambda: bool(user_messages.confirms))
    page.runner.wait()
    assert "3" in user_messages.confirms[0]  # with 0 years, all three would go
    assert len(found_by_name(desk)) == 3
    assert page.erase_button.isEnabled()
    assert user_messages.infos == []


def test_a_clerk_is_refused_by_the_service_too(qtbot, page, desk, recorded, user_messages):
    from desk_app.errors import PermissionDenied

    page.desk = desk.acting(Actor("ani", "Ani", Role.CLERK))  # a page left behind
    qtbot.keyClicks(page.nik, NIK)
    click(qtbot, page.search_button)
    qtbot.waitUntil(lambda: bool(user_messages.errors))
    assert [type(e) for e in user_messages.errors] == [PermissionDenied]


# -- issue 7: a refused request, and the retention both screens state ---------------------------


def answer_refusal(qtbot, monkeypatch, reason: str) -> list:
    """Stub RefusalDialog.ask with the real dialog, typed into and confirmed."""
    from ui.admin.privacy_page import RefusalDialog

    made = []

    def ask(cls, parent=None):
        dialog = cls(parent)
        qtbot.addWidget(dialog)
        made.append(dialog)
        qtbot.keyClicks(dialog.reason, reason)
        click(qtbot, dialog.save)
        return dialog.answer

    monkeypatch.setattr(RefusalDialog, "ask", classmethod(ask))
    return made


def refusals(desk) -> list:
    from sqlalchemy import select

    from desk_app.store import models

    E = models.AuditEvent
    with desk.db.reading() as s:
        return list(s.scalars(select(E).where(E.action == "privacy.request_refused")))


def test_the_refuse_button_records_the_refusal_and_its_reason(
    qtbot, page, desk, recorded, monkeypatch, user_messages
):
    answer_refusal(qtbot, monkeypatch, "Masih dalam masa retensi 5 tahun")
    qtbot.keyClicks(page.nik, NIK)
    with qtbot.waitSignal(page.refused) as sig:
        click(qtbot, page.refuse_button)
    assert sig.args == [3]
    (event,) = refusals(desk)
    assert event.reason == "Masih dalam masa retensi 5 tahun" and event.object_id == "nik"
    assert NIK not in (event.after or "")
    assert "3" in page.result.text() and page.refuse_button.isEnabled()
    assert len(found_by_name(desk)) == 3  # nothing erased
    assert user_messages.errors == []


def test_a_refusal_without_a_reason_is_refused_at_the_field(
    qtbot, page, desk, recorded, monkeypatch
):
    made = answer_refusal(qtbot, monkeypatch, "  ")
    qtbot.keyClicks(page.nik, NIK)
    click(qtbot, page.refuse_button)
    page.runner.wait()
    assert made[0].form.error("reason")
    assert refusals(desk) == []


def test_both_screens_state_the_retention_the_settings_hold(qtbot, desk, page):
    from desk_app import settings

    from ui.admin.backup_page import BackupPage

    assert "90 hari" in page.hint.text()  # the default for manual copies
    settings.set_value(desk.db, "backup_keep_manual_days", 45)
    settings.set_value(desk.db, "backup_keep_pre_restore_days", 21)
    page.hide()
    page.show()  # shown again after `desk-app settings` changed it
    runner = Runner()
    backups = BackupPage(desk, runner)
    qtbot.addWidget(backups)
    backups.show()
    for text in (backups.retention_label.text(), page.findChild(QLabel, "privacy_hint").text()):
        assert "45 hari" in text and "21 hari" in text and "--out" in text
    runner.wait()
