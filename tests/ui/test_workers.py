"""ui/workers.py: the Runner hands each result back on the GUI thread, and keeps nothing of a
task once its result is delivered (a page read, a save: thousands in a clerk's day)."""

from __future__ import annotations

import gc
import weakref

from ui import workers


class _Callback:
    """A screen's callback (a bound method or a closure holding the screen's state), watched
    for being let go once it has been called."""

    def __init__(self, calls: list) -> None:
        self.calls = calls

    def __call__(self, result) -> None:
        self.calls.append(result)


def test_nothing_of_a_finished_task_is_kept(qtbot):
    runner = workers.Runner()
    callbacks, calls = weakref.WeakSet(), []
    for n in range(30):
        for start in (runner.read, runner.write):
            callback = _Callback(calls)
            callbacks.add(callback)
            start(lambda n=n: n, on_done=callback, on_error=callback)
    del callback
    qtbot.waitUntil(lambda: len(calls) == 60 and not runner.is_busy())
    gc.collect()
    # Each task's signals object and the closures connected to it held each other through
    # Qt, out of the collector's sight, and with them the task's callbacks (and whatever
    # those held): all 60 stayed.
    assert len(callbacks) == 0


def test_a_failure_reaches_its_own_callback(qtbot):
    runner = workers.Runner()
    got, failed = [], []
    runner.write(lambda: 1 / 0, on_done=got.append, on_error=failed.append)
    runner.read(lambda: 42, on_done=got.append, on_error=failed.append)
    qtbot.waitUntil(lambda: not runner.is_busy())
    assert got == [42] and [type(e) for e in failed] == [ZeroDivisionError]
