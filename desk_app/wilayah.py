"""The official region list in its published forms, read into {Kemendagri code: name}, and the
differences between two such lists. Pure functions: no files written, no Qt.

Two forms are read (see resources/README.md):
- the SQL dump of the open transcription cahyadsn/wilayah (MIT): `INSERT INTO wilayah ...
  VALUES ('14.03.01.2001','Name'),...` rows; the dump's header names the Kepmendagri it follows;
- a Kemendagri CSV: one `code;name` per line (a comma works too; a header line is skipped).

Only the province's rows are kept (codes under `province`, e.g. "14" for Riau). Codes are
Kemendagri's, as in the NIK: 14.03 Bengkalis (BPS says 1408), 14.03.01 a kecamatan,
14.03.01.2001 a desa (2xxx) or kelurahan (1xxx).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from desk_app.errors import DeskError
from desk_app.i18n import N_

CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_SQL_ROW = re.compile(
    r"\(\s*'(\d{2}(?:\.\d{2}){0,2}(?:\.\d{4})?)'\s*,\s*'((?:[^'\\]|''|\\.)*)'\s*\)"
)
_LEGAL = re.compile(r"Kepmendagri\s+No\.?\s*([0-9][0-9.\-]*)\s+Tahun\s+(\d{4})", re.IGNORECASE)


class SourceUnreadable(DeskError):
    """The file holds no region rows for the province in a form this desk reads."""

    code = "reference.unreadable"
    template = N_(
        "{name} holds no region codes of this province: give the wilayah SQL dump or a "
        "Kemendagri CSV (code;name per line)."
    )


@dataclass(frozen=True)
class OfficialList:
    codes: dict[str, str]  # Kemendagri code -> name, the province's rows only
    legal_basis: str  # e.g. "Kepmendagri No. 300.2.2-2138 Tahun 2025", "" when not stated
    form: str  # "sql" or "csv"


@dataclass(frozen=True)
class Changes:
    added: dict[str, str]
    renamed: dict[str, tuple[str, str]]  # code -> (old name, new name)
    removed: dict[str, str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.renamed or self.removed)


def level(code: str) -> int:
    """1 province, 2 regency/city, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1


def _unquote(text: str) -> str:
    return text.replace("''", "'").replace("\\'", "'").replace('\\"', '"').strip()


def parse(text: str, province: str, name: str = "") -> OfficialList:
    """Read the SQL dump or the CSV form; raises SourceUnreadable when no row of `province`."""
    legal = _LEGAL.search(text[:4000])
    legal_basis = f"Kepmendagri No. {legal.group(1)} Tahun {legal.group(2)}" if legal else ""
    prefix = province + "."
    codes: dict[str, str] = {}
    form = "sql"
    if "INSERT" in text.upper():
        for code, value in _SQL_ROW.findall(text):
            if code == province or code.startswith(prefix):
                codes[code] = _unquote(value)
    else:
        form = "csv"
        for row in csv.reader(io.StringIO(text), delimiter=";" if ";" in text else ","):
            if len(row) < 2:
                continue
            code, value = row[0].strip().strip('"'), row[1].strip()
            if CODE.match(code) and (code == province or code.startswith(prefix)) and value:
                codes[code] = value
    if not any(level(c) > 1 for c in codes):
        raise SourceUnreadable(name=name or "?")
    return OfficialList(codes, legal_basis, form)


def changes(old: dict[str, str], new: dict[str, str]) -> Changes:
    return Changes(
        added={c: new[c] for c in sorted(new.keys() - old.keys())},
        renamed={c: (old[c], new[c]) for c in sorted(old.keys() & new.keys()) if old[c] != new[c]},
        removed={c: old[c] for c in sorted(old.keys() - new.keys())},
    )
