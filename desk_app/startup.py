"""Once a long-running process has started (the desk's window, `desk-app sync`, `demo-data`,
`import`, the training hub): what it made while starting (modules, the mapped tables, the
web application, the window) lives as long as the process, so it is moved out of the cyclic
garbage collector's reach. Each later collection then walks only what was made since: a
collection walking the whole start-up heap was about a tenth of a sync batch's time on both
the desk and the hub (issue 9; gc.freeze is Python's own tool for this)."""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect the start-up garbage, then freeze what is left (gc.freeze)."""
    gc.collect()
    gc.freeze()
