"""The IT officer's sync screen and the sync notes every role sees, against the REAL training
hub (a subprocess on 127.0.0.1, from tests/sync/conftest.py): set-up, Send now, results,
refused items sent again, Cancel, the automatic timer, the status bar and the clerk's list."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from sqlalchemy import update

from PySide6.QtCore import Qt

from desk_app import settings
from desk_app.domain.complaint import Status
from desk_app.i18n import _, ngettext
from desk_app.services import corrections, intake, lookup, sync
from desk_app.store import models
from tests.conftest import CLERK, IT, SUPERVISOR, make_form
from tests.sync import conftest as sync_fixtures
from tests.sync.desk_side import FAST, MemoryKeyring, connect, reset_credentials

from ui.sync import models as sync_models
from ui.sync.page import report_text
from ui.sync.secret_dialog import SecretDialog

# The real training hub, as the sync tests start it (a subprocess on 127.0.0.1).
start_hub, hub = sync_fixtures.start_hub, sync_fixtures.hub
LEFT = Qt.MouseButton.LeftButton
RUN_TIMEOUT = 30_000


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(sync, "RETRY_POLICY", FAST)
    yield
    reset_credentials()


@pytest.fixture
def memory_keyring():
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def record(desk, **overrides) -> intake.Recorded:
    return intake.record_complaint(desk.acting(CLERK), make_form(**overrides))


def sync_window(qtbot, make_window, desk):
    """The IT officer's window on its sync tab, with the screen read."""
    window = make_window(desk.acting(IT))
    page = window.sync_page
    with qtbot.waitSignal(page.loaded):
        window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.config is not None)
    return window, page


def waits(count: int) -> str:
    return ngettext(
        "{count} complaint waits to be sent", "{count} complaints wait to be sent", count
    ).format(count=count)


def column(model, col: int) -> list[str]:
    return [model.index(row, col).data() for row in range(model.rowCount())]


def send_now(qtbot, page):
    with qtbot.waitSignal(page.finished, timeout=RUN_TIMEOUT) as finished:
        qtbot.mouseClick(page.send_button, LEFT)
    qtbot.waitUntil(lambda: not page.runner.is_busy())
    return finished.args[0]


def test_the_it_officer_sets_up_sends_and_reads_counts_and_results(
    qtbot, make_window, desk, hub, memory_keyring, user_messages
):
    recorded = [record(desk) for _ in range(3)]
    client_id, secret = hub.add_desk("PKU01")
    window, page = sync_window(qtbot, make_window, desk)
    assert page.counts["waiting"].text() == "3"
    qtbot.keyClicks(page.server, hub.url)
    qtbot.keyClicks(page.client_id, client_id)
    qtbot.keyClicks(page.secret, secret)
    with qtbot.waitSignal(page.saved):
        qtbot.mouseClick(page.save_button, LEFT)
    assert page.secret.text() == ""  # never left on screen
    assert page.saved_note.text() == _(
        "The connection was saved; the secret is in the system keyring."
    )
    assert secret in memory_keyring.secrets.values()
    assert settings.get(desk.db, "sync_server") == hub.url

    report = send_now(qtbot, page)
    assert (report.accepted, report.error) == (3, None)
    assert [page.counts[k].text() for k in ("waiting", "rejected", "conflicts", "sent")] == [
        "0",
        "0",
        "0",
        "3",
    ]
    assert page.message.text().startswith(_("Finished."))
    model = page.results_model
    assert sorted(column(model, 0)) == sorted(r.tracking_no for r in recorded)
    assert set(column(model, 1)) == {_("New complaint")}
    assert set(column(model, 2)) == {_("Accepted")}
    held = {c["provincial_id"] for c in hub.export()}
    assert set(column(model, 3)) == held
    assert page.history_model.rowCount() == 1
    assert page.history_model.index(0, 4).data() == "3"  # accepted
    status = window.sync_status
    qtbot.waitUntil(lambda: status.text().startswith(_("Online")))
    assert status.text().endswith(waits(0)), status.text()
    assert user_messages.errors == []


