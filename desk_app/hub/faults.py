"""The training hub's fault injection (docs/sync-protocol.md §11, §12): failures, latency, a
per-desk rate limit and dropped connections, each on request, for tests and for training.

A dropped connection: the batch endpoint commits, then answers with the header DROP_HEADER;
HubApp (app.py) sees that header on the way out and aborts the TCP connection instead of
sending anything, so the client sees the connection closed with no answer.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field

DROP_HEADER = "x-hub-drop-connection"


@dataclass
class Faults:
    fault_rate: float = 0.0  # each request fails with a 500 with this probability
    latency_ms: int = 0  # wait before answering
    rate_limit: int = 0  # requests per second per desk; 0 for no limit
    drop_after_commit: float = 0.0  # a committed batch's connection is closed unanswered
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _windows: dict[str, tuple[int, int]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("fault_rate", "drop_after_commit"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be from 0 to 1")
        if self.latency_ms < 0 or self.rate_limit < 0:
            raise ValueError("latency and rate limit cannot be negative")
        self._rng = random.Random(self.seed)

    def _chance(self, p: float) -> bool:
        if p <= 0:
            return False
        with self._lock:
            return self._rng.random() < p

    def should_fail(self) -> bool:
        return self._chance(self.fault_rate)

    def should_drop(self) -> bool:
        return self._chance(self.drop_after_commit)

    def retry_after(self, key: str, now: float | None = None) -> int | None:
        """None when `key` (a desk) may make this request now; else the seconds to wait."""
        if self.rate_limit <= 0:
            return None
        now = time.monotonic() if now is None else now
        second = math.floor(now)
        with self._lock:
            window, count = self._windows.get(key, (second, 0))
            if window != second:
                window, count = second, 0
            if count >= self.rate_limit:
                return max(1, math.ceil(window + 1 - now))
            self._windows[key] = (window, count + 1)
        return None
