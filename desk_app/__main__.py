"""`python -m desk_app`: the headless commands (no desk window; that is `desk-app`)."""

import sys

from desk_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
