"""Reference data: regions (Kemendagri codes down to desa/kelurahan), agencies, categories.

Shipped in resources/ (read-only in a bundle); each file opens with a `source` block saying
which official list it follows and of what date (resources/README.md). A newer region list
that IT imports (`desk-app reference import`, services/reference_data.py) is kept in the data
folder, reference/regions.json, and read over the shipped one: its codes and names win, the
hand-kept facts (BPS code, short name, aliases) still come from the shipped file. The sets a
sync fetches from the province (desk_app/sync/client.py) are kept there too, as
reference/<set>.json: the data folder's copy wins, its `source` block says where it came from.
A set's version (file_version) is the same at the hub and at the desk, so a desk knows the
version of what it ships.

Typing finds by name, by alias (Tembilahan, Bagansinembah / Bagan Sinembah: spaces, hyphens
and apostrophes do not count) and, for categories, by the clerk's words ("pungli", "KTP").
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from desk_app import paths, wilayah
from desk_app.i18n import language

DEFAULT_SLA_WORKING_DAYS = 5
PROVINCE = "14"  # Riau
OVERRIDE_FOLDER = "reference"
REGIONS_OVERRIDE = "regions.json"
# The shipped files under resources/, by reference set name (docs/sync-protocol.md §10). The
# data folder's reference/<name>.json, when there, is read over the shipped file.
SHIPPED_FILES = {
    "categories": "categories/categories.json",
    "agencies": "agencies/riau.json",
    "regions": "regions/riau.json",
}
# Agencies in every desk's set: the province's own and the vertical bodies serving it.
PROVINCE_WIDE = PROVINCE


@dataclass(frozen=True)
class Source:
    """Where one reference file comes from. `imported`: the data folder's copy is in use."""

    kind: str  # "regions", "agencies", "categories"
    name: str
    url: str
    legal_basis: str
    date: str
    licence: str = ""
    note: str = ""
    file: str = ""
    imported: bool = False


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    sla_working_days: int
    keywords: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name_en if language() == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str  # provinsi, kabupaten, kota, vertikal
    region: str  # "14" province-wide, else the regency/city's code
    head: bool = False  # "Pemerintah Kabupaten/Kota ...": the regency's government as a whole

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Region:
    code: str  # Kemendagri code, as in the NIK (e.g. 14.03 Bengkalis; BPS uses 1408)
    name: str
    short: str
    districts: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name


def folded(text: str) -> str:
    """Text as the search compares it: case, spaces, hyphens and apostrophes do not count."""
    return re.sub(r"[\W_]+", "", text.casefold())


@dataclass(frozen=True)
class Reference:
    categories: dict[str, Category]
    agencies: dict[str, Agency]
    regions: dict[str, Region]
    villages: dict[str, dict[str, str]] = field(default_factory=dict)  # district -> code: name
    district_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()

    def districts_of(self, region: str) -> dict[str, str]:
        found = self.regions.get(region)
        return found.districts if found else {}

    def villages_of(self, district: str) -> dict[str, str]:
        return self.villages.get(district, {})

    def district_label(self, code: str | None) -> str:
        """The kecamatan's name ("" for none; the code when the list does not know it)."""
        if not code:
            return ""
        return self.districts_of(code[: code.rfind(".")]).get(code, code)

    def village_label(self, code: str | None) -> str:
        """The desa/kelurahan's name ("" for none; the code when the list does not know it)."""
        if not code:
            return ""
        return self.villages_of(code[: code.rfind(".")]).get(code, code)

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

    def agencies_for(self, region: str) -> list[Agency]:
        """The agencies a desk of `region` offers: that regency's or city's own (its OPD,
        kecamatan offices and the vertical offices there), then the province's and the
        province-wide vertical bodies. A desk with no region (a provincial desk) offers the
        province's, the vertical bodies and each regency's government as one entry."""
        own = [a for a in self.agencies.values() if region and a.region == region]
        wide = [a for a in self.agencies.values() if a.region == PROVINCE_WIDE]
        if not region:
            return wide + [a for a in self.agencies.values() if a.head]
        order = {"vertikal": 1}
        return sorted(own, key=lambda a: order.get(a.level, 0)) + wide

    def terms(self, kind: str, code: str) -> tuple[str, ...]:
        """What typing may match for one entry: its name, its aliases, its keywords."""
        if kind == "category":
            found = self.categories.get(code)
            return (found.name, found.name_en, *found.keywords) if found else ()
        if kind == "region":
            region = self.regions.get(code)
            return (region.name, region.short, *region.aliases) if region else ()
        if kind == "district":
            return (self.district_label(code), *self.district_aliases.get(code, ()))
        if kind == "village":
            return (self.village_label(code),)
        found = self.agencies.get(code)
        return (found.name,) if found else ()

    def search_text(self, kind: str, code: str) -> str:
        """The entry's terms, folded and joined by "|", for a type-ahead that matches a
        folded part of one term (the intake form's combos)."""
        return "|".join(folded(t) for t in self.terms(kind, code) if t)

    def find(self, kind: str, text: str, within: str = "") -> list[str]:
        """Codes whose name, alias or keyword holds `text` (folded). Districts are searched
        within the region `within` (every region's when "")."""
        wanted = folded(text)
        if not wanted:
            return []
        if kind == "district":
            codes = [
                d
                for r in self.regions.values()
                if not within or r.code == within
                for d in r.districts
            ]
        else:
            table = {"category": self.categories, "agency": self.agencies, "region": self.regions}
            codes = list(table[kind])
        return [c for c in codes if any(wanted in folded(t) for t in self.terms(kind, c))]


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _source(kind: str, data: dict, file: str, imported: bool = False) -> Source:
    s = data.get("source", {})
    return Source(
        kind,
        s.get("name", ""),
        s.get("url", ""),
        s.get("legal_basis", ""),
        s.get("date", ""),
        s.get("licence", ""),
        s.get("note", ""),
        file,
        imported,
    )


