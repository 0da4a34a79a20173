"""First run: the setup wizard that gives a new desk its identity and its first IT officer
(services.accounts.init_desk), shown by run_gui while the desk has no users."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from desk_app.domain import numbering
from desk_app.domain.roles import Actor
from desk_app.errors import (
    DeskAlreadyInitialised,
    DeskError,
    PasswordRejected,
    UsernameInvalid,
    ValidationFailed,
)
from desk_app.i18n import N_, _
from desk_app.services import accounts
from desk_app.services.desk import Desk
from desk_app.settings import zone_abbreviation

from ui import messages
from ui.field_form import FieldForm
from ui.intake.fields import ChoiceCombo, SearchCombo

# The three time zones of Indonesia: (zone, what the user reads).
ZONES = [
    ("Asia/Jakarta", N_("Sumatra, Java, West and Central Kalimantan")),
    ("Asia/Makassar", N_("Bali, Nusa Tenggara, Sulawesi, other Kalimantan")),
    ("Asia/Jayapura", N_("Maluku, Papua")),
]


def _zone_items() -> list[tuple[str, str]]:
    return [(zone, f"{zone_abbreviation(zone)} — {_(name)}") for zone, name in ZONES]


class _FieldsPage(QWizardPage):
    """A form page (FieldForm) with a message line at the bottom for what is not one field's."""

    def __init__(self, title: str, intro: str) -> None:
        super().__init__()
        self.setTitle(title)
        label = QLabel(intro)
        label.setWordWrap(True)
        self.form = FieldForm()
        self.message = QLabel()
        self.message.setObjectName("page_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addSpacing(6)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.message)

    def add(self, name: str, label: str, widget, hint: str = ""):
        return self.form.add(name, label, widget, hint)

    def show_errors(self, errors: dict[str, str]) -> None:
        self.form.show_errors(errors)


class DeskPage(_FieldsPage):
    """The desk's identity: desk code, name, office, region, time zone and contact."""

    def __init__(self, desk: Desk) -> None:
        super().__init__(
            _("This desk"),
            _(
                "Welcome to Meja Aduan. This desk is not set up yet: tell it who it is, then "
                "create the first IT officer, who adds the other users. The desk records "
                "nothing until it is set up: closing this window closes Meja Aduan."
            ),
        )
        self.desk_code = self.add(
            "desk_code",
            _("&Desk code"),
            QLineEdit(),
            _(
                "2 to 8 capital letters or digits, starting with a letter, e.g. PKU01. "
                "It begins every tracking number and cannot be changed later."
            ),
        )
        self.desk_code.setMaxLength(8)
        self.desk_code.setPlaceholderText("PKU01")
        self.desk_name = self.add("desk_name", _("Desk n&ame"), QLineEdit())
        self.desk_name.setPlaceholderText(_("e.g. Meja Aduan Kabupaten Bengkalis"))
        self.office = self.add("office", _("O&ffice"), QLineEdit())
        self.office.setPlaceholderText(_("The office the desk belongs to"))
        self.region = self.add("region", _("&Regency/city"), SearchCombo(_("Type to search")))
        ref = desk.reference
        self.region.set_items(
            [(r.code, r.label) for r in ref.regions.values()],
            {r: ref.search_text("region", r) for r in ref.regions},  # Inhil, Tembilahan...
        )
        self.timezone = self.add("timezone", _("&Time zone"), ChoiceCombo(_zone_items()))
        self.timezone.set_value(desk.zone.key)
        self.contact = self.add(
            "contact",
            _("C&ontact on receipts"),
            QLineEdit(),
            _("A phone number, e-mail or address where citizens can ask about a complaint."),
        )

    def values(self) -> dict[str, str]:
        return {
            "desk_code": self.desk_code.text().strip().upper(),
            "desk_name": self.desk_name.text().strip(),
            "office": self.office.text().strip(),
            "region": self.region.value(),
            "timezone": self.timezone.value(),
            "contact": self.contact.text().strip(),
        }

    def check(self) -> dict[str, str]:
        """The checks the core makes too, so mistakes are shown before the next page."""
        values = self.values()
        errors: dict[str, str] = {}
        if not numbering.is_valid_desk_code(values["desk_code"]):
            errors["desk_code"] = _(
                "A desk code has 2 to 8 capital letters or digits and starts with a letter, "
                "e.g. PKU01."
            )
        if not values["desk_name"]:
            errors["desk_name"] = _("The desk needs a name.")
        region = values["region"]
        if region and region not in self.region_codes():
            errors["region"] = _("Choose a regency or city from the list.")
        return errors

    def region_codes(self) -> set[str]:
        return {str(self.region.itemData(i)) for i in range(self.region.count())}

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        errors = self.check()
        self.show_errors(errors)
        return not errors


class OfficerPage(_FieldsPage):
    """The first IT officer; Finish sets the desk up (SetupWizard.set_up)."""

    def __init__(self) -> None:
        super().__init__(
            _("The first IT officer"),
            _(
                "This account manages users, backups and the desk's settings. It cannot record "
                "complaints: the IT officer adds clerks and a supervisor after signing in."
            ),
        )
        self.username = self.add(
            "username",
            _("&User name"),
            QLineEdit(),
            _("Lowercase letters, digits, dot, dash or underscore, e.g. admin.ti"),
        )
        self.full_name = self.add("full_name", _("&Full name"), QLineEdit())
        self.password = self.add(
            "password",
            _("&Password"),
            QLineEdit(),
            _("At least {minimum} characters.").format(minimum=accounts.MIN_PASSWORD_LENGTH),
        )
        self.repeat = self.add("repeat", _("&Repeat password"), QLineEdit())
        for edit in (self.password, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)

    def check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.username.text().strip():
            errors["username"] = _("The IT officer needs a user name.")
        if not self.full_name.text().strip():
            errors["full_name"] = _("Type the user's full name: the history shows it.")
        password = self.password.text()
        if len(password) < accounts.MIN_PASSWORD_LENGTH:
            errors["password"] = PasswordRejected(
                reason="short", minimum=accounts.MIN_PASSWORD_LENGTH
            ).message()
        elif password != self.repeat.text():
            errors["repeat"] = _("The two passwords are not the same.")
        return errors

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        errors = self.check()
        self.show_errors(errors)
        if errors:
            return False
        return self.wizard().set_up()


class SetupWizard(QWizard):
    """Two pages, then accounts.init_desk. `actor` is the new IT officer once it succeeded.

    Setting up hashes one password (a fraction of a second), so it runs inline like signing in.
    """

    def __init__(self, desk: Desk, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.actor: Actor | None = None
        self.setWindowTitle(_("Meja Aduan — set up this desk"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        # Qt ships no Indonesian for its buttons: name them in the desk's language.
        for button, text in (
            (QWizard.WizardButton.BackButton, _("< &Back")),
            (QWizard.WizardButton.NextButton, _("&Next >")),
            (QWizard.WizardButton.FinishButton, _("&Set up")),
            (QWizard.WizardButton.CancelButton, _("&Close")),
        ):
            self.setButtonText(button, text)
        self.desk_page = DeskPage(desk)
        self.officer_page = OfficerPage()
        self.addPage(self.desk_page)
        self.addPage(self.officer_page)
        self.setMinimumSize(680, 600)

    def set_up(self) -> bool:
        """Store the desk's identity and create the IT officer. On failure the messages go
        next to the fields (back on the first page if they belong there) and nothing typed is
        lost. Returns True when the desk is set up."""
        desk_values = self.desk_page.values()
        self.officer_page.message.clear()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.actor = accounts.init_desk(
                self.desk,
                admin_username=self.officer_page.username.text(),
                admin_full_name=self.officer_page.full_name.text().strip(),
                admin_password=self.officer_page.password.text(),
                **desk_values,
            )
        except ValidationFailed as exc:
            self.desk_page.show_errors(exc.errors)
            self.back()
            return False
        except UsernameInvalid as exc:
            self.officer_page.show_errors({"username": exc.message()})
            return False
        except PasswordRejected as exc:
            self.officer_page.show_errors({"password": exc.message()})
            return False
        except DeskAlreadyInitialised as exc:
            self.officer_page.message.setText(
                exc.message() + " " + _("Choose “Close”, start Meja Aduan again and sign in.")
            )
            return False
        except DeskError as exc:
            self.officer_page.message.setText(exc.message())
            return False
        except Exception as exc:  # noqa: BLE001 - a bug: reported with details, typing kept
            messages.show_error(self, exc)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        return True

    @classmethod
    def ask(cls, desk: Desk, parent=None) -> Actor | None:
        """Show the wizard; the new IT officer (signed in), or None when it was closed."""
        wizard = cls(desk, parent)
        wizard.exec()
        return wizard.actor
