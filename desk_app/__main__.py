"""`python -m desk_app` and the entry point of the PyInstaller bundle (see build.spec)."""

import sys

from desk_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
