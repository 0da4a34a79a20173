"""argparse's own words ("usage: ", "options", "positional arguments", its errors) through our
one catalog, so `desk-app --help` speaks the desk's language.

argparse translates its texts with the module-level gettext functions it imported as `_` and
`ngettext` (the default "messages" domain, which nobody installs). install() points those two
names at our catalog. The messages below are argparse's own (Python 3.11-3.13), copied to be
extracted into meja_aduan.po; a text argparse adds in a later Python stays English until it is
added here.
"""

from __future__ import annotations

import argparse

from desk_app import i18n
from desk_app.i18n import N_

MESSAGES = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("ignored explicit argument %r"),
)


def _plural_marks() -> None:  # never called: marks argparse's one plural for extraction
    i18n.ngettext("expected %s argument", "expected %s arguments", 0)


def _gettext(message: str) -> str:
    return i18n._(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n)


def install() -> None:
    """Make argparse read its words from our catalog (in whatever language is installed)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
