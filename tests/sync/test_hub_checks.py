"""The hub's identity checks take shortcuts for speed (hub/checks.py): each must give the
library's own answer. Compared here on generated values, valid and not."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.id import nik

from desk_app.hub import checks


def library_e164(value: str) -> bool:
    """The check as phonenumbers alone does it: parsed, valid, and already in E.164 form."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == value
    )


def library_nik(value: str) -> bool:
    return nik.is_valid(value) and nik.compact(value) == value


indonesian = st.builds(
    lambda rest: "+62" + rest, st.text(alphabet="0123456789", min_size=0, max_size=14)
)
mobile = st.builds(  # +62 8xx: most of what a desk sends
    lambda operator, rest: f"+628{operator}{rest}",
    st.sampled_from(["11", "12", "13", "21", "22", "52", "53", "14", "55", "57", "77", "95"]),
    st.text(alphabet="0123456789", min_size=4, max_size=10),
)
elsewhere = st.builds(
    lambda cc, rest: f"+{cc}{rest}",
    st.sampled_from(["1", "44", "60", "65", "39", "54", "7", "86"]),
    st.text(alphabet="0123456789", min_size=4, max_size=12),
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(indonesian, mobile, elsewhere, st.text(max_size=18)))
def test_the_phone_shortcut_answers_as_phonenumbers_does(value):
    assert checks._e164(value) == library_e164(value)


def test_an_indonesian_mobile_number_in_e164_passes_and_other_spellings_do_not():
    assert checks._e164("+6281234567890")
    assert not checks._e164("+62812345")  # too short
    assert not checks._e164("081234567890") and not checks._e164("+62 812 3456 7890")


riau_like = st.builds(
    lambda place, day, month, year, serial: f"{place}{day:02d}{month:02d}{year:02d}{serial}",
    st.sampled_from(
        ["1471", "1401", "1403", "1408", "1473", "3171", "9999", "0000", "1499"]
    ).flatmap(lambda p: st.just(p + "01") | st.just(p + "12") | st.just(p + "99")),
    st.integers(0, 75),
    st.integers(0, 13),
    st.integers(0, 99),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(riau_like, st.text(alphabet="0123456789 .-", max_size=18), st.text(max_size=18)))
def test_the_nik_shortcut_answers_as_python_stdnum_does(value):
    assert checks.nik_valid(value) == library_nik(value)


def test_a_real_looking_nik_passes_and_an_unknown_place_does_not():
    assert checks.nik_valid("1471015505900001")
    assert not checks.nik_valid("9999015505900001")


def test_warm_loads_what_the_first_batch_would_wait_for():
    """`hub serve` calls checks.warm() before it listens: a fresh interpreter has the
    libraries imported and the number patterns compiled before any batch."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from desk_app.hub import checks\n"
        "before = {'phonenumbers', 'stdnum.id.nik'} & set(sys.modules)\n"
        "checks.warm()\n"
        "after = {'phonenumbers', 'stdnum.id.nik'} & set(sys.modules)\n"
        "print(sorted(before), sorted(after))\n"
    )
    from tests.sync.hub_process import subprocess_env

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=True,
        timeout=60,
    ).stdout.strip()
    assert out == "[] ['phonenumbers', 'stdnum.id.nik']"
