"""Render every golden PDF in tests/golden/ to PNG (build/golden-png/) to look at them."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk_app.receipts import raster  # noqa: E402


def main() -> None:
    out = ROOT / "build" / "golden-png"
    out.mkdir(parents=True, exist_ok=True)
    for pdf in sorted((ROOT / "tests" / "golden").glob("*.pdf")):
        for n, image in enumerate(raster.images(pdf.read_bytes(), dpi=110), 1):
            target = out / f"{pdf.stem}-{n}.png"
            image.save(target)
            print(target)


if __name__ == "__main__":
    main()
