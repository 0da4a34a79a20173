#!/bin/sh
# Rewrite the golden PDFs in tests/golden/ after a deliberate change of a receipt or register
# layout (or of its words), then look at them (scripts/render_goldens.py writes PNGs) and
# commit them with the change. The tests compare every render byte for byte against these.
set -e
cd "$(dirname "$0")/.."
MEJA_UPDATE_GOLDEN=1 QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/core/test_receipts.py -k golden
.venv/bin/python scripts/render_goldens.py
