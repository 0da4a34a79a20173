"""The anonim and rahasia questions say what each flag means, in the words the clerk reads to
the citizen, and each answer sets the flag it names (the old "may their identity be passed
on?" marked anonymous whoever said yes)."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desk_app.services import lookup


def answers(combo) -> dict[str, str]:
    return {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}


def test_the_questions_say_what_each_flag_means(qtbot, window):
    form = window.intake.form
    anonim = form.findChild(QLabel, "question_anonymous")
    rahasia = form.findChild(QLabel, "question_confidential")
    assert anonim.isVisible() and rahasia.isVisible()
    # anonim: the identity is kept from the agency and the public; the report may be public.
    assert "identitas" in anonim.text() and "dirahasiakan" in anonim.text()
    assert "instansi yang diadukan" in anonim.text() and "publik" in anonim.text()
    assert "Laporannya sendiri tetap boleh dipublikasikan" in anonim.text()
    assert "diteruskan" not in anonim.text()  # the inverted question is gone
    # rahasia: the whole report is not public.
    assert "seluruh laporan" in rahasia.text() and "publik" in rahasia.text()
    assert answers(form.anonymous)["yes"].startswith("Ya, anonim: identitas dirahasiakan")
    assert answers(form.anonymous)["no"].startswith("Tidak: instansi boleh mengetahui")
    assert answers(form.confidential)["yes"].startswith("Ya, rahasia: seluruh laporan")
    assert answers(form.confidential)["no"].startswith("Tidak: laporan boleh dipublikasikan")


@pytest.mark.parametrize(
    ("anonim", "rahasia", "flags"),
    [("y", "t", (True, False)), ("t", "y", (False, True)), ("y", "y", (True, True))],
)
def test_answering_sets_the_flag_the_answer_names(qtbot, window, desk, anonim, rahasia, flags):
    from tests.ui.test_intake import fill_with_keyboard, save_with_keyboard

    fill_with_keyboard(qtbot, window)  # answers "Tidak" to both
    form = window.intake.form
    for combo, key in ((form.anonymous, anonim), (form.confidential, rahasia)):
        combo.setFocus()
        qtbot.waitUntil(combo.hasFocus)
        if key == "y":  # from "Tidak", the answer above it
            qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert form.anonymous.currentText().startswith("Ya" if anonim == "y" else "Tidak")
    save_with_keyboard(qtbot, window)
    number = window.intake.saved_panel.number.text()
    detail = lookup.get_complaint(desk, number).complaint
    assert (detail.anonymous, detail.confidential) == flags


def test_an_unanswered_question_repeats_it(qtbot, window):
    form = window.intake.form
    form.subject.setText("Pungutan liar")
    qtbot.keyClick(form.subject, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(form.errors["anonymous"].isVisible)
    assert "instansi yang diadukan" in form.errors["anonymous"].text()
    assert "seluruh laporan" in form.errors["confidential"].text()
