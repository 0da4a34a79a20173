"""The one owner of file-system locations: set once at start-up, plain getters after."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "MejaAduan"
ENV_DATA_DIR = "MEJA_ADUAN_DATA_DIR"

_data_dir: Path | None = None


def init(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Choose the data folder: the argument, else $MEJA_ADUAN_DATA_DIR, else the platform's."""
    global _data_dir
    if data_dir is None:
        data_dir = os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_path(APP_NAME, False)
    path = Path(data_dir).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    _data_dir = path
    return path


def data_dir() -> Path:
    if _data_dir is None:
        return init()
    return _data_dir


def db_path() -> Path:
    return data_dir() / "meja-aduan.sqlite3"


def attachments_dir() -> Path:
    return data_dir() / "attachments"


def backups_dir() -> Path:
    return data_dir() / "backups"


def log_dir() -> Path:
    return data_dir() / "logs"


def resources_dir() -> Path:
    """Shipped data: in a PyInstaller bundle beside the code, else the repository's resources/."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
