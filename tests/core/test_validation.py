"""Field-level validation of the complaint form, in Indonesian."""

import datetime as dt

import pytest

from desk_app import reference
from desk_app.domain.complaint import validate
from desk_app.errors import ValidationFailed
from tests.conftest import make_form

REF = reference.load()


def errors_of(**overrides):
    with pytest.raises(ValidationFailed) as exc:
        validate(make_form(**overrides), REF, today=dt.date(2026, 11, 26))
    return exc.value.errors


def test_valid_form_is_normalised():
    valid = validate(make_form(), REF)
    assert valid.reporter_phone == "+6281266778899"
    assert valid.reporter_nik == "1403015708900002"
    assert valid.anonymous is False and valid.confidential is False


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("reporter_nik", "12345", "16 digit"),
        ("reporter_nik", "1403019913900002", "tanggal lahir"),  # 99/13 is no birth date
        ("reporter_nik", "9903015708900002", "provinsi"),  # 99 is no province
        ("reporter_phone", "12", "nomor telepon"),
        ("reporter_email", "siti@", "e-mail"),
        ("subject", "", "pokok"),
        ("description", "pendek", "10 karakter"),
        ("category", "NOPE", "daftar"),
        ("agency", "", "instansi"),
        ("region", "99.99", "daftar"),
        ("event_date", "31/02/2026", "dd/mm/yyyy"),
        ("event_date", "01/01/2030", "masa depan"),
        ("anonymous", "", "identitas"),
        ("confidential", "", "rahasia"),
    ],
)
def test_bad_input_gets_an_indonesian_message_at_its_field(field, value, words):
    errors = errors_of(**{field: value})
    assert field in errors
    assert words.lower() in errors[field].lower()


def test_name_required_unless_anonymous():
    assert "reporter_name" in errors_of(reporter_name="")
    validate(make_form(reporter_name="", anonymous="yes"), REF)


def test_phone_channel_needs_a_phone_number():
    assert "reporter_phone" in errors_of(channel="telepon", reporter_phone="")


def test_all_errors_are_reported_at_once():
    errors = errors_of(subject="", description="", reporter_nik="1")
    assert {"subject", "description", "reporter_nik"} <= errors.keys()


# -- phones: foreign numbers keep their country; a `00` prefix is read as `+` ----------------------


@pytest.mark.parametrize(
    "typed", ["+60 12-345 6789", "0060 12-345 6789", "0060123456789", "00 60 12 345 6789"]
)
def test_a_malaysian_number_is_stored_in_e164(typed):
    from desk_app.domain.validation import check_phone

    assert check_phone(typed) == "+60123456789"


@pytest.mark.parametrize("typed", ["0062 812-6677-8899", "0062812 6677 8899", "0812-6677-8899"])
def test_an_indonesian_number_typed_with_00_is_the_same_number(typed):
    from desk_app.domain.validation import check_phone

    assert check_phone(typed) == "+6281266778899"


def test_a_foreign_number_is_shown_with_its_country():
    from desk_app.domain.validation import format_phone

    assert format_phone("+60123456789") == "+60 12-345 6789"
    assert format_phone("+6281266778899") == "0812-6677-8899"  # Indonesian: as written here


def test_a_foreign_number_on_the_form_keeps_its_country():
    valid = validate(make_form(reporter_phone="0060 12-345 6789"), REF)
    assert valid.reporter_phone == "+60123456789"


# -- the quick paths of issue 11 give what the slow ones give ---------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_choice_label_is_another_choices_value(language):
    """Choice.parse takes a stored value before the labels: right only while no label, in any
    language shipped, spells another member's value."""
    from desk_app import i18n
    from desk_app.domain.complaint import Channel, ReportType, Status

    try:
        i18n.install(language)
        for choice in (ReportType, Channel, Status):
            for member in choice:
                labels = {member.label.lower(), choice._labels()[member.value].lower()}
                others = {m.value for m in choice if m is not member}
                assert not labels & others, (choice.__name__, member)
                assert choice.parse(f" {member.label.upper()} ") is member
    finally:
        i18n.install("id")


