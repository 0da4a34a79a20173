"""Checks of single values, each done by a kept library: NIK (python-stdnum), phone numbers
(phonenumbers), e-mail addresses (email-validator), dates typed as dd/mm/yyyy.

The libraries are imported on first use: together they cost about 50 ms of the app's start.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re

from desk_app.i18n import _


class FieldInvalid(ValueError):
    """A value is not acceptable; the text is a translated message for the clerk."""


def check_nik(text: str) -> str:
    """Return the 16-digit NIK or raise FieldInvalid (length, province, birth date)."""
    if _NIK_PLAIN.fullmatch(text) and _nik_place_valid(text[:4]) and _nik_birth_valid(text[6:12]):
        return text
    return _valid_nik(text)


# A NIK typed as its 16 digits (as most are, and every one of an import or the demo data) is
# python-stdnum's to judge by two parts only: the place of registration (its first 4 digits,
# looked up in stdnum's table: each place judged once, by stdnum itself on a NIK whose birth
# date is good) and the birth date (digits 7 to 12: day + 40 for a woman, month, two-digit
# year; a date in 19xx or 20xx, as stdnum's get_birth_date reads it). A bulk load of new NIKs
# no longer pays stdnum's cleaning and lookup for each (issue 11: 18 us a NIK, 13% of the
# demo data's time). Anything else, or a NIK found invalid, goes the whole way through stdnum
# (_valid_nik), refusals and their messages as before. tests/core/test_validation.py compares
# the two on every day and month of the birth date and on many places.
_NIK_PLAIN = re.compile(r"[0-9]{16}")


@functools.cache  # at most 10,000 place codes
def _nik_place_valid(place: str) -> bool:
    from stdnum.id import nik as stdnum_nik

    return stdnum_nik.is_valid(f"{place}000101900001")  # born 1 January 1990


def _nik_birth_valid(born: str) -> bool:
    day, month, year = int(born[:2]) % 40, int(born[2:4]), int(born[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    return day <= _days_in(1900 + year, month) or day <= _days_in(2000 + year, month)


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# Each check below is a pure function of the text typed: an import or a bulk load meets the
# same NIK, phone number, e-mail address or date again and again (issue 11), so the valid
# ones are kept. Only valid values: a refusal is raised anew each time, in the language of
# the moment.
_SEEN = 8192


@functools.lru_cache(maxsize=_SEEN)
def _valid_nik(text: str) -> str:
    from stdnum import exceptions as stdnum_exceptions
    from stdnum.id import nik as stdnum_nik

    try:
        return stdnum_nik.validate(text)
    except stdnum_exceptions.InvalidLength as exc:
        raise FieldInvalid(_("A NIK has exactly 16 digits.")) from exc
    except stdnum_exceptions.InvalidFormat as exc:
        raise FieldInvalid(_("A NIK has digits only.")) from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise FieldInvalid(
            _("This NIK has an impossible province code or birth date; check it on the KTP.")
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise FieldInvalid(_("This NIK is not valid; check it on the KTP.")) from exc


def _international_prefix(text: str) -> str:
    """A number typed with the `00` international prefix (0060 12..., 0062 812...) as `+`:
    read as Indonesian it would be a national number with a stray zero."""
    stripped = text.strip()
    digits = re.sub(r"[\s.\-()/]", "", stripped)
    if digits.startswith("00") and digits[2:].isdigit():
        return "+" + digits[2:]
    return stripped


# The two ways an Indonesian number is usually written: in E.164 (+62 812...), as an export or
# the demo data gives it, and nationally with its 0 (0812-3456-7890), as clerks type it. Parsing
# such a number can only give +62 and the digits after the 0 (0[1-9] is no international
# prefix here: that is 008 or 009), so the number is built directly and only checked
# (parsing was two thirds of this check); anything else, or an invalid number, is parsed.
_E164_ID = re.compile(r"\+62([1-9][0-9]{5,13})")
_NATIONAL_ID = re.compile(r"0([1-9][0-9]{5,13})")
_SEPARATORS = re.compile(r"[ .\-]")


def check_phone(text: str) -> str:
    """Return the number in E.164 (+62..., +60...), reading local numbers as Indonesian and a
    `00` prefix as `+`."""
    return _valid_phone(text)


@functools.lru_cache(maxsize=_SEEN)
def _valid_phone(text: str) -> str:
    import phonenumbers

    stripped = text.strip()
    plain = _E164_ID.fullmatch(stripped) or _NATIONAL_ID.fullmatch(_SEPARATORS.sub("", stripped))
    if plain:
        if _indonesian_mobile(plain[1]):
            return f"+62{plain[1]}"  # = format_number(number, E164)
        number = phonenumbers.PhoneNumber(country_code=62, national_number=int(plain[1]))
        if phonenumbers.is_valid_number(number):
            return f"+62{plain[1]}"
    try:
        number = phonenumbers.parse(_international_prefix(text), "ID")
    except phonenumbers.NumberParseException as exc:
        raise FieldInvalid(_("This is not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldInvalid(_("This phone number is not valid; check the digits."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _indonesian_mobile(national: str) -> bool:
    """Is +62 `national` a valid mobile number, by the library's own patterns for Indonesia?
    A valid number is one that matches the country's general pattern and that of one of its
    kinds (is_valid_number); the library tries ten kinds in turn and mobile comes last, so a
    mobile number (most of a desk's, all of the demo data's) is checked against those two
    directly, each its possible lengths and its pattern as the library matches them: a
    seventh of the time. False says only "not that way": the caller then asks
    is_valid_number. tests/core/test_validation.py compares the two on many numbers."""
    general, mobile = _indonesian_patterns()
    if general is None or mobile is None:  # pragma: no cover - another library version
        return False
    for lengths, pattern in (general, mobile):
        if (lengths and len(national) not in lengths) or not pattern.fullmatch(national):
            return False
    return True


@functools.cache
def _indonesian_patterns() -> tuple:
    """(possible lengths, compiled pattern) of Indonesia's general and mobile number
    descriptions in the library's metadata; None for one it does not have."""
    from phonenumbers import phonenumberutil

    metadata = phonenumberutil.PhoneMetadata.metadata_for_region("ID")
    found = []
    for desc in (metadata.general_desc, metadata.mobile) if metadata else (None, None):
        pattern = getattr(desc, "national_number_pattern", None)
        if not pattern:
            found.append(None)
            continue
        found.append((frozenset(desc.possible_length or ()), re.compile(pattern)))
    return tuple(found)