def send_again_first(qtbot, page) -> int:
    """Choose the first refused item and press Send again; how many were queued."""
    page.lists.setCurrentIndex(1)
    page.refused_table.selectRow(0)
    with qtbot.waitSignal(page.resent) as resent:
        qtbot.mouseClick(page.send_again_button, LEFT)
    return resent.args[0]


def test_a_refused_setup_is_shown_beside_its_field(qtbot, make_window, desk, memory_keyring):
    _window, page = sync_window(qtbot, make_window, desk)
    qtbot.keyClicks(page.server, "http://lapor.example.id")  # plain http, not to this computer
    qtbot.keyClicks(page.client_id, "meja-1")
    with qtbot.waitSignal(page.runner.busy_changed, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(page.save_button, LEFT)
    assert sync.stop_reason("insecure_url") in page.form.error("server")
    assert settings.get(desk.db, "sync_server") == ""


def test_a_rejected_item_shows_its_error_and_is_sent_again_after_a_correction(
    qtbot, make_window, desk, hub, memory_keyring, user_messages
):
    connect(desk, hub)
    r = record(desk)
    with desk.db.writing() as session:  # an agency code the province does not know
        session.execute(
            update(models.Complaint).where(models.Complaint.id == r.id).values(agency="NOPE")
        )
    _window, page = sync_window(qtbot, make_window, desk)
    report = send_now(qtbot, page)
    assert report.rejected == 1
    assert page.counts["rejected"].text() == "1"
    assert page.lists.tabText(1) == _("Rejected and conflicts ({count})").format(count=1)
    refused = page.refused_model
    assert column(refused, 0) == [r.tracking_no]
    assert column(refused, 2) == [_("Rejected")]
    said = refused.index(0, 4).data()
    assert sync.field_problem("unknown_code") in said
    assert _("Correct the complaint first, then send it again.") in said
    assert "NOPE" not in said  # never the value sent

    assert send_again_first(qtbot, page) == 0  # not corrected yet: nothing queued
    assert page.message.text() == _(
        "Nothing was queued: the chosen complaints were not corrected since they were "
        "rejected. Correct them first (Complaints tab, Correct…)."
    )

    form = corrections.form_of(desk.acting(SUPERVISOR), r.id)
    form = type(form)(**{**form.to_dict(), "agency": make_form().agency})
    corrections.correct_complaint(desk.acting(SUPERVISOR), r.id, form, "kode instansi salah")
    page.refresh_lists()
    qtbot.waitUntil(
        lambda: _("Corrected since: it can be sent again.") in refused.index(0, 4).data()
    )
    assert send_again_first(qtbot, page) == 1
    qtbot.waitUntil(lambda: page.counts["waiting"].text() == "1")
    report = send_now(qtbot, page)
    assert (report.accepted, report.rejected) == (1, 0)
    qtbot.waitUntil(lambda: refused.rowCount() == 0)
    assert page.counts["sent"].text() == "1"
    assert lookup.get_complaint(desk, r.id).uploaded
    assert user_messages.errors == []


def test_a_conflict_is_shown_in_words_and_sending_it_again_puts_the_desks_version_through(
    qtbot, make_window, desk, hub, memory_keyring, user_messages
):
    connect(desk, hub)
    r = record(desk)
    assert sync.run(desk.acting(IT)).accepted == 1
    with desk.db.writing() as session:  # changed behind the outbox's back, then resent
        session.execute(
            update(models.Complaint).where(models.Complaint.id == r.id).values(subject="Lain")
        )
        session.execute(update(models.Outbox).values(state="waiting", batch_id=None, result=None))
    _window, page = sync_window(qtbot, make_window, desk)
    report = send_now(qtbot, page)
    assert report.conflict == 1
    assert page.counts["conflicts"].text() == "1"
    refused = page.refused_model
    assert column(refused, 0) == [r.tracking_no]
    assert column(refused, 2) == [_("Conflict: the province holds other content")]
    said = refused.index(0, 4).data()
    assert sync.field_problem("differs") in said
    assert "Lain" not in said  # never the content itself

    assert send_again_first(qtbot, page) == 1  # goes again as a correction
    qtbot.waitUntil(lambda: page.counts["waiting"].text() == "1")
    report = send_now(qtbot, page)
    assert (report.accepted, report.conflict) == (1, 0)
    qtbot.waitUntil(lambda: refused.rowCount() == 0)
    assert page.counts["conflicts"].text() == "0"
    assert [c["complaint"]["subject"] for c in hub.export()] == ["Lain"]
    assert user_messages.errors == []


def test_cancel_stops_a_run_and_what_was_sent_stays_sent(
    qtbot, make_window, desk, start_hub, memory_keyring
):
    slow = start_hub(latency=600)  # every answer takes 0.6 s
    connect(desk, slow)
    settings.set_value(desk.db, "sync_batch_size", 1)
    for _i in range(5):
        record(desk)
    _window, page = sync_window(qtbot, make_window, desk)
    with qtbot.waitSignal(page.finished, timeout=RUN_TIMEOUT) as finished:
        qtbot.mouseClick(page.send_button, LEFT)
        assert page.running and page.cancel_button.isEnabled()
        assert not page.send_button.isEnabled()  # one run at a time
        qtbot.waitUntil(lambda: page.progress.value() >= 1, timeout=RUN_TIMEOUT)  # one sent
        qtbot.mouseClick(page.cancel_button, LEFT)
    report = finished.args[0]
    assert report.error == "cancelled"
    assert 0 < report.pending < 5
    assert sync.stop_reason("cancelled") in page.message.text()
    assert page.send_button.isEnabled() and not page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: page.counts["waiting"].text() == str(report.pending))
    assert len(slow.export()) == 5 - report.pending