@pytest.mark.parametrize(
    "typed",
    [
        "+6281266778899",
        "+628126677889",
        "+62211234567",
        "+62 812 6677 8899",
        "+6208126677889",
        "0812-6677-8899",
        "0812.6677.8899",
        " 0812 6677 889 ",
        "021-1234567",
        "0761 12345",
        "08 12",
        "0800123456",
    ],
)
def test_a_number_written_the_usual_way_is_what_parsing_gives(typed):
    """An Indonesian number in E.164 or with its national 0 skips parsing: it must come out as
    parsing it would (the same national number, the same validity)."""
    import phonenumbers

    from desk_app.domain.validation import FieldInvalid, check_phone

    number = phonenumbers.parse(typed, "ID")
    if phonenumbers.is_valid_number(number):
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert check_phone(typed) == expected
        assert check_phone(typed) == expected  # and again, from the kept values
    else:
        with pytest.raises(FieldInvalid):
            check_phone(typed)


def test_an_invalid_value_is_refused_every_time_in_the_language_of_the_moment():
    """Valid values are kept; a refusal is not, so its message follows the language."""
    from desk_app import i18n
    from desk_app.domain.validation import FieldInvalid, check_nik, check_phone

    try:
        messages = []
        for language in ("en", "id"):
            i18n.install(language)
            for check, value in ((check_nik, "12345"), (check_phone, "+62812")):
                with pytest.raises(FieldInvalid) as exc:
                    check(value)
                messages.append(str(exc.value))
        assert messages[:2] != messages[2:]
    finally:
        i18n.install("id")


def _stdnum_nik(text: str) -> tuple[str, str]:
    """What python-stdnum alone says of a NIK: ("ok", the NIK) or ("refused", the message)."""
    from desk_app.domain.validation import FieldInvalid, _valid_nik

    try:
        return "ok", _valid_nik.__wrapped__(text)
    except FieldInvalid as exc:
        return "refused", str(exc)


def _checked_nik(text: str) -> tuple[str, str]:
    from desk_app.domain.validation import FieldInvalid, check_nik

    try:
        return "ok", check_nik(text)
    except FieldInvalid as exc:
        return "refused", str(exc)


YEARS = ("00", "01", "04", "23", "96", "99")  # 2000 leap and 1900 not, 2004 and 1904 both


def test_a_nik_judged_by_its_parts_is_judged_as_stdnum_judges_it():
    """check_nik judges a 16-digit NIK by its place and birth date, each part once (issue 11):
    on NIKs good and bad in every part, the same verdict and message as stdnum on the whole."""
    import random

    rng = random.Random(11)
    births = [f"{d:02d}{m:02d}{y}" for d in range(100) for m in range(14) for y in YEARS]
    niks = [f"140301{born}0002" for born in births]  # every day and month of the birth date
    places = ["1403", "1471", "1401", "3171", "9903", "0000", "1499", "9471"]
    places += [f"{rng.randrange(10**4):04d}" for _ in range(300)]
    niks += [f"{place}01{rng.choice(births)}{rng.randrange(10**4):04d}" for place in places]
    niks += ["1403015708900002 ", "1403-0157-0890-0002", "140301570890000", "14030157089000021"]
    niks += ["１４０３０１５７０８９０００２", "14030157089000O2"]  # full-width digits, a letter O
    verdicts = {_stdnum_nik(nik)[0] for nik in niks}
    assert verdicts == {"ok", "refused"}
    for nik in niks:
        assert _checked_nik(nik) == _stdnum_nik(nik), nik
        assert _checked_nik(nik) == _stdnum_nik(nik), nik  # and again, from the kept parts


def test_a_mobile_number_checked_directly_is_valid_as_the_library_says():
    """_indonesian_mobile (two of the library's patterns instead of its ten kinds): whatever it
    takes, is_valid_number takes too; and it takes the usual mobile numbers."""
    import random

    import phonenumbers

    from desk_app.domain.validation import _indonesian_mobile

    rng = random.Random(5)
    nationals = [str(rng.randrange(10 ** (n - 1), 10**n)) for n in range(5, 15) for _ in range(400)]
    nationals += [f"8{rng.choice('1235')}{rng.randrange(10**8, 10**9)}" for _ in range(2000)]
    taken = 0
    for national in nationals:
        if _indonesian_mobile(national):
            taken += 1
            number = phonenumbers.PhoneNumber(country_code=62, national_number=int(national))
            assert phonenumbers.is_valid_number(number), national
    assert taken > 2000
