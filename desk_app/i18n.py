"""The one translation catalog (gettext) for core, CLI and screens.

Messages are written in English in the code and translated through
resources/locale/<lang>/LC_MESSAGES/meja_aduan.mo; Indonesian is the default language.
"""

from __future__ import annotations

import gettext as _gettext
import os

from desk_app import paths

DOMAIN = "meja_aduan"
DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")
ENV_LANG = "MEJA_ADUAN_LANG"

_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def locale_dir():
    return paths.resources_dir() / "locale"


def install(language: str | None = None) -> str:
    """Load the catalog of *language* (else $MEJA_ADUAN_LANG, else Indonesian)."""
    global _translation, _language
    language = language or os.environ.get(ENV_LANG) or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _translation = _gettext.translation(
        DOMAIN, localedir=str(locale_dir()), languages=[language], fallback=True
    )
    _language = language
    return language


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction; translate it later, where it is shown."""
    return message


install()
