"""The desk's language is a setting: chosen from its languages, named in words in the audit
trail, and followed by the window and the CLI unless this run chose one (--lang)."""

from __future__ import annotations

import pytest

from desk_app import i18n, settings
from desk_app.audit import words
from desk_app.errors import SettingInvalid
from desk_app.services import audit, desk_settings
from tests.conftest import IT


@pytest.mark.parametrize("typed", ["en", "EN", "English", " english "])
def test_english_is_taken_by_its_code_or_its_name(typed):
    assert settings.definition("language").parse(typed) == "en"


def test_another_language_is_refused_with_the_choices_named():
    with pytest.raises(SettingInvalid) as refused:
        settings.definition("language").parse("fr")
    assert "id (Bahasa Indonesia), en (English)" in refused.value.message()


def test_the_desk_value_carries_its_language_and_office(desk):
    it = desk.acting(IT)
    desk_settings.change_setting(it, "language", "English")
    desk_settings.change_setting(it, "office", "Dinas Kominfo Bengkalis")
    reloaded = it.reloaded()
    assert (reloaded.language, reloaded.office) == ("en", "Dinas Kominfo Bengkalis")
    assert reloaded.actor == IT  # the same signed-in user


def test_the_desk_language_is_followed_when_the_run_chose_none():
    i18n.install(None, chosen=False)
    assert i18n.follow_desk("en") == "en"
    assert i18n._("Language") == "Language"


def test_a_language_chosen_for_the_run_wins_over_the_desk():
    i18n.install("id")  # as --lang id does
    assert i18n.follow_desk("en") == "id"
    assert i18n._("Language") == "Bahasa"


def setting_event(desk, name: str, value: str):
    desk_settings.change_setting(desk.acting(IT), name, value)
    page = audit.list_events(desk.acting(IT), audit.AuditQuery(action="desk.setting"))
    return page.rows[0]


def test_a_setting_event_names_the_setting_in_words(desk):
    row = setting_event(desk, "idle_lock_minutes", "5")
    name = "Kunci setelah menganggur (menit)"
    assert settings.label("idle_lock_minutes") == name
    assert words.object_text(row.object_type, row.object_id) == f"Pengaturan {name}"
    assert words.object_name(row.object_type, row.object_id) == name  # the list's column
    assert row.summary == f"Diubah: {name}"


def test_a_language_change_reads_as_the_languages_names(desk):
    row = setting_event(desk, "language", "en")
    detail = audit.get_event(desk.acting(IT), row.seq)
    shown = [
        words.value_text(
            "value",
            side["value"],
            zone=desk.zone,
            ref=desk.reference,
            object_type=row.object_type,
            object_id=row.object_id,
        )
        for side in (detail.before, detail.after)
        if side["value"] is not None
    ]
    assert shown == ["English"]
    assert words.field_label("value", "setting", "language") == "Bahasa"


def test_a_command_speaks_the_desks_language_when_no_lang_is_given(capsys, data_dir):
    from desk_app.errors import NotFound
    from desk_app.services.desk import open_desk
    from tests.conftest import run_cli, set_up_desk

    set_up_desk(data_dir)
    desk = open_desk(data_dir)
    settings.set_value(desk.db, "language", "en")
    desk.close()
    number = "PKU01-261202-0001-N"
    i18n.install(None, chosen=False)  # no --lang, no MEJA_ADUAN_LANG
    assert run_cli(data_dir, "show", number) == 1
    said = capsys.readouterr().err
    assert i18n.language() == "en"
    assert NotFound(number=number).message() in said  # in English, as the desk is set