def test_the_status_bar_counts_what_waits_for_every_role(qtbot, make_window, desk):
    record(desk)
    record(desk)
    clerk = make_window(desk.acting(CLERK))
    expected = waits(2)
    qtbot.waitUntil(lambda: clerk.sync_status.text() == expected)  # the count, nothing more
    assert clerk.sync_page is None
    assert _("Sync") not in [clerk.tabs.tabText(i) for i in range(clerk.tabs.count())]
    it = make_window(desk.acting(IT))
    qtbot.waitUntil(lambda: it.sync_status.text() == f"{_('Not synced yet')} · {expected}")


def test_the_automatic_sync_runs_on_its_timer_and_says_its_errors_without_a_popup(
    qtbot, make_window, desk, hub, memory_keyring, user_messages
):
    connect(desk, hub)
    settings.set_value(desk.db, "sync_auto_minutes", 15)
    record(desk)
    window, page = sync_window(qtbot, make_window, desk)
    assert page.auto_timer.isActive() and page.auto_timer.interval() == 15 * 60_000
    with qtbot.waitSignal(page.finished, timeout=RUN_TIMEOUT) as finished:
        page.auto_timer.timeout.emit()  # the timer's moment, without waiting 15 minutes
    assert finished.args[0].accepted == 1
    qtbot.waitUntil(lambda: page.counts["sent"].text() == "1")

    hub.stop()  # the server no longer answers
    record(desk)
    with qtbot.waitSignal(page.finished, timeout=RUN_TIMEOUT) as finished:
        page.auto_timer.timeout.emit()
    assert finished.args[0].error in ("unreachable", "timeout")
    reason = sync.stop_reason(finished.args[0].error)
    assert page.message.text().startswith(_("Automatic sync."))
    assert reason in page.message.text()
    status = window.sync_status
    qtbot.waitUntil(lambda: status.text().startswith(_("Offline")))
    assert reason in status.toolTip()
    assert user_messages.errors == [] and user_messages.infos == []  # no pop-up


