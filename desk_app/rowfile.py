"""Reading the rows of a CSV or JSON Lines file that a person or another program made.

Accepted: UTF-8 with or without a byte order mark; CSV separated by commas or by semicolons (as
Excel saves "CSV" where the decimal mark is a comma, e.g. in Indonesian), found from the header
line or from Excel's `sep=;` first line; CRLF or LF line ends, and for CSV also CR alone (old
Mac Excel). Every row carries the physical line it starts on, counting "\\n" only: a U+2028
inside a JSON string or a line break inside a quoted CSV field does not shift the numbers of
later rows, and a CSV row that spans lines is named by its first.

A file that cannot be read as rows at all (missing, a folder, not UTF-8, binary, broken CSV
quoting, empty, only a header) raises UnreadableFile with the reason in words, naming the line
and, for an encoding error, the byte offset. A single line that is not a row (bad JSON, a CSV
line with the wrong number of cells) comes back as a Row with `problem` set, so the caller can
report every bad line in one run. No message ever names a Python exception.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from desk_app.errors import DeskError
from desk_app.files import reason_text
from desk_app.i18n import N_, _

MAX_FILE_BYTES = 100 * 1024 * 1024  # far above any real import; refused before reading
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_BOM = b"\xef\xbb\xbf"


class UnreadableFile(DeskError):
    """`reason` is already words and names the line (and byte) where it can."""

    code = "unreadable_file"
    template = N_("The file {name} cannot be read: {reason}. Nothing was imported.")


@dataclass(frozen=True)
class JsonNumber:
    """A number in a JSON line, kept as its text so the caller can refuse it in words (a NIK
    or a region code written as a number would lose digits)."""

    text: str


@dataclass(frozen=True)
class Row:
    line: int  # the physical line the row starts on (1 = the file's first line)
    values: dict[str, object] = field(default_factory=dict)  # CSV: str; JSON: as parsed
    problem: str | None = None  # set when this line could not be read as a row


@dataclass(frozen=True)
class RowFile:
    kind: str  # "csv" or "jsonl"
    columns: list[str]  # CSV: the header's names, in order; JSON Lines: []
    rows: list[Row]
    header_line: int = 0  # CSV: the line of the header; JSON Lines: 0


def json_kind(value: object) -> str:
    """What a JSON value is, in words, for a message."""
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, JsonNumber | int | float):
        return _("a number")
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("a list")
    return _("text")


def read_rows(path: str | Path) -> RowFile:
    """Every row of the file (see the module note); raises UnreadableFile."""
    path = Path(path)
    data = _read_bytes(path)
    text = _decode(path, data)
    if path.suffix.lower() in JSON_SUFFIXES or (
        path.suffix.lower() != ".csv" and text.lstrip().startswith("{")
    ):
        if text.lstrip().startswith("["):
            raise UnreadableFile(
                name=path.name,
                reason=_("it is one JSON list; write one JSON object a line (JSON Lines) instead"),
            )
        rows = _json_rows(text)
        kind, columns, header_line = "jsonl", [], 0
    else:
        kind = "csv"
        columns, rows, header_line = _csv_rows(path, text)
    if not rows:
        raise UnreadableFile(name=path.name, reason=_("it holds no rows"))
    return RowFile(kind, columns, rows, header_line if kind == "csv" else 0)


def _read_bytes(path: Path) -> bytes:
    def refuse(reason: str) -> UnreadableFile:
        return UnreadableFile(name=path.name, reason=reason)

    if path.is_dir():
        raise refuse(_("that is a folder, not a file"))
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise refuse(_("the file does not exist")) from None
    except OSError as exc:
        raise refuse(reason_text(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise refuse(
            _("it is larger than {size} MB; split it into smaller files").format(
                size=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    return data


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(
            name=path.name,
            reason=_('it is UTF-16 text (Excel\'s "Unicode Text"); save it as CSV UTF-8 instead'),
        )
    start = len(_BOM) if data.startswith(_BOM) else 0
    if not data[start:].strip():
        raise UnreadableFile(name=path.name, reason=_("it is empty"))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(
            name=path.name,
            reason=_(
                "line {line} holds a NUL byte (byte offset {offset}): this is not a text file"
            ).format(line=_line_of(data, nul), offset=nul),
        )
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise UnreadableFile(
            name=path.name,
            reason=_(
                "line {line} is not UTF-8 text (byte offset {offset}); save the file as "
                "CSV UTF-8 or as UTF-8 text"
            ).format(line=_line_of(data, offset), offset=offset),
        ) from None


# -- JSON Lines --------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    row: dict[str, object] = {}
    for key, value in pairs:
        if key in row:
            raise _DuplicateKey(key)
        row[key] = value
    return row


class _DuplicateKey(Exception):
    pass


def _json_line(line: str) -> object:
    return json.loads(
        line,
        object_pairs_hook=_no_duplicates,
        parse_int=JsonNumber,
        parse_float=JsonNumber,
        parse_constant=JsonNumber,
    )


def _json_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    # Physical lines only: str.splitlines() would also split at U+2028, U+0085 and others.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        problem = None
        try:
            value = _json_line(line.rstrip("\r"))
        except json.JSONDecodeError as exc:
            problem = _("column {column}: this is not valid JSON").format(column=exc.colno)
        except RecursionError:
            problem = _("the JSON is nested too deeply; each line must be one flat object")
        except _DuplicateKey as exc:
            problem = _("the field {name} appears twice").format(name=exc.args[0])
        except ValueError:  # e.g. a number with thousands of digits
            problem = _("this is not valid JSON")
        else:
            if not isinstance(value, dict):
                problem = _("each line must be a JSON object, not {kind}").format(
                    kind=json_kind(value)
                )
        rows.append(Row(number, {} if problem else value, problem))  # type: ignore[arg-type]
    return rows


# -- CSV ---------------------------------------------------------------------------------------


class _Lines:
    """The text's physical lines, each with its "\\n", counting how many were handed out."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline="\n"))
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


