"""Tracking numbers: format, check character, and what a mistyped number gets."""

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain import numbering
from desk_app.errors import MalformedNumber, MistypedNumber

ALPHABET = string.digits + string.ascii_uppercase

desk_codes = st.from_regex(r"[A-Z][A-Z0-9]{1,5}", fullmatch=True)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2099, 12, 31))
seqs = st.integers(min_value=1, max_value=99999)


def test_format_matches_the_documented_example_shape():
    number = numbering.make("BKS01", dt.date(2026, 11, 22), 7)
    assert number.startswith("BKS01-261122-0007-")
    assert len(number.split("-")[-1]) == 1
    assert numbering.parse(number.lower().replace("-", " - ")) == number


@given(desk_codes, days, seqs)
def test_any_single_substitution_is_caught(desk_code, day, seq):
    number = numbering.make(desk_code, day, seq)
    for i, ch in enumerate(number):
        if ch == "-":
            continue
        pool = string.digits if ch.isdigit() else ALPHABET
        for other in pool:
            if other == ch:
                continue
            typo = number[:i] + other + number[i + 1 :]
            with pytest.raises((MistypedNumber, MalformedNumber)):
                numbering.parse(typo)


@given(desk_codes, days, seqs)
def test_any_swap_of_neighbours_is_caught(desk_code, day, seq):
    number = numbering.make(desk_code, day, seq)
    compact = number.replace("-", "")
    for i in range(len(compact) - 1):
        if compact[i] == compact[i + 1]:
            continue
        swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
        with pytest.raises((MistypedNumber, MalformedNumber)):
            numbering.parse(swapped)


def test_mistyped_is_distinct_from_not_a_number():
    number = numbering.make("PKU01", dt.date(2026, 1, 5), 12)
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(MistypedNumber) as exc:
        numbering.parse(bad)
    assert "salah ketik" in exc.value.message()
    with pytest.raises(MalformedNumber):
        numbering.parse("hello")


# -- what must never change: numbers already printed on receipts --------------------------------

FIXED = [
    ("BKS01", dt.date(2026, 11, 22), 7, "BKS01-261122-0007-A"),
    ("PKU01", dt.date(2026, 11, 22), 7, "PKU01-261122-0007-K"),
    ("PKU01", dt.date(2026, 12, 2), 1, "PKU01-261202-0001-N"),
    ("DUM01", dt.date(2027, 1, 31), 9999, "DUM01-270131-9999-P"),
    ("A1", dt.date(2026, 1, 1), 1, "A1-260101-0001-D"),
]


@pytest.mark.parametrize(("desk_code", "day", "seq", "number"), FIXED)
def test_fixed_vectors_never_change(desk_code, day, seq, number):
    """A refactor of the check character would make every number ever printed invalid."""
    assert numbering.make(desk_code, day, seq) == number
    assert numbering.parse(number) == number


def test_the_documented_example_is_a_real_number():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "tracking-numbers.md"
    example = doc.read_text(encoding="utf-8").splitlines()[5].strip()
    assert example == numbering.make("BKS01", dt.date(2026, 11, 22), 7)


def test_a_series_is_what_make_gives_one_by_one():
    day = dt.date(2026, 11, 20)
    assert numbering.series("PKU01", day, 9998, 4) == [
        numbering.make("PKU01", day, seq) for seq in range(9998, 10002)
    ]
    assert numbering.series("PKU01", day, 1, 0) == []
    with pytest.raises(ValueError):
        numbering.series("PKU01", day, 999_999, 2)
    with pytest.raises(ValueError):
        numbering.series("pku", day, 1, 1)
