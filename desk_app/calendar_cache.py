"""The country's holidays of each year, as the `holidays` package gives them, kept in the
machine's cache folder for that package version (domain/calendar.py reads them from here).

Importing the package costs 70-100 ms (its registry imports every country's module), which the
first due date of every process paid: the first save of a clerk's session, every demo-data or
import run. A year read back from here costs well under a millisecond. The file is only a copy
of the package's answer, named for the package's version and the categories asked for: a new
version of the package (a cuti bersama added by a new SKB) starts a new file, and a file that
is missing, unreadable or not what it should be is ignored and written again. Holiday names
(for IT's calendar lists) still come from the package.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

COUNTRY = "ID"


def package_version() -> str | None:
    """The installed `holidays` version (from its metadata: the package is not imported), or
    None when it cannot be told."""
    from importlib import metadata

    try:
        return metadata.version("holidays")
    except (metadata.PackageNotFoundError, ValueError):
        return None


class YearCache:
    """The years kept in `folder` for these categories and the installed package's version
    (`version`: another, for tests): get() a year's holidays (None: not kept), put() a year's
    after computing them. Read on first use; nothing kept when the version cannot be told."""

    def __init__(self, folder: Path, categories: Iterable[str], version: str | None = None) -> None:
        self.folder, self.categories, self.version = Path(folder), sorted(categories), version
        self.key: dict | None = None
        self.path: Path | None = None
        self._years: dict[int, frozenset[dt.date]] | None = None

    def _load(self) -> dict[int, frozenset[dt.date]]:
        if self._years is None:
            version = self.version or package_version()
            if version is None:
                self._years = {}
                return self._years
            self.key = {"country": COUNTRY, "categories": self.categories, "version": version}
            name = "-".join(("holidays", COUNTRY, *self.categories, version))
            self.path = self.folder / f"{name}.json"
            self._years = self._read()
        return self._years

    def get(self, year: int) -> frozenset[dt.date] | None:
        return self._load().get(year)

    def put(self, year: int, days: Iterable[dt.date]) -> None:
        years = self._load()
        years[year] = frozenset(days)
        if self.path is not None:
            self._write()

    def _read(self) -> dict[int, frozenset[dt.date]]:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            if kept["key"] != self.key:
                return {}
            years = {}
            for year, days in kept["years"].items():
                dates = frozenset(dt.date.fromisoformat(day) for day in days)
                if any(d.year != int(year) for d in dates):
                    return {}
                years[int(year)] = dates
            return years
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("calendar cache unreadable, made again: %s", self.path.name)
            return {}

    def _write(self) -> None:
        """The file replaced whole (a reader sees the old file or the new one, never half)."""
        data = {
            "key": self.key,
            "years": {
                str(y): sorted(d.isoformat() for d in days) for y, days in self._years.items()
            },
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".holidays-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out, sort_keys=True)
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only cache folder: the package answers every time
            log.warning("calendar cache not written (%s): %s", type(exc).__name__, self.path.name)
