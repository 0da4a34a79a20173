"""Tracking numbers: DESK-YYMMDD-SEQ-C, unique across desks without coordination.

The check character C is a Damm-style check over the 36 characters 0-9A-Z of the whole
number without dashes, so any single mistyped character and any swap of two neighbours is
caught. See docs/tracking-numbers.md for why not ISO 7064 MOD 37,36 (python-stdnum): that
hybrid system misses some swaps (I0-200101-0001-3 and I0-200110-0001-3 both pass it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from desk_app.errors import MalformedNumber, MistypedNumber

DESK_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
NUMBER_RE = re.compile(r"^([A-Z][A-Z0-9]{1,7})-?(\d{6})-?(\d{4,6})-?([0-9A-Z])$")


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _op(x: int, y: int) -> int:
    """A totally anti-symmetric quasigroup of order 36 (Damm): the direct product of
    a*x + y over GF(4) (a = the generator w) and 2x + y over Z/9, each anti-symmetric."""
    x4, x9 = divmod(x, 9)
    y4, y9 = divmod(y, 9)
    hi, lo = x4 >> 1, x4 & 1
    w_x4 = ((hi ^ lo) << 1) | hi  # w * x4 in GF(4) = GF(2)[w]/(w^2 + w + 1)
    return (w_x4 ^ y4) * 9 + (2 * x9 + y9) % 9


# _op as a table, and each character's index: every save and every row of a bulk load makes a
# number, and the arithmetic per character was most of that (issue 11).
_TABLE = tuple(tuple(_op(x, y) for y in range(36)) for x in range(36))
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def _interim(text: str, value: int = 0) -> int:
    """The check's interim value after `text`, from `value` (that of the text before it)."""
    for ch in text:
        index = _INDEX.get(ch)
        if index is None:
            raise ValueError(f"not in the alphabet: {ch!r}")
        value = _TABLE[value][index]
    return value


def check_character(body: str) -> str:
    """The character c that makes the whole number's interim value 0."""
    return _closing(_interim(body.replace("-", "")))


def _closing(interim: int) -> str:
    x4, x9 = divmod(interim, 9)
    hi, lo = x4 >> 1, x4 & 1
    return ALPHABET[(((hi ^ lo) << 1) | hi) * 9 + (-2 * x9) % 9]


def is_valid_check(compact: str) -> bool:
    return all(ch in ALPHABET for ch in compact) and _interim(compact) == 0


@dataclass(frozen=True)
class TrackingNumber:
    desk_code: str
    day: dt.date
    sequence: int

    @property
    def prefix(self) -> str:
        """What every number of the desk's day starts with: "DESK-YYMMDD-"."""
        return f"{self.desk_code}-{self.day:%y%m%d}-"

    @property
    def body(self) -> str:
        return f"{self.prefix}{self.sequence:04d}"

    @property
    def check(self) -> str:
        return check_character(self.body)

    def __str__(self) -> str:
        return f"{self.body}-{self.check}"


def is_valid_desk_code(code: str) -> bool:
    return bool(DESK_CODE_RE.match(code))


def make(desk_code: str, day: dt.date, sequence: int) -> str:
    if not is_valid_desk_code(desk_code):
        raise ValueError("invalid desk code")
    if not 1 <= sequence <= 999_999:
        raise ValueError("sequence out of range")
    body = TrackingNumber(desk_code, day, sequence).body  # str() would build it twice
    return f"{body}-{check_character(body)}"


def series(desk_code: str, day: dt.date, first: int, count: int) -> list[str]:
    """make() for the `count` sequences of `day` from `first` on (a bulk load takes a day's
    numbers at once): the desk code is checked and the day written once."""
    if count <= 0:
        return []
    if not is_valid_desk_code(desk_code):
        raise ValueError("invalid desk code")
    if not 1 <= first <= first + count - 1 <= 999_999:
        raise ValueError("sequence out of range")
    prefix = TrackingNumber(desk_code, day, first).prefix
    after_prefix = _interim(prefix.replace("-", ""))  # the check over the prefix, once
    numbers = []
    for sequence in range(first, first + count):
        digits = f"{sequence:04d}"
        numbers.append(f"{prefix}{digits}-{_closing(_interim(digits, after_prefix))}")
    return numbers


def normalise(text: str) -> str:
    return "".join(text.split()).upper()


def looks_like_number(text: str) -> bool:
    """True when the text has the shape of a tracking number (right check or not)."""
    return bool(NUMBER_RE.match(normalise(text)))


def parse(text: str) -> str:
    """Return the canonical number, or raise MalformedNumber / MistypedNumber."""
    cleaned = normalise(text)
    match = NUMBER_RE.match(cleaned)
    if not match:
        raise MalformedNumber(number=cleaned)
    desk, date_part, seq, check = match.groups()
    try:
        day = dt.datetime.strptime(date_part, "%y%m%d").date()
    except ValueError:
        raise MistypedNumber(number=cleaned) from None
    number = TrackingNumber(desk, day, int(seq))
    canonical = f"{desk}-{date_part}-{seq}-{check}"
    if not is_valid_check(canonical.replace("-", "")) or number.body != canonical[:-2]:
        raise MistypedNumber(number=cleaned)
    return canonical
