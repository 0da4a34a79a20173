"""The one way to run a service off the GUI thread.

Writes go through a single-thread pool (one writer at a time, in order); reads may run in
parallel; a long job (a sync run: network and its own short writes, minutes at worst) has a
single-thread pool of its own, so that it holds neither the writes nor the reads up. Results come
back on the GUI thread through signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    """done(result) or failed(exception), emitted from the worker, received on the GUI thread."""

    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple, signals: _Signals) -> None:
        super().__init__()
        self.fn, self.args, self.signals = fn, args, signals

    def run(self) -> None:  # runs on a worker; do not touch widgets
        try:
            result = self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to report
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class Runner(QObject):
    """Runs callables on worker threads. `busy_changed(bool)` tells when work is under way."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        # Kept, not ended after 30 s idle: a clerk's next search (often more than 30 s later)
        # would otherwise start a thread first (issue 11).
        self._reads.setExpiryTimeout(-1)
        self._long = QThreadPool(self)
        self._long.setMaxThreadCount(1)
        self._pending: set[_Signals] = set()

    def write(self, fn, *args, on_done=None, on_error=None) -> None:
        """Run a database write (or anything that must not overlap another write)."""
        self._start(self._writes, fn, args, on_done, on_error)

    def read(self, fn, *args, on_done=None, on_error=None) -> None:
        self._start(self._reads, fn, args, on_done, on_error)

    def long(self, fn, *args, on_done=None, on_error=None) -> None:
        """Run a long job (the sync) that does its own locking and must not block the writes;
        one at a time. Give it a way to be cancelled (a callable it checks)."""
        self._start(self._long, fn, args, on_done, on_error)

    def _start(self, pool, fn, args, on_done, on_error) -> None:
        signals = _Signals()
        self._pending.add(signals)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)

        def finish() -> None:
            self._pending.discard(signals)
            if not self._pending:
                self.busy_changed.emit(False)

        def done(result) -> None:
            if not shiboken6.isValid(self):
                return  # the window that asked is gone
            finish()
            if on_done is not None:
                on_done(result)

        def failed(exc) -> None:
            if not shiboken6.isValid(self):
                return
            finish()
            if on_error is not None:
                on_error(exc)
            else:
                from ui import messages

                messages.show_error(None, exc)

        signals.done.connect(done)
        signals.failed.connect(failed)
        pool.start(_Task(fn, args, signals))

    def is_busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until all work is finished and its results delivered (for closing the window
        and for tests)."""
        finished = True
        for _round in range(20):  # a delivered result may start more work: wait for it too
            finished = all(
                pool.waitForDone(msecs) for pool in (self._writes, self._reads, self._long)
            )
            QCoreApplication.sendPostedEvents()
            if not self._pending or not finished:
                break
        return finished