def looks_like_phone(text: str) -> bool:
    digits = text.replace(" ", "").replace("-", "")
    return digits.startswith(("+", "0", "62")) and digits.lstrip("+").isdigit() and len(digits) >= 8


def format_phone(e164: str) -> str:
    """Show a stored number the way Indonesians write it (0812-3456-7890 style) when it is
    Indonesian, and in international form (+60 12-345 6789) when it is not: a foreign number
    never loses its country."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == "ID":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def check_email(text: str) -> str:
    return _valid_email(text)


@functools.lru_cache(maxsize=_SEEN)
def _valid_email(text: str) -> str:
    import email_validator

    try:
        info = email_validator.validate_email(text.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise FieldInvalid(_("This e-mail address is not valid.")) from exc
    return info.normalized


def parse_date(text: str) -> dt.date:
    """Parse a date typed as dd/mm/yyyy (also dd-mm-yyyy or dd.mm.yyyy)."""
    return _valid_date(text)


@functools.lru_cache(maxsize=_SEEN)
def _valid_date(text: str) -> dt.date:
    cleaned = text.strip().replace("-", "/").replace(".", "/")
    try:
        return dt.datetime.strptime(cleaned, "%d/%m/%Y").date()
    except ValueError as exc:
        raise FieldInvalid(_("Type the date as dd/mm/yyyy, for example 21/11/2026.")) from exc


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
