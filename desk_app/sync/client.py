"""One sync run (docs/sync-protocol.md): upload what the outbox holds, then pull statuses, then
refresh reference sets. Called by services/sync.py (which checks who runs it).

Guarantees, and where they are kept:
- A batch's id (its Idempotency-Key) and its items are committed to the outbox BEFORE the first
  attempt (_make_batch, or _make_in inside the transaction applying the answer before); an
  unanswered batch stays "open" and the next run, after a crash or a cut, sends it again
  first with the same key, so the hub applies it once.
- Each answer is applied locally in one transaction (_apply): the items' results, the
  complaints' provincial ids, the batch's counts and one "sync.batch" audit event.
- Items of one complaint go in the order they were made: waiting items are taken in outbox
  order, and a run stops at the first batch that cannot be sent.
- A status page and its cursor commit together (_apply_statuses): a page read twice changes
  nothing twice. Each change writes a "complaint.status" audit event (the complaint's history).
- One sync at a time per database: a lease row in sync_state claimed under the write lock
  (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL); a lease whose process is gone (same
  host) or whose time ran out is taken over.
- One batch in flight at a time (a sender thread does the network) while the next is made
  and the last answer applied; the next is sent only once the one before is answered, and
  unmade when that one's items go back to waiting, so the hub sees items in outbox order.
- Cancellable between requests (transport asks `cancelled` before each attempt; here after
  each answer: the batch already in flight is answered and kept, then the run stops).
Nothing logged or kept here holds a value that was sent: codes, ids and counts only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import socket
from collections import namedtuple
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import uuid6
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk_app import files, paths, reference
from desk_app.audit import chain as audit
from desk_app.services import visibility
from desk_app.store import driver, models
from desk_app.store.prepared import Prepared
from desk_app.sync import outbox
from desk_app.sync import protocol as p
from desk_app.sync.transport import Transport

log = logging.getLogger(__name__)

OB, B, S, C = models.Outbox, models.SyncBatch, models.SyncState, models.Complaint
A, E = models.Attachment, models.AuditEvent

LOCK_KEY = "lock"
CURSOR_KEY = "status_cursor"
LAST_RUN_KEY = "last_run"
REFERENCE_KEY = "reference:"  # + set name: the version held
LOOK_KEY = "look:"  # + user name: when they last looked at the list
LEASE = dt.timedelta(minutes=5)

OPEN, ANSWERED, FAILED = "open", "answered", "failed"
# A batch refused as a whole with one of these will be refused again as it is (409: after the
# one resend under a new key); 401 stops the run (the credentials), the retried statuses leave
# the batch open for the next run with the same key.
REFUSED_FOR_GOOD = frozenset({400, 403, 409, 415, 422})
BATCH_FIELD = ""  # an item error's field when the batch was refused as a whole

_STATE_OF = {
    p.ACCEPTED: outbox.SENT,
    p.DUPLICATE: outbox.SENT,
    p.REJECTED: outbox.REJECTED,
    p.CONFLICT: outbox.CONFLICT,
}
PHASES = ("connect", "upload", "statuses", "reference", "done")


@dataclass(frozen=True)
class Progress:
    phase: str
    done: int
    total: int


@dataclass
class RunResult:
    """What one run did. `error`: a SyncError code when it stopped early (None: it finished)."""

    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    conflict: int = 0
    batches: int = 0
    statuses: int = 0
    references: list[str] = field(default_factory=list)
    error: str | None = None
    status: int | None = None  # the HTTP status of a refusal
    pending: int = 0  # items still waiting after the run

    def count(self, result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)


# -- small facts -------------------------------------------------------------------------------


# Statements run on every batch, compiled once (store/prepared.py): building, caching and
# running each as a Core statement cost more than SQLite spent on it (issue 9).
_READ_STATE = Prepared(select(S.value).where(S.key == bindparam("key")))
_UPDATE_STATE = Prepared(
    update(S.__table__).where(S.__table__.c.key == bindparam("k")).values(value=bindparam("value"))
)
_INSERT_STATE = Prepared(insert(S.__table__))
_ANCHOR = Prepared(select(E.seq, E.hash, E.at).order_by(E.seq.desc()).limit(1))
_BATCH_STATE = Prepared(select(B.state).where(B.batch_id == bindparam("batch_id")))
_HELD = Prepared(
    select(OB.item_id, OB.complaint_id, OB.kind).where(OB.batch_id == bindparam("batch_id"))
)
_ANSWERED = Prepared(
    update(B.__table__)
    .where(B.__table__.c.batch_id == bindparam("batch"))
    .values(
        state=ANSWERED,
        sent_at=bindparam("sent_at"),
        last_error=None,
        **{result: bindparam(result) for result in p.RESULTS},
    )
)
# An open batch other than `in_flight` ("" for none: a batch id is a uuid7, never empty).
_OPEN_OTHER = Prepared(
    select(B.batch_id).where(B.state == OPEN, B.batch_id != bindparam("in_flight")).limit(1)
)
_NEW_BATCH = Prepared(insert(B.__table__))


@functools.cache
def _take(size: int) -> Prepared:
    """The update that gives the next `size` waiting items the batch id `batch`, counting the
    attempt: one statement (a list of their numbers was read, then written out again as an
    IN list of 200 for the update)."""
    ob = OB.__table__
    waiting = (
        select(ob.c.seq)
        .where(ob.c.state == outbox.WAITING, ob.c.batch_id.is_(None))
        .order_by(ob.c.seq)
        .limit(size)
    )
    return Prepared(
        update(ob)
        .where(ob.c.seq.in_(waiting))
        .values(batch_id=bindparam("batch"), attempts=ob.c.attempts + 1)
    )


def read_state(session, key: str) -> str | None:
    return _READ_STATE.scalar(session, {"key": key})


def write_state(session, key: str, value: str) -> None:
    """Set one sync_state row (Core: an ORM merge read the row back and flushed it, a tenth
    of making each batch)."""
    if not _UPDATE_STATE.run(session, {"k": key, "value": value}).rowcount:
        _INSERT_STATE.run(session, {"key": key, "value": value})


def audit_anchor(session) -> p.Anchor | None:
    """The newest audit event's number, hash and time (§8)."""
    row = _ANCHOR.first(session)
    if row is None:
        return None
    seq, hash_, at = row
    return p.Anchor(seq, hash_, p.utc_text(at))