def test_the_automatic_sync_follows_the_setting_changed_on_the_settings_screen(
    qtbot, make_window, desk
):
    window = make_window(desk.acting(IT))
    page = window.sync_page
    assert not page.auto_timer.isActive()  # off by default
    settings_page = window.settings_page
    with qtbot.waitSignal(settings_page.loaded):
        window.tabs.setCurrentWidget(settings_page)
    row = settings_page.model.row_of("sync_auto_minutes")
    assert settings_page.model.index(row, 0).data() == settings.label("sync_auto_minutes")
    settings_page.table.selectRow(row)
    settings_page.value.clear()
    qtbot.keyClicks(settings_page.value, "5")
    with qtbot.waitSignal(settings_page.changed):
        qtbot.mouseClick(settings_page.save_button, LEFT)
    assert page.auto_timer.isActive() and page.auto_timer.interval() == 5 * 60_000


def test_without_a_keyring_the_screen_says_so_and_a_new_session_asks_for_the_secret(
    qtbot, make_window, desk, hub, no_keyring, monkeypatch
):
    client_id, secret = hub.add_desk("PKU01")
    record(desk)
    _window, page = sync_window(qtbot, make_window, desk)
    assert page.keyring_note.isVisibleTo(page)
    qtbot.keyClicks(page.server, hub.url)
    qtbot.keyClicks(page.client_id, client_id)
    qtbot.keyClicks(page.secret, secret)
    with qtbot.waitSignal(page.saved):
        qtbot.mouseClick(page.save_button, LEFT)
    assert page.saved_note.text() == _(
        "The connection was saved; the secret is kept for this session only."
    )
    reset_credentials()  # Meja Aduan started again: the secret is gone
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    qtbot.waitUntil(lambda: not page.config.secret_stored)
    asked = []
    monkeypatch.setattr(
        SecretDialog, "ask", classmethod(lambda cls, parent: asked.append(1) or secret)
    )
    report = send_now(qtbot, page)
    assert asked == [1] and report.accepted == 1


def test_a_clerk_has_no_sync_tab_and_the_list_marks_a_status_the_province_changed(
    qtbot, make_window, desk, hub, memory_keyring
):
    connect(desk, hub)
    changed, same = record(desk), record(desk)
    sync.run(desk.acting(IT))
    clerk = desk.acting(CLERK)
    sync.mark_looked(clerk)  # the clerk looked before the province's change
    provincial = lookup.get_complaint(desk, changed.id).complaint.provincial_id
    hub.set_status(provincial, "verified")
    assert sync.run(desk.acting(IT)).statuses == 1

    window = make_window(clerk)
    assert window.sync_page is None
    window.go_list()
    page = window.complaints
    model = page.model
    marked = Status.VERIFIED.label

    def row_of(complaint_id):
        return next(i for i in range(model.rowCount()) if model.row_at(i).id == complaint_id)

    qtbot.waitUntil(lambda: model.rowCount() == 2 and changed.id in model.changed_ids)
    status_column = 6
    cell = model.index(row_of(changed.id), status_column)
    assert cell.data() == marked
    assert cell.data(Qt.ItemDataRole.FontRole).bold()
    assert Status.VERIFIED.label in cell.data(Qt.ItemDataRole.ToolTipRole)
    other = model.index(row_of(same.id), status_column)
    assert other.data() == Status.RECORDED.label
    assert other.data(Qt.ItemDataRole.FontRole) is None
    assert other.data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.index(row_of(changed.id), 0).data(Qt.ItemDataRole.BackgroundRole) is not None

    window.close()  # the next session: already looked, nothing marked
    again = make_window(clerk)
    again.go_list()
    qtbot.waitUntil(lambda: again.complaints.model.rowCount() == 2)
    again.runner.wait()
    assert again.complaints.model.changed_ids == set()
    row = next(i for i in range(2) if again.complaints.model.row_at(i).id == changed.id)
    assert again.complaints.model.index(row, status_column).data() == Status.VERIFIED.label


def test_result_words_never_show_a_code_for_a_known_result():
    for key in sync_models.RESULTS:
        assert sync_models._word(sync_models.RESULTS, key) != key


