"""Reference data shipped in resources/: regions (Kemendagri codes), agencies, categories."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

from desk_app import paths
from desk_app.i18n import language

DEFAULT_SLA_WORKING_DAYS = 5


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    sla_working_days: int

    @property
    def label(self) -> str:
        return self.name_en if language() == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str
    region: str

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Region:
    code: str  # Kemendagri code, as in the NIK (e.g. 14.03 Bengkalis; BPS uses 1408)
    name: str
    short: str
    districts: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Reference:
    categories: dict[str, Category]
    agencies: dict[str, Agency]
    regions: dict[str, Region]

    def districts_of(self, region: str) -> dict[str, str]:
        found = self.regions.get(region)
        return found.districts if found else {}

    def sla_days(self, category: str) -> int:
        found = self.categories.get(category)
        return found.sla_working_days if found else DEFAULT_SLA_WORKING_DAYS

    def label(self, kind: str, code: str | None) -> str:
        """The display name of a code of `kind` (category, agency, region), or the code."""
        if not code:
            return ""
        table = {"category": self.categories, "agency": self.agencies, "region": self.regions}
        found = table[kind].get(code)
        return found.label if found else code


def _read(relative: str) -> dict:
    with open(paths.resources_dir() / relative, encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def load() -> Reference:
    categories = {
        c["code"]: Category(c["code"], c["name"], c.get("name_en", ""), c["sla_working_days"])
        for c in _read("categories/categories.json")["categories"]
    }
    agencies = {
        a["code"]: Agency(a["code"], a["name"], a.get("level", ""), a.get("region", ""))
        for a in _read("agencies/riau.json")["agencies"]
    }
    regions = {
        r["code"]: Region(
            r["code"],
            r["name"],
            r.get("short", r["name"]),
            {d["code"]: d["name"] for d in r.get("districts", [])},
        )
        for r in _read("regions/riau.json")["regions"]
    }
    return Reference(categories, agencies, regions)
