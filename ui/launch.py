"""The `desk-app` entry point: the core's CLI, with the desk window as its default command."""

from __future__ import annotations

import sys

from desk_app import cli


def run_window(data_dir: str | None) -> int:
    from ui.app import run_gui  # Qt is imported only when the window is wanted

    return run_gui(data_dir=data_dir)


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, gui=run_window)


if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # the bundle: a helper process (demo data) starts as
        import multiprocessing  # this executable, and must run the helper, not the app

        multiprocessing.freeze_support()
    sys.exit(main())
