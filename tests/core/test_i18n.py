"""The one catalog: every message in the code is in it, and each has an Indonesian translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from desk_app import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "resources" / "locale"


def _catalog(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_catalog_template_is_up_to_date_with_the_code(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            "desk_app",
            "ui",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = _ids(_catalog(pot))
    in_catalog = _ids(_catalog(LOCALE / "id" / "LC_MESSAGES" / "meja_aduan.po"))
    missing = sorted(in_code - in_catalog)
    assert not missing, f"run `make extract` and translate: {missing[:10]}"


def test_every_message_has_an_indonesian_translation():
    catalog = _catalog(LOCALE / "id" / "LC_MESSAGES" / "meja_aduan.po")
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"


def test_placeholders_survive_translation():
    catalog = _catalog(LOCALE / "id" / "LC_MESSAGES" / "meja_aduan.po")
    import re

    for m in catalog:
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[0]
        target = m.string if isinstance(m.string, str) else m.string[0]
        assert set(re.findall(r"\{\w+\}", source)) == set(re.findall(r"\{\w+\}", target)), source


def test_language_switch_is_live():
    i18n.install("en")
    assert i18n._("Choose a category.") == "Choose a category."
    i18n.install("id")
    assert i18n._("Choose a category.") != "Choose a category."


def _f_strings_calling_the_catalog() -> list[str]:
    """Every f-string in desk_app/ and ui/ that calls _(), N_() or ngettext() with a literal:
    gettext extraction never looks inside an f-string (Python 3.11 tokenizes it whole), so
    such a message is never in the catalog and shows in English."""
    import re
    import tokenize

    call = re.compile(r"\b(_|N_|ngettext)\(\s*['\"]")
    found = []
    for folder in ("desk_app", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            with path.open("rb") as fh:
                for tok in tokenize.tokenize(fh.readline):
                    if tok.type != tokenize.STRING:
                        continue
                    prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()
                    if "f" in prefix and call.search(tok.string):
                        found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}")
    return found


def test_no_message_is_hidden_inside_an_f_string():
    found = _f_strings_calling_the_catalog()
    assert not found, f"take the message out of the f-string: {found}"


# docs/glossary.md's "not" column: words the Indonesian catalog must not use (as whole words).
NOT_IN_GLOSSARY = {
    "pengadu": "pelapor",
    "warga": "pelapor",
    "nomor registrasi": "nomor pelacakan",
    "nomor tiket": "nomor pelacakan",
    "petugas TI": "admin TI",
    "administrator": "admin TI",
    "supervisor": "koordinator",
    "atasan": "koordinator",
    "klerk": "petugas",
    "bukti terima": "tanda terima",
    "kuitansi": "tanda terima",
    "batas waktu": "tenggat",
    "jatuh tempo": "tenggat",
    "jenis pengaduan": "jenis laporan",
    "log audit": "jejak audit",
}


def test_the_catalog_follows_the_glossary():
    import re

    catalog = _catalog(LOCALE / "id" / "LC_MESSAGES" / "meja_aduan.po")
    wrong = []
    for m in catalog:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            for word, right in NOT_IN_GLOSSARY.items():
                if text and re.search(rf"\b{word}\b", text, re.IGNORECASE):
                    wrong.append(f"{word!r} (say {right!r}) in {text!r}")
    assert not wrong, "see docs/glossary.md: " + "; ".join(wrong[:5])