def file_version(raw: bytes) -> str:
    """A reference file's version as the hub serves it and the desk holds it: its source date
    + the first 8 hex of the file's SHA-256 (docs/sync-protocol.md §10)."""
    data = json.loads(raw)
    return f"{data.get('source', {}).get('date', '')}+{hashlib.sha256(raw).hexdigest()[:8]}"


@functools.cache
def shipped_version(name: str) -> str:
    """The version of the shipped file of reference set `name` (what a desk holds before its
    first refresh)."""
    return file_version((paths.resources_dir() / SHIPPED_FILES[name]).read_bytes())


def shipped_regions() -> dict:
    return _read(paths.resources_dir() / "regions" / "riau.json")


def shipped_codes(data: dict | None = None) -> dict[str, str]:
    """The shipped region file as {Kemendagri code: name}, down to desa/kelurahan."""
    data = data or shipped_regions()
    codes = {data["province"]["code"]: data["province"]["name"]}
    for r in data["regions"]:
        codes[r["code"]] = r["name"]
        for d in r.get("districts", []):
            codes[d["code"]] = d["name"]
            codes.update((v, n) for v, n in d.get("villages", []))
    return codes


def override_path(data_dir: Path) -> Path:
    return Path(data_dir) / OVERRIDE_FOLDER / REGIONS_OVERRIDE


def _regions(shipped: dict, codes: dict[str, str] | None):
    """Regions, villages and district aliases from the shipped file, or from an imported code
    list with the shipped file's hand-kept facts."""
    meta = {r["code"]: r for r in shipped["regions"]}
    aliases = {
        d["code"]: tuple(d["aliases"])
        for r in shipped["regions"]
        for d in r.get("districts", [])
        if d.get("aliases")
    }
    if codes is None:
        regions = {
            r["code"]: Region(
                r["code"],
                r["name"],
                r.get("short", r["name"]),
                {d["code"]: d["name"] for d in r.get("districts", [])},
                tuple(r.get("aliases", ())),
            )
            for r in shipped["regions"]
        }
        villages = {
            d["code"]: dict(map(tuple, d.get("villages", [])))
            for r in shipped["regions"]
            for d in r.get("districts", [])
        }
        return regions, villages, aliases
    regions, villages = {}, {}
    by_level: dict[int, list[str]] = {2: [], 3: [], 4: []}
    for code in sorted(codes):
        by_level.get(wilayah.level(code), []).append(code)
    for code in by_level[2]:
        kept = meta.get(code, {})
        name = codes[code]
        short = kept.get("short") or name.removeprefix("Kabupaten ").removeprefix("Kota ")
        regions[code] = Region(code, name, short, {}, tuple(kept.get("aliases", ())))
    for code in by_level[3]:
        if code[:5] in regions:
            regions[code[:5]].districts[code] = codes[code]
    for code in by_level[4]:
        villages.setdefault(code[:8], {})[code] = codes[code]
    return regions, villages, aliases


def load(data_dir: Path | None = None) -> Reference:
    """The reference data; with `data_dir`, the sets kept in its reference/ folder (a region
    list IT imported, the sets a sync fetched) are read over the shipped ones. The shipped data
    is read once per process; a kept set once per file version (a desk without one costs a
    stat per set)."""
    kept: list[tuple[str, int] | None] = []
    for name in ("regions", "agencies", "categories"):
        stamp = None
        if data_dir is not None:
            path = Path(data_dir) / OVERRIDE_FOLDER / f"{name}.json"
            try:
                stamp = (str(path), path.stat().st_mtime_ns)
            except OSError:
                stamp = None
        kept.append(stamp)
    return _load(*kept)


def _kept_or_shipped(kind: str, kept: tuple[str, int] | None) -> tuple[dict, Source]:
    """The data folder's copy of set `kind` (its `source` block says where it came from) or
    the shipped file."""
    if kept is not None:
        data = _read(Path(kept[0]))
        return data, _source(kind, data, kept[0], True)
    relative = SHIPPED_FILES[kind]
    data = _read(paths.resources_dir() / relative)
    return data, _source(kind, data, f"resources/{relative}")


@functools.lru_cache(maxsize=4)
def _load(
    regions_kept: tuple[str, int] | None,
    agencies_kept: tuple[str, int] | None = None,
    categories_kept: tuple[str, int] | None = None,
) -> Reference:
    cat_data, cat_source = _kept_or_shipped("categories", categories_kept)
    categories = {
        c["code"]: Category(
            c["code"],
            c["name"],
            c.get("name_en", ""),
            c["sla_working_days"],
            tuple(c.get("keywords", ())),
        )
        for c in cat_data["categories"]
    }
    agency_data, agency_source = _kept_or_shipped("agencies", agencies_kept)
    agencies = {
        a["code"]: Agency(
            a["code"], a["name"], a.get("level", ""), a.get("region", ""), a.get("head", False)
        )
        for a in agency_data["agencies"]
    }
    shipped = shipped_regions()
    region_source = _source("regions", shipped, "resources/regions/riau.json")
    imported_codes = None
    if regions_kept is not None:
        imported = _read(Path(regions_kept[0]))
        imported_codes = imported["codes"]
        region_source = _source("regions", imported, regions_kept[0], True)
    regions, villages, aliases = _regions(shipped, imported_codes)
    sources = (region_source, agency_source, cat_source)
    return Reference(categories, agencies, regions, villages, aliases, sources)