# -- the lease: one sync at a time -------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class Lease:
    """The running sync's row: {owner, pid, host, until}. Claimed in a write transaction."""

    def __init__(self, db, now: Callable[[], dt.datetime]) -> None:
        self.db = db
        self.now = now
        self.owner = str(uuid6.uuid7())

    def _value(self) -> str:
        until = self.now() + LEASE
        return json.dumps(
            {
                "owner": self.owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "until": until.isoformat(),
            }
        )

    def claim(self) -> None:
        """Take the lease or raise SyncError("busy"). On SQLite the write transaction starts
        with BEGIN IMMEDIATE, so two claims are serialised; on PostgreSQL two first claims at
        once both insert the row and the second fails on its key: busy as well."""
        try:
            with self.db.writing() as session:
                held = read_state(session, LOCK_KEY)
                if held is not None and not self._stale(held):
                    raise p.SyncError("busy")
                write_state(session, LOCK_KEY, self._value())
        except IntegrityError:
            raise p.SyncError("busy") from None

    def _stale(self, held: str) -> bool:
        try:
            data = json.loads(held)
            if data.get("owner") == self.owner:
                return True
            if dt.datetime.fromisoformat(data["until"]) < self.now():
                return True
            return data.get("host") == socket.gethostname() and not _pid_alive(int(data["pid"]))
        except (ValueError, KeyError, TypeError):
            return True

    def renew(self, session) -> None:
        held = read_state(session, LOCK_KEY)
        if held is None or json.loads(held).get("owner") != self.owner:
            raise p.SyncError("busy")  # taken over: stop before writing anything more
        write_state(session, LOCK_KEY, self._value())

    def release(self) -> None:
        try:
            with self.db.writing() as session:
                held = read_state(session, LOCK_KEY)
                if held is not None and json.loads(held).get("owner") == self.owner:
                    session.execute(delete(S).where(S.key == LOCK_KEY))
        except Exception as exc:  # noqa: BLE001 - the lease runs out by itself
            log.warning("sync lease not released: %s", type(exc).__name__)


