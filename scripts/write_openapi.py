"""Write docs/sync-openapi.json: the sync protocol's machine-readable form, generated from the
training hub (tests/sync/test_protocol_doc.py fails when the file and the hub differ).

    .venv/bin/python scripts/write_openapi.py      (or: make openapi)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "sync-openapi.json"


def schema() -> dict:
    sys.path.insert(0, str(ROOT))
    from desk_app.hub.app import create_app
    from desk_app.hub.store import HubStore

    with tempfile.TemporaryDirectory(prefix="hub-openapi-") as folder:
        store = HubStore(folder)
        try:
            return create_app(store).openapi()
        finally:
            store.close()


def text(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    OUT.write_text(text(schema()), encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
