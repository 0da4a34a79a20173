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
_chosen = False  # chosen for this run (--lang, $MEJA_ADUAN_LANG, a caller): the desk's setting
# ("language", settings.py) does not override it


def locale_dir():
    return paths.resources_dir() / "locale"


def install(language: str | None = None, *, chosen: bool | None = None) -> str:
    """Load the catalog of *language* (else $MEJA_ADUAN_LANG, else Indonesian). `chosen`
    (default: a language was given or the variable is set) keeps it over the desk's setting."""
    global _translation, _language, _chosen
    if chosen is None:
        chosen = bool(language or os.environ.get(ENV_LANG))
    _chosen = chosen
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


def follow_desk(language: str) -> str:
    """Speak the desk's language (its "language" setting) unless this run chose one; returns
    the language in use. Called once the desk is open (the window, the CLI's commands)."""
    if not _chosen and language != _language:
        install(language, chosen=False)
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction; translate it later, where it is shown."""
    return message


install()
