"""The reference data's sources, and a newer official region list brought in by IT.

`preview_import` reads the list in its published form (desk_app/wilayah.py) and says what would
change against the list in use; `apply_import` (Action.CONFIGURE_DESK) keeps the list in the data
folder, reference/regions.json (resources/ is read-only in a bundle), audited as
`reference.import` with the codes added, renamed and removed. The running desk keeps what it
opened with; the next start (open_desk) reads the new list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from desk_app import files, paths, reference, wilayah
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.i18n import N_, _, ngettext
from desk_app.services import audit
from desk_app.services.accounts import require, require_signed_in


class SourceNotRead(DeskError):
    code = "reference.not_read"
    template = N_("{name} could not be read ({reason}).")


@dataclass(frozen=True)
class ImportPreview:
    file: str  # the file's name, as given
    sha256: str
    legal_basis: str  # as the file states it ("" when it does not)
    form: str  # "sql" or "csv"
    codes: dict[str, str]
    changes: wilayah.Changes


def list_sources(desk) -> tuple[reference.Source, ...]:
    """Which official list each reference file follows, and of what date."""
    require_signed_in(desk)
    return desk.reference.sources


def _in_use() -> dict[str, str]:
    override = reference.override_path(paths.data_dir())
    if override.is_file():
        with open(override, encoding="utf-8") as fh:
            return json.load(fh)["codes"]
    return reference.shipped_codes()


def _read(path: Path) -> ImportPreview:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourceNotRead(name=Path(path).name, reason=files.reason_text(exc)) from None
    text = raw.decode("utf-8-sig", errors="replace")
    official = wilayah.parse(text, reference.PROVINCE, Path(path).name)
    return ImportPreview(
        Path(path).name,
        hashlib.sha256(raw).hexdigest(),
        official.legal_basis,
        official.form,
        official.codes,
        wilayah.changes(_in_use(), official.codes),
    )


def preview_import(desk, path: str | Path) -> ImportPreview:
    """What importing `path` would change; nothing is written. Raises SourceNotRead,
    wilayah.SourceUnreadable."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    return _read(Path(path))


def apply_import(desk, path: str | Path) -> ImportPreview:
    """Keep `path`'s region list in the data folder, read over the shipped one from the next
    start; audited. A list with no change writes nothing."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    preview = _read(Path(path))
    if preview.changes.empty:
        return preview
    target = reference.override_path(paths.data_dir())
    kept = {
        "source": {
            "name": preview.file,
            "url": "",
            "legal_basis": preview.legal_basis,
            "date": dt.date.today().isoformat(),
            "licence": "",
            "note": f"sha256 {preview.sha256}; {desk.user}",  # data, not a message
        },
        "codes": preview.codes,
    }
    previous = next((s for s in desk.reference.sources if s.kind == "regions"), None)
    c = preview.changes
    with desk.db.writing() as session:
        audit.append(
            session,
            desk,
            "reference.import",
            "reference",
            "regions",
            before={
                "source": previous.name if previous else "",
                "legal_basis": previous.legal_basis if previous else "",
            },
            after={
                "file": preview.file,
                "sha256": preview.sha256,
                "legal_basis": preview.legal_basis,
                "added": sorted(c.added),
                "renamed": sorted(c.renamed),
                "removed": sorted(c.removed),
            },
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_private(target, json.dumps(kept, ensure_ascii=False, indent=1))
    return preview


def _kind(kind: str) -> str:
    return {"regions": _("Regions"), "agencies": _("Agencies"), "categories": _("Categories")}.get(
        kind, kind
    )


def source_line(source: reference.Source) -> str:
    """One line: the list, what it follows and its date (the GUI's About)."""
    follows = source.legal_basis or source.name
    if source.imported:
        follows = _("{basis} (imported)").format(basis=follows)
    return _("{kind}: {follows}, {date}").format(
        kind=_kind(source.kind), follows=follows, date=source.date or "?"
    )


def source_text(source: reference.Source) -> str:
    """One reference file's source, as lines of `label: value` (desk-app reference list)."""
    lines = [
        (_("List"), _kind(source.kind)),
        (_("Source"), source.name),
        (_("Address"), source.url),
        (_("Legal basis"), source.legal_basis),
        (_("Date"), source.date),
        (_("Licence"), source.licence),
        (_("File"), source.file + (" " + _("(imported)") if source.imported else "")),
        (_("Note"), source.note),
    ]
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


def changes_text(changes: wilayah.Changes) -> str:
    out = []
    if changes.added:
        out.append(ngettext("{count} code added:", "{count} codes added:", len(changes.added)))
        out[-1] = out[-1].format(count=len(changes.added))
        out += [f"  + {code}  {name}" for code, name in changes.added.items()]
    if changes.renamed:
        n = len(changes.renamed)
        out.append(ngettext("{count} name changed:", "{count} names changed:", n).format(count=n))
        out += [f"  ~ {code}  {old} → {new}" for code, (old, new) in changes.renamed.items()]
    if changes.removed:
        n = len(changes.removed)
        out.append(ngettext("{count} code removed:", "{count} codes removed:", n).format(count=n))
        out += [f"  - {code}  {name}" for code, name in changes.removed.items()]
    return "\n".join(out)
