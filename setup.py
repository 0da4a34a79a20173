"""The build step pyproject.toml cannot declare: ship resources/ inside the package with the
catalogs compiled.

`build_py` copies resources/ (reference data, demo data, the .po catalogs) into the built
package as desk_app/resources/ and compiles every resources/locale/*/LC_MESSAGES/*.po into the
.mo beside it, so a wheel (`pip wheel .`, `python -m build`) speaks Indonesian without
`make i18n`. desk_app.paths.resources_dir() looks there first. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ROOT / "resources"


def compile_catalog(po_path: Path, mo_path: Path) -> None:
    """One .po into its .mo (fuzzy entries left out, as gettext's msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    with mo_path.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "desk_app" / "resources"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            RESOURCES, target, ignore=shutil.ignore_patterns("*.mo", "*.pot", "__pycache__")
        )
        for po_path in sorted(target.glob("locale/*/LC_MESSAGES/*.po")):
            compile_catalog(po_path, po_path.with_suffix(".mo"))


setup(cmdclass={"build_py": BuildWithResources})
