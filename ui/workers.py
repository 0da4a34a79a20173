"""The one way to run a service off the GUI thread.

Writes go through a single-thread pool (one writer at a time, in order); reads may run in
parallel; a long job (a sync run: network and its own short writes, minutes at worst) has a
single-thread pool of its own, so that it holds neither the writes nor the reads up. Results come
back on the GUI thread through signals.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    """done(task, result) or failed(task, exception), emitted from a worker, received on the
    GUI thread (the thread this object lives in)."""

    done = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, number: int, fn: Callable[..., Any], args: tuple, signals: _Signals):
        super().__init__()
        self.number, self.fn, self.args, self.signals = number, fn, args, signals

    def run(self) -> None:  # runs on a worker; do not touch widgets
        try:
            result = self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to report
            self._tell(self.signals.failed, exc)
        else:
            self._tell(self.signals.done, result)
        finally:
            self.fn = self.args = None  # nothing of the task outlives it

    def _tell(self, signal, value) -> None:
        try:
            signal.emit(self.number, value)
        except RuntimeError:  # the runner is gone (its window closed): nobody to tell
            log.debug("a task finished after its runner was deleted")


class Runner(QObject):
    """Runs callables on worker threads. `busy_changed(bool)` tells when work is under way.

    One signals object for all the runner's tasks, and each task's callbacks in a table until
    its result is delivered: a signals object per task, with closures connected to it, held
    the closures and they it, a cycle through Qt out of Python's collector's sight (every
    page read and every save left one behind: the GUI grew ~1 MB per 100 list pages)."""

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
        self._signals = _Signals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._pending: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._numbers = itertools.count()

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
        number = next(self._numbers)
        self._pending[number] = (on_done, on_error)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        pool.start(_Task(number, fn, args, self._signals))

    def _finish(self, number: int) -> tuple[Callable | None, Callable | None]:
        callbacks = self._pending.pop(number, (None, None))
        if not self._pending:
            self.busy_changed.emit(False)
        return callbacks

    def _done(self, number: int, result) -> None:
        on_done, _on_error = self._finish(number)
        if on_done is not None:
            on_done(result)

    def _failed(self, number: int, exc) -> None:
        _on_done, on_error = self._finish(number)
        if on_error is not None:
            on_error(exc)
        else:
            from ui import messages

            messages.show_error(None, exc)

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
