"""A second process that makes demo complaints while the desk's process writes them (issue 11).

Making and validating a demo complaint took about as long as writing it (py-spy: forms and
validation 27 % of demo data, against 48 % for SQL and commits), and a thread cannot share that
work (the GIL: tried, measured, no gain). So a helper process, started with "spawn" (the same
on Windows, Linux and in the PyInstaller bundle, whose entry point calls freeze_support), makes
the forms with domain/demo_forms.py, validates them and sends each chunk through a pipe staged
(services/staging.py: the rows and audit text but for the number and due date); the desk's
process numbers, dates, seals and writes them as it always has, inside its own transactions.
The helper writes nothing and opens no database. It is started without this process's main
module: "spawn" would run that again in the child (the CLI's imports all of the app and
SQLAlchemy, a script's whole body if it has no `if __name__ == "__main__":` guard), and the
helper needs nothing from it.

The data stay what the seed gives: the desk's process makes the first chunks itself while the
helper starts, then hands it the generator's state and the arrival times left; each chunk comes
back with the state after it. Whatever becomes of the helper (it fails, is killed, never
starts), the desk's process goes on from the last state it was given and makes the rest itself,
so a run's data do not depend on the helper, and an error in making a form is raised where it
always was. The pipe holds about one chunk: the helper runs at most a chunk or two ahead.
"""

from __future__ import annotations

import array
import contextlib
import multiprocessing
import random
import sys
import types
from multiprocessing.connection import Connection

from desk_app.domain import demo_forms
from desk_app.services import staging

READY = "ready"
STOP_WAIT_S = 2.0  # for a helper to end after its last chunk, before it is killed


def make_staged(maker: demo_forms.Maker, ago, desk_code: str, user: str) -> list[staging.Staged]:
    """The chunk of demo complaints that arrived `ago` seconds before the run, made and
    staged (services/staging.py) as recorded by `user` at `desk_code`, each at its arrival."""
    valids, days = maker.make(ago)
    items = [(valid, valid.received_at) for valid in valids]
    return staging.stage_many(items, days, days, desk_code, user)


def _serve(conn: Connection, zone, now, today, batch, desk_code, user) -> None:
    """The helper's main: wait for the hand-over, then send (staged complaints, state) per
    chunk of `batch` until the arrival times run out. Any failure ends it quietly: the desk's
    process goes on without it (and meets the same failure itself, with its own message)."""
    try:
        reference = conn.recv()
        pools = demo_forms.Pools.shipped(reference)
        # One form made and thrown away: validation's libraries loaded before the hand-over.
        demo_forms.Maker(random.Random(0), pools, reference, zone, now, today).make([0.0])
        conn.send(READY)
        state, ago = conn.recv()
        rng = random.Random()
        rng.setstate(state)
        maker = demo_forms.Maker(rng, pools, reference, zone, now, today)
        for offset in range(0, len(ago), batch):
            staged = make_staged(maker, ago[offset : offset + batch], desk_code, user)
            conn.send((staged, rng.getstate()))
    except BaseException:  # noqa: BLE001, S110 - any end of the helper is the desk's to handle
        pass
    finally:
        conn.close()


@contextlib.contextmanager
def _bare_main():
    """While a "spawn" process starts: a main module with no file and no spec (as at an
    interactive prompt), so the child imports none (multiprocessing.spawn reads it then)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class Helper:
    """The desk process's side: `take()` the next chunk from the helper once it has been handed
    the run, `offer()` the hand-over after a chunk made here. Close it (a context manager)."""

    def __init__(
        self, maker: demo_forms.Maker, ago: array.array, batch: int, desk_code: str, user: str
    ) -> None:
        self.maker, self.ago = maker, ago
        self.handed_at: int | None = None  # the offset from which the helper makes the chunks
        self.conn: Connection | None = None
        self.process = None
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        try:
            process = ctx.Process(
                target=_serve,
                # Small: start() waits until the new process has read them all (the reference
                # data, ~160 kB, held this one ~0.2 s: sent below, where the pipe holds it).
                args=(child, maker.zone, maker.now, maker.today, batch, desk_code, user),
                name="meja-aduan-demo",
                daemon=True,
            )
            with _bare_main():
                process.start()
        except (OSError, RuntimeError):  # no process to be had: the desk makes them all
            parent.close()
            return
        finally:
            child.close()
        self.conn, self.process = parent, process  # close() ends the process whatever follows
        try:
            parent.send(maker.reference)
        except OSError:
            self._lost()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def take(self, offset: int) -> list[staging.Staged] | None:
        """The staged chunk at `offset` from the helper, or None when this process is to make
        it (not handed over yet, or the helper is gone: then from the last state)."""
        if self.conn is None or self.handed_at is None or offset < self.handed_at:
            return None
        try:
            while not self.conn.poll(STOP_WAIT_S):  # a helper that died shows here
                if not self.process.is_alive():
                    raise EOFError
            staged, state = self.conn.recv()
        except Exception:  # noqa: BLE001 - EOF, a broken pipe, a chunk that did not unpickle
            self._lost()
            return None
        self.maker.rng.setstate(state)
        return staged

    def offer(self, offset: int, wait_s: float = 0.0) -> None:
        """After this process made the chunks before `offset`: if the helper is ready (within
        `wait_s`), hand it the generator's state and the arrival times from `offset` on."""
        if self.conn is None or self.handed_at is not None or offset >= len(self.ago):
            return
        try:
            if not self.conn.poll(wait_s):
                return
            if self.conn.recv() != READY:
                raise EOFError
            self.conn.send((self.maker.rng.getstate(), self.ago[offset:]))
        except Exception:  # noqa: BLE001 - as in take()
            self._lost()
            return
        self.handed_at = offset

    def _lost(self) -> None:
        self.conn.close()
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(STOP_WAIT_S)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.process = None


def works_here(reference, zone, now, today) -> bool:
    """Whether a helper process starts here and makes a chunk as this process would (the
    self-test: in the bundle, "spawn" needs the entry point's freeze_support)."""
    ago = demo_forms.arrivals(random.Random(1), 4, 1)
    pools = demo_forms.Pools.shipped(reference)
    here, helped = (
        demo_forms.Maker(random.Random(2), pools, reference, zone, now, today) for _ in range(2)
    )
    here.make(ago[:2])
    expected = make_staged(here, ago[2:], "UJI", "uji")
    with Helper(helped, ago, 2, "UJI", "uji") as helper:
        helped.make(ago[:2])
        helper.offer(2, wait_s=30.0)
        made = helper.take(2)
    # The same complaints (but for their ids, new in each process).
    return made is not None and [s.row[1:] for s in made] == [s.row[1:] for s in expected]