def test_the_audit_anchors_are_checked_in_words_asking_for_the_secret_when_none_is_at_hand(
    qtbot, make_window, desk, hub, no_keyring, monkeypatch
):
    secret = connect(desk, hub)  # no keyring: the secret is held for this session only
    record(desk)
    sync.run(desk.acting(IT))  # the hub now holds an anchor of this desk's trail
    reset_credentials()  # a new session
    _window, page = sync_window(qtbot, make_window, desk)
    monkeypatch.setattr(SecretDialog, "ask", classmethod(lambda cls, parent: secret))
    with qtbot.waitSignal(page.anchors_checked, timeout=RUN_TIMEOUT) as checked:
        qtbot.mouseClick(page.anchors_button, LEFT)
    report = checked.args[0]
    assert report.ok and report.anchors >= 1
    assert page.anchors_result.text() == ngettext(
        "The trail holds the {count} anchor the provincial system keeps.",
        "The trail holds all {count} anchors the provincial system keeps.",
        report.anchors,
    ).format(count=report.anchors)


def test_an_automatic_run_without_a_secret_says_so_on_screen_and_asks_nothing(
    qtbot, make_window, desk, hub, no_keyring, monkeypatch, user_messages
):
    connect(desk, hub)
    reset_credentials()  # a new session on a computer without a keyring: no secret at hand
    settings.set_value(desk.db, "sync_auto_minutes", 10)
    window, page = sync_window(qtbot, make_window, desk)

    def no_dialog(cls, parent):
        raise AssertionError("a timer must not open a dialog")

    monkeypatch.setattr(SecretDialog, "ask", classmethod(no_dialog))
    with qtbot.waitSignal(page.failed) as failed:
        page.auto_timer.timeout.emit()
    assert failed.args[0] == _("Automatic sync.") + " " + sync.SyncSecretNeeded().message()
    assert page.message.text() == failed.args[0]
    status = window.sync_status
    qtbot.waitUntil(lambda: status.text().startswith(_("Sync stopped")))
    assert sync.SyncSecretNeeded().message() in status.toolTip()
    assert user_messages.errors == []


def test_closing_the_window_during_a_run_cancels_it_and_loses_nothing(
    qtbot, make_window, desk, start_hub, memory_keyring
):
    slow = start_hub(latency=600)
    connect(desk, slow)
    settings.set_value(desk.db, "sync_batch_size", 1)
    for _i in range(5):
        record(desk)
    window, page = sync_window(qtbot, make_window, desk)
    qtbot.mouseClick(page.send_button, LEFT)
    qtbot.waitUntil(lambda: page.progress.value() >= 1, timeout=RUN_TIMEOUT)  # one sent
    window.close()  # waits for the run, which stops at its next step
    overview = sync.overview(desk)
    assert overview.last_error == "cancelled" and not overview.running
    assert 0 < overview.waiting < 5
    assert overview.waiting + overview.sent == 5
    assert len(slow.export()) == overview.sent


def test_reference_data_a_sync_brings_is_used_by_the_window_at_once(
    qtbot, make_window, desk, hub, memory_keyring, monkeypatch
):
    """The province added a category: after Send now the window is built again on the desk
    read again (its reference data holds the new category), on the Sync tab, and says so. An
    automatic run only says so: the next sign-in reads the desk again."""
    from tests.sync.test_client_upload import ProvinceAddsACategory

    def factory(server, client_id, secret, *, ca_bundle, cancelled):
        return ProvinceAddsACategory(
            server, client_id, secret, ca_bundle=ca_bundle, cancelled=cancelled, policy=FAST
        )

    monkeypatch.setattr(sync, "make_transport", factory)
    connect(desk, hub)
    window, page = sync_window(qtbot, make_window, desk)
    assert "BENCANA" not in window.desk.reference.categories
    with qtbot.waitSignal(window.session_lock.replaced, timeout=RUN_TIMEOUT) as replaced:
        report = send_now(qtbot, page)
    assert report.references == ("categories",)
    new = replaced.args[0]
    assert new.desk.reference.categories["BENCANA"].name == "Bencana Alam"
    assert new.tabs.currentWidget() is new.sync_page
    assert new.sync_page.message.text() == report_text(report)  # not lost in the rebuild
    assert new.statusBar().currentMessage() == _(
        "Reference data refreshed: {names}. The window uses it now."
    ).format(names=report.references_text)