_SEP_HINT = re.compile(r"^sep=([,;\t|])$")


def separator(header: str) -> str:
    """The header line's separator: a semicolon when it has more of those than commas."""
    return ";" if header.count(";") > header.count(",") else ","


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[Row], int]:
    if "\n" not in text:  # old Mac line ends (Excel's "CSV (Macintosh)"): CR alone
        text = text.replace("\r", "\n")
    lines = _Lines(text)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    hint = _SEP_HINT.match(first_line)  # Excel's "sep=;" line names the separator
    if hint:
        next(lines)
    delimiter = hint.group(1) if hint else separator(first_line)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    rows: list[Row] = []
    columns: list[str] | None = None
    header_line = 1
    while True:
        first = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnreadableFile(name=path.name, reason=_csv_reason(exc, first)) from None
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or only separators as spreadsheets leave them
        if columns is None:
            columns, header_line = _header(path, cells, first), first
            continue
        if len(cells) != len(columns):
            problem = _("this row has {cells} cells, the header line has {columns}").format(
                cells=len(cells), columns=len(columns)
            )
            rows.append(Row(first, {}, problem))
            continue
        rows.append(Row(first, dict(zip(columns, cells, strict=True))))
    if columns is not None and not rows:
        raise UnreadableFile(
            name=path.name,
            reason=_("it has only the header line (line {line}) and no rows").format(
                line=header_line
            ),
        )
    return columns or [], rows, header_line


def _header(path: Path, cells: list[str], line: int) -> list[str]:
    names = [cell.strip() for cell in cells]
    for index, name in enumerate(names, start=1):
        if not name:
            raise UnreadableFile(
                name=path.name,
                reason=_("line {line}: column {column} of the header has no name").format(
                    line=line, column=index
                ),
            )
        if name in names[: index - 1]:
            raise UnreadableFile(
                name=path.name,
                reason=_("line {line}: the column {name} appears twice").format(
                    line=line, name=name
                ),
            )
    return names


def _csv_reason(exc: csv.Error, line: int) -> str:
    if "field larger than field limit" in str(exc):
        return _("line {line}: a field is longer than {limit} characters").format(
            line=line, limit=csv.field_size_limit()
        )
    return _(
        "line {line} is not laid out as CSV: a quoted field is not closed, or a quote stands "
        "in the middle of a field"
    ).format(line=line)