def lease_held(db) -> bool:
    """A sync runs now on this database (a live lease)."""
    lease = Lease(db, lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    with db.reading() as session:
        held = read_state(session, LOCK_KEY)
    return held is not None and not lease._stale(held)


def _settle_conflicts(
    item_rows: list[dict], answer: p.BatchAnswer, mine: dict, kinds: dict
) -> list[str]:
    """A record item answered "conflict" (the hub held an older content of the complaint: its
    first sending was committed there, then the complaint was corrected before the desk heard
    the answer) is settled when a correction of the same complaint in the same batch was
    applied: the province now holds the desk's version. It is marked sent, with the provincial
    id the conflict named. Returns the settled items' complaint ids."""
    settled: list[str] = []
    applied = {
        mine[r.item_id]
        for r in answer.results
        if r.item_id in mine
        and kinds.get(r.item_id) == outbox.CORRECTION
        and r.result in (p.ACCEPTED, p.DUPLICATE)
    }
    if not applied:
        return settled
    for row in item_rows:
        item_id = row["item_id"]
        if (
            row["result"] == p.CONFLICT
            and kinds.get(item_id) == outbox.RECORD
            and mine[item_id] in applied
        ):
            row["state"] = outbox.SENT
            settled.append(mine[item_id])
    return settled


# -- the run -----------------------------------------------------------------------------------


class _Rows:
    """A select of a table's columns run as a prepared statement (store/prepared.py), its
    rows as named tuples: attributes by name, as a Row's, without a Row's cost."""

    def __init__(self, table, statement) -> None:
        self.prepared = Prepared(statement)
        self.record = namedtuple(table.name.title() + "Row", [c.name for c in table.columns])  # noqa: PYI024

    def records(self, read, params: dict) -> list:
        return list(map(self.record._make, self.prepared.all(read, params)))


def _batch_statements() -> tuple[_Rows, _Rows, _Rows]:
    """A batch's outbox rows in order, its complaints, their attachments in order."""
    ob, ct, at = OB.__table__, C.__table__, A.__table__
    batch = bindparam("batch_id")
    of_batch = select(ob.c.complaint_id).where(ob.c.batch_id == batch)
    return (
        _Rows(ob, select(ob).where(ob.c.batch_id == batch).order_by(ob.c.seq)),
        _Rows(ct, select(ct).where(ct.c.id.in_(of_batch))),
        _Rows(at, select(at).where(at.c.complaint_id.in_(of_batch)).order_by(at.c.seq)),
    )


_OUTBOX_ROWS, _BATCH_COMPLAINTS, _BATCH_ATTACHMENTS = _batch_statements()


@dataclass(frozen=True)
class _Ready:
    """A batch made and read, about to be sent."""

    batch_id: str
    batch: p.Batch
    files: list
    fresh: bool  # made by this run (its attempt counted then)


_REQUEUED = object()  # _landed: refused, its items wait for a new batch


@dataclass(frozen=True)
class _Flight:
    """A batch being sent by the sender thread (or waiting there for the one before)."""

    batch_id: str
    batch: p.Batch
    future: Future
    ready: _Ready


class _NotSent(Exception):  # noqa: N818 - a state, not an error
    """A batch queued behind one that was not answered: never sent."""


def _wait_unsent(flight: _Flight) -> None:
    """Wait for a queued batch the sender did not send (its task ends at once)."""
    try:
        flight.future.result()
    except _NotSent:
        return
    raise AssertionError("a batch behind a refused one was sent")  # pragma: no cover


class SyncClient:
    """One run against `transport` for the desk (services/sync.py made both)."""

    def __init__(
        self,
        desk,
        transport: Transport,
        *,
        batch_size: int = p.DEFAULT_BATCH_ITEMS,
        progress: Callable[[Progress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        reference_dir: Path | None = None,
    ) -> None:
        self.desk = desk
        self.transport = transport
        self.batch_size = max(1, min(batch_size, p.MAX_BATCH_ITEMS))
        self.progress = progress or (lambda _p: None)
        self.cancelled = cancelled or (lambda: False)
        self.reference_dir = reference_dir
        self.lease = Lease(desk.db, desk.now)
        self.result = RunResult()
        self._fresh: set[str] = set()  # batches made in this run, their attempt counted

    # -- entry --

    def run(self) -> RunResult:
        self.lease.claim()
        try:
            try:
                self._run()
            except p.SyncError as exc:
                self.result.error = exc.code
                self.result.status = exc.status
                log.info("sync stopped: %s (%s)", exc.code, exc.status)
            self.result.pending = self._pending()
            self._record_run()
        finally:
            self.lease.release()
        return self.result

    def _run(self) -> None:
        self._tick("connect", 0, 1)
        token = self.transport.token()
        if token.desk_code and token.desk_code != self.desk.desk_code:
            raise p.SyncError("wrong_desk")
        self._upload()
        self._pull_statuses()
        self._refresh_reference()
        self._tick("done", 1, 1)

    def _tick(self, phase: str, done: int, total: int) -> None:
        if self.cancelled():
            raise p.Cancelled()
        self.progress(Progress(phase, done, total))

    def _pending(self) -> int:
        with self.desk.db.reading() as session:
            return session.scalar(select(func.count()).where(OB.state == outbox.WAITING)) or 0

    def _record_run(self) -> None:
        r = self.result
        value = {
            "at": p.utc_text(self.desk.now()),
            "error": r.error,
            "accepted": r.accepted,
            "duplicate": r.duplicate,
            "rejected": r.rejected,
            "conflict": r.conflict,
            "statuses": r.statuses,
            "pending": r.pending,
        }
        try:
            with self.desk.db.writing() as session:
                write_state(session, LAST_RUN_KEY, json.dumps(value))
        except Exception as exc:  # noqa: BLE001 - the run's own work is committed already
            log.warning("last sync run not recorded: %s", type(exc).__name__)

    # -- upload --

    def _upload(self) -> None:
        """Send the waiting items batch by batch, one batch in flight while the next is made
        and the last answer applied: the desk's own work overlaps the hub's (a sender thread
        does the network, this thread the database). Each batch's id is still committed
        before it is sent, and each answer applied in its own transaction."""
        with self.desk.db.reading() as session:
            total = session.scalar(select(func.count()).where(OB.state == outbox.WAITING)) or 0
        self._done = 0
        self._tick("upload", 0, total)
        self._sent_any = False
        self._reused_once = False
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-send") as sender:
            # `flight` is being sent; `queued` follows it: the sender sends it the moment
            # `flight` is answered, and only if that answer came (the next batch no longer
            # waits for this thread to come back from applying an answer or making a batch).
            flight: _Flight | None = None
            queued: _Flight | None = None
            try:
                while True:
                    if flight is None:
                        ready = self._next_batch(exclude=None)
                        if ready is None:
                            break
                        flight = self._launch(sender, ready)
                    if queued is None:  # made by the last answer's transaction, or now
                        ready = self._next_batch(exclude=flight.batch_id)
                        if ready is not None:
                            queued = self._launch(sender, ready, after=flight.future)
                    done, flight, queued = flight, queued, None
                    answer = self._landed(done)
                    if flight is not None and not isinstance(answer, p.BatchAnswer):
                        # Not sent: the sender saw `done` refused. The landed batch's items
                        # may wait again: then the next must not pass them (a correction
                        # before its record) and is unmade; else it goes now.
                        unsent, flight = flight, None
                        _wait_unsent(unsent)
                        if answer is _REQUEUED and unsent.ready.fresh:
                            self._unmake(unsent.batch_id)
                        else:
                            flight = self._launch(sender, unsent.ready)
                    if isinstance(answer, p.BatchAnswer):
                        # The batch after the one now in flight is made in the same
                        # transaction: one commit per batch instead of two.
                        self._apply(
                            done.batch_id,
                            answer,
                            make_next=True,
                            in_flight=flight.batch_id if flight else None,
                        )
                        self._done += len(done.batch.items)
                        self._sent_any = True
                        self.result.batches += 1
                    self._tick("upload", self._done, max(total, self._done))
            finally:
                for left in (flight, queued):  # stopped with batches under way: keep answers
                    if left is not None:
                        self._settle(left)
        if not self._sent_any:
            with self.desk.db.reading() as session:
                anchor = audit_anchor(session)
            if anchor is not None:
                self.transport.put_anchor(anchor)

    def _next_batch(self, exclude: str | None) -> _Ready | None:
        """The next batch to send, made ready (None when nothing waits): an open batch first
        (unanswered by an earlier run: same key), else a new one."""
        while True:
            batch_id = self._open_batch(exclude) or self._make_batch()
            if batch_id is None:
                return None
            ready = self._ready(batch_id)
            if ready is not None:
                return ready

    def _launch(
        self, sender: ThreadPoolExecutor, ready: _Ready, after: Future | None = None
    ) -> _Flight:
        """Give `ready` to the sender; `after`: the batch it follows, which must have been
        answered for this one to go (else _NotSent, and the caller decides)."""
        return _Flight(ready.batch_id, ready.batch, sender.submit(self._post, ready, after), ready)

    def _post(self, ready: _Ready, after: Future | None = None) -> p.BatchAnswer:
        """In the sender thread: the network only (no database). The sender runs one task
        at a time, in order: `after` is done when this one starts."""
        if after is not None and (after.exception() is not None or after.cancelled()):
            raise _NotSent()
        self._send_attachments(ready.files)
        return self.transport.post_batch(ready.batch)

    def _landed(self, flight: _Flight) -> p.BatchAnswer | object | None:
        """The answer of the batch in flight; when it was refused and the run goes on, None
        (its items rejected) or _REQUEUED (its items wait again, for a new batch); raises
        when the run must stop."""
        batch_id = flight.batch_id
        try:
            return flight.future.result()
        except p.Refused as exc:
            if exc.status == 413 and self.batch_size > 1:
                self.batch_size = max(1, self.batch_size // 2)
                self._fail_batch(batch_id, exc.code)
                return _REQUEUED
            if exc.code == "idempotency_key_reused" and not self._reused_once:
                # The items' content changed since the key was made (a correction between
                # a crash and this retry): send them again under a new key, once.
                self._reused_once = True
                self._fail_batch(batch_id, exc.code)
                return _REQUEUED
            if exc.status in REFUSED_FOR_GOOD or (exc.status == 413 and self.batch_size == 1):
                # Sending it again as it is would be refused again: its items are
                # rejected (the IT officer sees why and sends them again once the cause
                # is fixed) and the run goes on with the next items.
                self._done += self._refuse_batch(batch_id, exc)
                return None
            self._note_batch_error(batch_id, exc.code)
            raise
        except p.SyncError as exc:
            self._note_batch_error(batch_id, exc.code)
            raise

    def _settle(self, flight: _Flight) -> None:
        """The run stops (an error, cancelled) with a batch in flight: wait for it and apply
        its answer if one came, so the hub's work is not asked again needlessly. Whatever
        happens here, the batch stays open otherwise and the next run sends it again."""
        try:
            answer = flight.future.result()
        except (p.Cancelled, _NotSent):
            return  # never sent: it stays open, as it was made
        except Exception as exc:  # noqa: BLE001 - the run is stopping for another reason
            code = exc.code if isinstance(exc, p.SyncError) else "stopped"
            self._note_batch_error(flight.batch_id, code)
            return
        try:
            self._apply(flight.batch_id, answer)
        except Exception as exc:  # noqa: BLE001 - left open: the next run applies it
            log.warning("sync answer not applied: %s", type(exc).__name__)
            return
        self._done += len(flight.batch.items)
        self._sent_any = True
        self.result.batches += 1

    def _open_batch(self, exclude: str | None = None) -> str | None:
        query = select(B.batch_id).where(B.state == OPEN)
        if exclude is not None:  # the one in flight
            query = query.where(B.batch_id != exclude)
        with self.desk.db.reading() as session:
            return session.scalar(query.order_by(B.created_at, B.batch_id))

    def _make_batch(self) -> str | None:
        """Give up to batch_size waiting items a new batch id, committed before any attempt
        (and counted as that first attempt, which follows at once). Looked for in a read
        first: a write transaction that finds nothing still costs a commit."""
        ob = OB.__table__
        with self.desk.db.reading() as session:
            waiting = session.scalar(
                select(ob.c.seq)
                .where(ob.c.state == outbox.WAITING, ob.c.batch_id.is_(None))
                .limit(1)
            )
        if waiting is None:
            return None
        with self.desk.db.writing_core() as session:
            return self._make_in(session)

    def _make_in(self, session) -> str | None:
        """_make_batch's work in the caller's write transaction."""
        now = self.desk.now()
        self.lease.renew(session)
        batch_id = str(uuid6.uuid7())
        taken = _take(self.batch_size).run(session, {"batch": batch_id}).rowcount
        if not taken:
            return None
        _NEW_BATCH.run(
            session,
            dict(
                batch_id=batch_id,
                created_at=now,
                items=taken,
                state=OPEN,
                attempts=1,
                accepted=0,
                duplicate=0,
                rejected=0,
                conflict=0,
            ),
        )
        self._fresh.add(batch_id)
        return batch_id

    def _items(self, batch_id: str) -> tuple[list[p.Item], list]:
        """The batch's items as the protocol sends them, built from the complaints as they are
        now (the province view: services/transfer.outbound_row), and their attachments."""
        from desk_app.services.transfer import outbound_row

        # Statements compiled once, run as prepared statements on the driver, rows as named
        # tuples (outbound_row reads columns by name): SQLAlchemy's result rows, the IN list
        # of 200 ids written out for every batch and a copy of each row into a namespace
        # were most of making a batch (issue 9).
        with self.desk.db.reading_core() as read:
            params = {"batch_id": batch_id}
            rows = _OUTBOX_ROWS.records(read, params)
            complaints = {c.id: c for c in _BATCH_COMPLAINTS.records(read, params)}
            by_complaint: dict[str, list] = {}
            for a in _BATCH_ATTACHMENTS.records(read, params):
                by_complaint.setdefault(a.complaint_id, []).append(a)
            items = []
            for r in rows:
                fields = tuple(json.loads(r.fields)) if r.fields else ()
                if r.kind == outbox.ERASURE:
                    items.append(
                        p.Item(
                            r.item_id,
                            r.kind,
                            r.complaint_id,
                            r.revision,
                            fields=fields,
                            erased_at=p.utc_text(r.created_at),
                        )
                    )
                    continue
                view = outbound_row(
                    complaints[r.complaint_id],
                    None,
                    audience=visibility.PROVINCE,
                    attachments=by_complaint.get(r.complaint_id, []),
                )
                items.append(p.Item(r.item_id, r.kind, r.complaint_id, r.revision, view, fields))
            files = [a for r in rows for a in by_complaint.get(r.complaint_id, [])]
        return items, files

    def _send_attachments(self, files: list) -> None:
        from desk_app.services.attachments import stored_path

        wanted = list(dict.fromkeys(a.sha256 for a in files))
        if not wanted:
            return
        missing = set(self.transport.missing_attachments(wanted))
        for sha in wanted:
            if sha not in missing:
                continue
            try:
                data = stored_path(self.desk, sha).read_bytes()
            except OSError:
                log.warning("attachment file missing at the desk: %s", sha[:12])
                continue  # the hub answers the item attachment_missing: the IT officer sees it
            self.transport.put_attachment(sha, data)

    def _ready(self, batch_id: str) -> _Ready | None:
        """The batch as it will be sent (its attempt counted), or None when its items went
        elsewhere (send_again, a split): then it is closed, with nothing to send."""
        items, files = self._items(batch_id)
        if not items:
            self._fail_batch(batch_id, "empty")
            return None
        with self.desk.db.reading() as session:
            anchor = audit_anchor(session)
        fresh = batch_id in self._fresh
        if fresh:
            self._fresh.discard(batch_id)  # counted when it was made
        else:
            self._count_attempt(batch_id)  # an open batch sent again
        batch = p.Batch(batch_id, self.desk.desk_code, tuple(items), anchor)
        self.transport.prepare(batch)
        return _Ready(batch_id, batch, files, fresh)

    def _unmake(self, batch_id: str) -> None:
        """Undo _make_batch for a batch never sent: its items wait again, uncounted, and the
        batch is gone from the history (nothing of it reached the hub)."""
        with self.desk.db.writing() as session:
            session.execute(
                update(OB)
                .where(OB.batch_id == batch_id)
                .values(batch_id=None, attempts=OB.attempts - 1)
            )
            session.execute(delete(B).where(B.batch_id == batch_id))

    def _count_attempt(self, batch_id: str) -> None:
        with self.desk.db.writing() as session:
            self.lease.renew(session)
            session.execute(update(B).where(B.batch_id == batch_id).values(attempts=B.attempts + 1))
            session.execute(
                update(OB).where(OB.batch_id == batch_id).values(attempts=OB.attempts + 1)
            )

    def _apply(
        self,
        batch_id: str,
        answer: p.BatchAnswer,
        *,
        make_next: bool = False,
        in_flight: str | None = None,
    ) -> None:
        """The hub's answer, applied in one transaction (executemany: no per-row flushes).
        `make_next`: in the same transaction, make the next batch (committed before it is
        sent, as _make_batch's) unless a batch other than `in_flight` is still open: an
        older one goes first, with its own key."""
        now = self.desk.now()
        counts = dict.fromkeys(p.RESULTS, 0)
        with self.desk.db.writing_core() as session:
            if _BATCH_STATE.scalar(session, {"batch_id": batch_id}) != OPEN:
                return  # applied already (cannot happen with one sync at a time; harmless)
            held = _HELD.all(session, {"batch_id": batch_id})
            mine = {item_id: complaint_id for item_id, complaint_id, _kind in held}
            kinds = {item_id: kind for item_id, _complaint_id, kind in held}
            item_rows, complaint_rows = [], []
            for res in answer.results:
                complaint_id = mine.get(res.item_id)
                if complaint_id is None:
                    continue
                counts[res.result] += 1
                self.result.count(res.result)
                errors = [{"field": e.field, "code": e.code} for e in res.errors]
                item_rows.append(
                    {
                        "item_id": res.item_id,
                        "state": _STATE_OF[res.result],
                        "result": res.result,
                        "provincial_id": res.provincial_id,
                        "errors": json.dumps(errors) if errors else None,
                        "sent_at": now,
                        "last_error": None,
                        "next_attempt_at": None,
                    }
                )
                if res.provincial_id and res.result in (p.ACCEPTED, p.DUPLICATE):
                    complaint_rows.append({"id": complaint_id, "provincial_id": res.provincial_id})
            for complaint_id in _settle_conflicts(item_rows, answer, mine, kinds):
                counts[p.CONFLICT] -= 1  # the province holds the desk's version after all
                counts[p.DUPLICATE] += 1
                self.result.conflict -= 1
                self.result.duplicate += 1
                provincial = next(
                    (
                        r["provincial_id"]
                        for r in item_rows
                        if mine[r["item_id"]] == complaint_id and r["provincial_id"]
                    ),
                    None,
                )
                if provincial:
                    complaint_rows.append({"id": complaint_id, "provincial_id": provincial})
            # Through the driver (store/driver.py): Core's executemany built each row's
            # parameters itself, most of applying a batch of 200.
            connection = session.connection()
            driver.update_many(connection, OB.__table__, "item_id", item_rows)
            driver.update_many(connection, C.__table__, "id", complaint_rows)
            _ANSWERED.run(session, {"batch": batch_id, "sent_at": now, **counts})
            audit.append(
                session,
                self.desk,
                "sync.batch",
                "sync_batch",
                batch_id,
                after={"items": len(mine), **counts},
            )
            if make_next and _OPEN_OTHER.scalar(session, {"in_flight": in_flight or ""}) is None:
                self._make_in(session)

    def _fail_batch(self, batch_id: str, code: str) -> None:
        """The batch was refused as a whole and nothing of it was applied: its items wait for
        a new batch (a new key)."""
        with self.desk.db.writing() as session:
            session.execute(
                update(B).where(B.batch_id == batch_id).values(state=FAILED, last_error=code)
            )
            session.execute(
                update(OB)
                .where(OB.batch_id == batch_id, OB.state == outbox.WAITING)
                .values(batch_id=None)
            )

    def _refuse_batch(self, batch_id: str, exc: p.Refused) -> int:
        """The batch was refused as a whole for good: it is failed, its items rejected with
        the refusal's code, audited; returns how many items."""
        now = self.desk.now()
        code = exc.code[:64]
        errors = json.dumps([{"field": BATCH_FIELD, "code": code}])
        with self.desk.db.writing() as session:
            self.lease.renew(session)
            count = session.execute(
                update(OB)
                .where(OB.batch_id == batch_id, OB.state == outbox.WAITING)
                .values(
                    state=outbox.REJECTED,
                    result=p.REJECTED,
                    errors=errors,
                    sent_at=now,
                    last_error=code,
                    next_attempt_at=None,
                )
            ).rowcount
            session.execute(
                update(B)
                .where(B.batch_id == batch_id)
                .values(state=FAILED, sent_at=now, last_error=code, rejected=count)
            )
            audit.append(
                session,
                self.desk,
                "sync.batch",
                "sync_batch",
                batch_id,
                after={"items": count, "rejected": count, "refused": code, "status": exc.status},
            )
        self.result.rejected += count
        log.info("sync batch refused as a whole: %s (%s)", exc.code, exc.status)
        return count

    def _note_batch_error(self, batch_id: str, code: str) -> None:
        """The batch stays open (the next run sends it again, same key); its items say why."""
        now = self.desk.now()
        try:
            with self.desk.db.writing() as session:
                attempts = session.scalar(select(B.attempts).where(B.batch_id == batch_id)) or 1
                wait = min(p.RETRY_CAP * 2**attempts, 3600)
                session.execute(
                    update(B).where(B.batch_id == batch_id).values(last_error=code[:64])
                )
                session.execute(
                    update(OB)
                    .where(OB.batch_id == batch_id, OB.state == outbox.WAITING)
                    .values(
                        last_error=code[:64],
                        next_attempt_at=now + dt.timedelta(seconds=wait),
                    )
                )
        except Exception as exc:  # noqa: BLE001 - the reason is kept at the next run
            log.warning("sync batch error not recorded: %s", type(exc).__name__)

    # -- statuses --

    def _pull_statuses(self) -> None:
        with self.desk.db.reading() as session:
            cursor = int(read_state(session, CURSOR_KEY) or 0)
        while True:
            self._tick("statuses", self.result.statuses, self.result.statuses + 1)
            page = self.transport.statuses(cursor, p.STATUS_PAGE)
            self._apply_statuses(page)
            cursor = page.next_cursor
            if not page.more or not page.changes:
                break

    def _apply_statuses(self, page: p.StatusPage) -> None:
        now = self.desk.now()
        with self.desk.db.writing() as session:
            self.lease.renew(session)
            for change in page.changes:
                if change.status not in p.STATUSES:
                    log.warning("unknown status from the province ignored (seq %d)", change.seq)
                    continue
                row = session.execute(
                    select(C.status, C.provincial_id).where(C.id == change.complaint_id)
                ).first()
                if row is None:
                    continue  # not this desk's (the hub sends only ours; a restore may differ)
                values: dict = {"status": change.status, "status_changed_at": now}
                if change.provincial_id and not row.provincial_id:
                    values["provincial_id"] = change.provincial_id
                session.execute(update(C).where(C.id == change.complaint_id).values(**values))
                after = {"status": change.status}
                if change.agency:
                    after["disposed_to"] = change.agency
                try:  # when the province set it (the event's own time: when the desk learned it)
                    after["set_at"] = p.utc_text(p.parse_time(change.changed_at))
                except ValueError:
                    pass  # none, or not a time: the desk's own time stands
                audit.append(
                    session,
                    self.desk,
                    "complaint.status",
                    "complaint",
                    change.complaint_id,
                    before={"status": row.status},
                    after=after,
                    reason=change.note[:500] or None,
                )
                self.result.statuses += 1
            write_state(session, CURSOR_KEY, str(page.next_cursor))

    # -- reference data --

    def _refresh_reference(self) -> None:
        sets = [s for s in self.transport.reference_sets() if s.name in p.REFERENCE_SETS]
        for i, ref in enumerate(sets):
            self._tick("reference", i, len(sets))
            key = REFERENCE_KEY + ref.name
            with self.desk.db.reading() as session:
                # Before its first refresh a desk holds what it ships (the same version
                # function as the hub's): a hub serving the same files refreshes nothing.
                held = read_state(session, key) or reference.shipped_version(ref.name)
            if held == ref.version:
                continue
            data = self.transport.reference_set(ref.name)
            self._keep_reference(ref, held, data)
            self.result.references.append(ref.name)

    def _keep_reference(self, ref: p.ReferenceVersion, held: str | None, data: dict) -> None:
        """Keep the set in the data folder (reference/<name>.json) and audit the change; the
        regions set in the form `desk-app reference import` keeps (the codes), the others as
        the hub serves them; desk_app/reference.load reads them over the shipped files from the
        next start."""
        folder = self.reference_dir or (paths.data_dir() / reference.OVERRIDE_FOLDER)
        if ref.name == "regions":
            kept = {
                "source": {**(data.get("source") or {}), "version": ref.version},
                "codes": reference.shipped_codes(data) if "regions" in data else data.get("codes"),
            }
        else:
            kept = {**data, "version": ref.version}
        with self.desk.db.writing() as session:
            self.lease.renew(session)
            audit.append(
                session,
                self.desk,
                "reference.refresh",
                "reference",
                ref.name,
                before={"version": held},
                after={"version": ref.version},
            )
            write_state(session, REFERENCE_KEY + ref.name, ref.version)
            folder.mkdir(parents=True, exist_ok=True)
            files.write_private(
                folder / f"{ref.name}.json", json.dumps(kept, ensure_ascii=False, indent=1)
            )
