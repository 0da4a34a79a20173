"""An installed package speaks Indonesian: the wheel carries resources/ with compiled catalogs
(setup.py's build_py), and desk_app.paths.resources_dir() finds them inside the package.

The wheel is built with pip in an isolated build environment (pyproject's build requirements,
from the configured index; the shared venv's setuptools is older than pyproject needs) and
"installed" by unzipping it: the test runs Python with PYTHONPATH at the unzipped wheel, from
a folder outside the repository, so nothing of the working tree is found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import desk_app, desk_app.paths
from desk_app import cli
from desk_app.i18n import _
print("FILE", desk_app.__file__)
print("RESOURCES", desk_app.paths.resources_dir())
print("MESSAGE", _("Choose a category."))
sys.argv = ["desk-app"]
try:
    cli.main(["--help"])
except SystemExit:
    pass
"""


def test_installed_wheel_speaks_indonesian(tmp_path):
    # A clean copy of the source without compiled catalogs or an old build/ folder, so the
    # wheel's .mo files can only come from the build step.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*", "build", "dist", "*.egg-info", "__pycache__", "*.mo", "tests", "bench"
        ),
    )
    built = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(built), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
    )
    (wheel,) = built.glob("meja_aduan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "desk_app/resources/locale/id/LC_MESSAGES/meja_aduan.mo" in names
    assert "desk_app/resources/regions/riau.json" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEJA_ADUAN")}
    env["PYTHONPATH"] = str(site)
    env["MEJA_ADUAN_DATA_DIR"] = str(tmp_path / "data")
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
        timeout=120,
    ).stdout
    assert f"FILE {site}" in out, out  # the unzipped wheel, not the working tree
    assert f"RESOURCES {site / 'desk_app' / 'resources'}" in out
    assert "MESSAGE Pilih kategori." in out
    assert "penggunaan: " in out and "pilihan:" in out
    assert "usage:" not in out
