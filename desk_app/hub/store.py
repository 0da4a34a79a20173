"""The hub's own database (SQLAlchemy Core): SQLite by default at DATA_DIR/hub.sqlite3 in WAL
mode with synchronous=FULL, PostgreSQL by URL (psycopg 3). Attachments are files under
DATA_DIR/attachments, written whole (temporary file, fsync, rename) before their row commits.

Every batch is applied in one transaction with its stored answer (keyed by the idempotency
key) and its audit anchor: killed before the commit nothing of it happened, after it the retry
gets the stored answer. On SQLite a write transaction starts with BEGIN IMMEDIATE, so batches
are applied one at a time; on PostgreSQL two batches racing on the same complaint or key meet
a unique constraint, and the loser is applied again from the start (it then sees the winner).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from desk_app.hub import checks
from desk_app.hub.codes import IDENTITY_FIELDS, TOKEN_SECONDS
from desk_app.store import driver

DB_FILE = "hub.sqlite3"
PROVINCE_PREFIX = "RIAU"
_RETRIES = 5

metadata = MetaData()

desk_client = Table(
    "desk_client",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("desk_code", String(8), nullable=False, index=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
token = Table(
    "token",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("desk_code", String(8), nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)
complaint = Table(
    "complaint",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("provincial_id", String(32), unique=True),
    Column("complaint_id", String(36), nullable=False, unique=True),
    Column("desk_code", String(8), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(32)),
    Column("status_agency", String(32)),
    Column("status_note", Text),
    Column("erased_at", DateTime),
    Column("received_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
revision = Table(
    "complaint_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
    UniqueConstraint("complaint_id", "revision"),
)
batch = Table(
    "batch",
    metadata,
    Column("idempotency_key", String(64), primary_key=True),
    Column("desk_code", String(8), nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("answer", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
)
attachment = Table(
    "attachment",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("received_at", DateTime, nullable=False),
)
anchor = Table(
    "anchor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("desk_code", String(8), nullable=False, index=True),
    Column("event_no", Integer, nullable=False),
    Column("hash", String(128), nullable=False),
    Column("at", String(40), nullable=False),
    Column("received_at", DateTime, nullable=False),
)
counter = Table(
    "counter",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)
status_change = Table(
    "status_change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("desk_code", String(8), nullable=False, index=True),
    Column("provincial_id", String(32), nullable=False),
    Column("complaint_id", String(36), nullable=False),
    Column("status", String(32), nullable=False),
    Column("agency", String(32)),
    Column("note", Text),
    Column("changed_at", DateTime, nullable=False),
)


class KeyReused(Exception):
    """The idempotency key was used for a batch with other content (409)."""


class NotOwned(Exception):
    """A complaint in the batch belongs to another desk (403)."""


@dataclass(frozen=True)
class Item:
    """One batch item as the app parsed it (shape already checked)."""

    item_id: str
    kind: str  # record, correction, erasure
    complaint_id: str
    revision: int
    complaint: dict | None = None
    erased_fields: tuple[str, ...] = ()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def rfc3339(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(body: dict) -> str:
    """The SHA-256 that says "same content" (§4): the §6 fields as canonical JSON, hashed."""
    return stored_form(checks.known_fields(body))[1]


def stored_form(body: dict) -> tuple[str, str]:
    """(canonical JSON, its SHA-256) of a complaint body already cut to the §6 fields."""
    text = canonical(body)
    return text, sha256_text(text)


def database_url(data_dir: Path, url: str | None = None) -> str:
    if not url:
        return f"sqlite+pysqlite:///{Path(data_dir) / DB_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(data_dir: Path, url: str | None = None, writer: bool = True) -> Engine:
    """The engine for writes (`writer`: on SQLite each transaction is BEGIN IMMEDIATE) or for
    reads (SQLite's deferred BEGIN: readers never wait for the writer in WAL mode)."""
    url = database_url(data_dir, url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            hide_parameters=True,  # an error in the log never shows a value (a NIK, a name)
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - every connection
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover - every transaction
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class HubStore:
    """Everything the hub holds. Thread-safe: each call runs on its own connection."""

    def __init__(self, data_dir: str | os.PathLike[str], url: str | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.attachments_dir = self.data_dir / "attachments"
        self.attachments_dir.mkdir(exist_ok=True)
        self.engine = make_engine(self.data_dir, url)
        metadata.create_all(self.engine)
        self.reader = (
            make_engine(self.data_dir, url, writer=False)
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )

    def close(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # -- desks and tokens ------------------------------------------------------------------

    def add_desk(self, desk_code: str) -> tuple[str, str]:
        """A new client id and 256-bit secret for the desk; only the secret's SHA-256 is kept."""
        client_id = f"{desk_code.lower()}-{secrets.token_hex(8)}"
        secret = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(desk_client).values(
                    client_id=client_id,
                    desk_code=desk_code,
                    secret_sha256=sha256_text(secret),
                    created_at=utcnow(),
                )
            )
        return client_id, secret

    def issue_token(self, client_id: str, secret: str) -> tuple[str, str] | None:
        """(token, desk code) for a right client id and secret, else None."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(desk_client).where(desk_client.c.client_id == client_id)
            ).first()
            if row is None or not secrets.compare_digest(row.secret_sha256, sha256_text(secret)):
                return None
            now = utcnow()
            value = secrets.token_urlsafe(32)
            conn.execute(token.delete().where(token.c.expires_at < now))
            conn.execute(
                insert(token).values(
                    token_sha256=sha256_text(value),
                    client_id=client_id,
                    desk_code=row.desk_code,
                    expires_at=now + dt.timedelta(seconds=TOKEN_SECONDS),
                )
            )
        return value, row.desk_code

    def desk_for_token(self, value: str) -> str | None:
        with self.reader.connect() as conn:
            row = conn.execute(
                select(token.c.desk_code, token.c.expires_at).where(
                    token.c.token_sha256 == sha256_text(value)
                )
            ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return row.desk_code

    # -- batches ---------------------------------------------------------------------------

    def apply_batch(
        self, desk_code: str, key: str, envelope: str, items: list[Item], anchor_row: dict | None
    ) -> dict:
        """The batch's answer: applied now, or the stored one of the first time this key came.
        `envelope`: the batch as canonical text without its complaint objects (those count by
        their content hash). Raises KeyReused (same key, other content) or NotOwned (another
        desk's complaint)."""
        # Checked and hashed outside the transaction: pure functions of the items.
        problems, forms = [], []
        for i in items:
            if i.kind in ("record", "correction") and isinstance(i.complaint, dict):
                problems.append(checks.check_complaint(i.complaint, i.complaint_id))
                known = checks.known_fields(i.complaint)
                forms.append((*stored_form(known), known))
            else:
                problems.append([])
                forms.append(None)
        request_hash = sha256_text(envelope + "\n" + "\n".join(f[1] if f else "-" for f in forms))
        problems = list(zip(problems, forms, strict=True))
        for attempt in range(_RETRIES):
            try:
                with self.engine.begin() as conn:
                    return self._apply(
                        conn, desk_code, key, request_hash, items, problems, anchor_row
                    )
            except IntegrityError:  # a concurrent batch won a race: apply again, see it
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _apply(self, conn, desk_code, key, request_hash, items, problems, anchor_row) -> dict:
        stored = conn.execute(select(batch).where(batch.c.idempotency_key == key)).first()
        if stored is not None:
            if stored.request_sha256 != request_hash or stored.desk_code != desk_code:
                raise KeyReused()
            return json.loads(stored.answer)
        now = utcnow()
        state = _BatchState(conn, desk_code, items, now)
        results = []
        for item, (errors, form) in zip(items, problems, strict=True):
            result = {"item_id": item.item_id, "complaint_id": item.complaint_id}
            result.update(state.apply(item, errors, form))
            results.append(result)
        state.flush()
        state.resolve(results)
        answer = {"batch_id": key, "received_at": rfc3339(now), "results": results}
        conn.execute(
            insert(batch).values(
                idempotency_key=key,
                desk_code=desk_code,
                request_sha256=request_hash,
                answer=canonical(answer),
                received_at=now,
            )
        )
        if anchor_row is not None:
            self._insert_anchor(conn, desk_code, anchor_row, now)
        return answer

    # -- attachments -----------------------------------------------------------------------

    def missing_attachments(self, hashes: list[str]) -> list[str]:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return []
        with self.reader.connect() as conn:
            have = set(
                conn.execute(
                    select(attachment.c.sha256).where(attachment.c.sha256.in_(wanted))
                ).scalars()
            )
        return [h for h in wanted if h not in have]

    def attachment_path(self, sha256: str) -> Path:
        return self.attachments_dir / sha256[:2] / sha256

    def put_attachment(self, sha256: str, data: bytes) -> bool:
        """Keep the bytes (the caller checked the hash); True when new, False when held."""
        if not self.missing_attachments([sha256]):
            return False
        path = self.attachment_path(sha256)
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(attachment).values(sha256=sha256, size=len(data), received_at=utcnow())
                )
        except IntegrityError:  # another upload of the same file won
            return False
        return True

    # -- anchors ---------------------------------------------------------------------------

    def _insert_anchor(self, conn, desk_code: str, row: dict, now: dt.datetime) -> None:
        conn.execute(
            insert(anchor).values(
                desk_code=desk_code,
                event_no=row["event_no"],
                hash=row["hash"],
                at=row["at"],
                received_at=now,
            )
        )

    def add_anchor(self, desk_code: str, row: dict) -> None:
        with self.engine.begin() as conn:
            self._insert_anchor(conn, desk_code, row, utcnow())

    def anchors(self, desk_code: str) -> list[dict]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(anchor).where(anchor.c.desk_code == desk_code).order_by(anchor.c.id)
            ).all()
        return [
            {
                "event_no": r.event_no,
                "hash": r.hash,
                "at": r.at,
                "received_at": rfc3339(r.received_at),
            }
            for r in rows
        ]

    # -- statuses --------------------------------------------------------------------------

    def set_status(
        self, provincial_id: str, status: str, note: str | None = None, agency: str | None = None
    ) -> dict | None:
        """Set a complaint's status (the province's administrator); None if not held."""
        now = utcnow()
        with self.engine.begin() as conn:
            held = conn.execute(
                select(complaint).where(complaint.c.provincial_id == provincial_id)
            ).first()
            if held is None:
                return None
            conn.execute(
                update(complaint)
                .where(complaint.c.seq == held.seq)
                .values(status=status, status_agency=agency, status_note=note, updated_at=now)
            )
            seq = conn.execute(
                insert(status_change).values(
                    desk_code=held.desk_code,
                    provincial_id=provincial_id,
                    complaint_id=held.complaint_id,
                    status=status,
                    agency=agency,
                    note=note,
                    changed_at=now,
                )
            ).inserted_primary_key[0]
        return {"seq": seq, "complaint_id": held.complaint_id, "desk_code": held.desk_code}

    def status_changes(self, desk_code: str, cursor: int, limit: int) -> dict:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(status_change)
                .where(status_change.c.desk_code == desk_code, status_change.c.seq > cursor)
                .order_by(status_change.c.seq)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "changes": [
                {
                    "seq": r.seq,
                    "provincial_id": r.provincial_id,
                    "complaint_id": r.complaint_id,
                    "status": r.status,
                    "agency": r.agency,
                    "note": r.note,
                    "changed_at": rfc3339(r.changed_at),
                }
                for r in rows
            ],
            "next_cursor": rows[-1].seq if rows else cursor,
            "more": more,
        }

    # -- export ----------------------------------------------------------------------------

    def export(self) -> Iterator[dict]:
        """Every complaint held, oldest first: what the province's administrators see."""
        after = 0
        while True:
            with self.reader.connect() as conn:
                rows = conn.execute(
                    select(complaint)
                    .where(complaint.c.seq > after)
                    .order_by(complaint.c.seq)
                    .limit(500)
                ).all()
                if not rows:
                    return
                ids = [r.complaint_id for r in rows]
                counts = dict(
                    conn.execute(
                        select(revision.c.complaint_id, func.count())
                        .where(revision.c.complaint_id.in_(ids))
                        .group_by(revision.c.complaint_id)
                    ).all()
                )
            for r in rows:
                yield {
                    "provincial_id": r.provincial_id,
                    "complaint_id": r.complaint_id,
                    "desk_code": r.desk_code,
                    "status": r.status,
                    "status_agency": r.status_agency,
                    "status_note": r.status_note,
                    "revision": r.revision,
                    "revisions_held": counts.get(r.complaint_id, 0),
                    "erased": r.erased_at is not None,
                    "received_at": rfc3339(r.received_at),
                    "complaint": json.loads(r.body),
                }
            after = rows[-1].seq

    def revisions(self, complaint_id: str) -> list[dict]:
        """Every revision held of one complaint (for checking erasures)."""
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(revision.c.body)
                .where(revision.c.complaint_id == complaint_id)
                .order_by(revision.c.revision)
            ).all()
        return [json.loads(r.body) for r in rows]


class _BatchState:
    """One batch applied in memory over what the database holds of its complaints (read with
    a few queries up front), then written with a few bulk statements: the same transaction,
    far fewer round trips than statement-per-item. Items of one complaint see each other's
    effects in the items' order (a record, then its correction, in one batch)."""

    def __init__(self, conn: Connection, desk_code: str, items: list[Item], now: dt.datetime):
        self.conn, self.desk_code, self.now = conn, desk_code, now
        ids = list({i.complaint_id for i in items})
        self.held: dict[str, dict] = {}
        self.revisions: dict[str, dict[int, dict]] = {}
        for chunk in _chunks(ids):
            for row in conn.execute(select(complaint).where(complaint.c.complaint_id.in_(chunk))):
                if row.desk_code != desk_code:
                    raise NotOwned()
                self.held[row.complaint_id] = {
                    "seq": row.seq,
                    "provincial_id": row.provincial_id,
                    "revision": row.revision,
                    "body": json.loads(row.body),
                    "text": row.body,
                    "sha": row.content_sha256,
                    "erased": row.erased_at is not None,
                    "erased_at": row.erased_at,
                    "new": False,
                    "dirty": False,
                }
        for chunk in _chunks(list(self.held)):
            for row in conn.execute(select(revision).where(revision.c.complaint_id.in_(chunk))):
                self.revisions.setdefault(row.complaint_id, {})[row.revision] = {
                    "id": row.id,
                    "sha": row.content_sha256,
                    "body": json.loads(row.body),
                    "text": row.body,
                    "dirty": False,
                }
        named = {
            h
            for i in items
            if isinstance(i.complaint, dict)
            for h in _hashes(i.complaint.get("attachments"))
        }
        self.files: set[str] = set()
        for chunk in _chunks(list(named)):
            self.files.update(
                conn.execute(
                    select(attachment.c.sha256).where(attachment.c.sha256.in_(chunk))
                ).scalars()
            )
        self.new_ids = 0

    def apply(self, item: Item, errors: list, form: tuple[str, str, dict] | None) -> dict:
        """`form`: the item's complaint as (canonical text, its SHA-256, the §6 fields)."""
        if item.kind == "erasure":
            return self._erase(item)
        body = form[2] if form is not None else checks.known_fields(item.complaint or {})
        if not errors:
            if body.get("desk_code") != self.desk_code:
                raise NotOwned()
            if any(h not in self.files for h in checks.attachment_hashes(body)):
                errors = [
                    checks.FieldError(
                        "attachments",
                        "attachment_missing",
                        "a named file is not held: PUT it first",
                    )
                ]
        if item.kind == "record":
            return self._record(item, body, errors, form)
        return self._correct(item, body, errors, form)

    def _record(self, item: Item, body: dict, errors: list, form: tuple[str, str, dict]) -> dict:
        text, digest, _body = form
        held = self.held.get(item.complaint_id)
        if held is not None:
            first = self.revisions.get(item.complaint_id, {}).get(0)
            if first is not None and first["sha"] == digest:
                return {"result": "duplicate", "provincial_id": held["provincial_id"] or held}
            return _conflict(held, body, first["body"] if first else held["body"])
        if errors:
            return _rejected(errors)
        self.new_ids += 1
        held = {
            "seq": None,
            "provincial_id": None,  # given in flush(), from the counter
            "number": self.new_ids,
            "revision": item.revision,
            "body": body,
            "erased": False,
            "erased_at": None,
            "new": True,
            "dirty": True,
        }
        self.held[item.complaint_id] = held
        held.update(text=text, sha=digest)
        self.revisions[item.complaint_id] = {
            item.revision: {
                "id": None,
                "sha": digest,
                "body": body,
                "text": text,
                "dirty": True,
            }
        }
        return {"result": "accepted", "provincial_id": held}

    def _correct(self, item: Item, body: dict, errors: list, form: tuple[str, str, dict]) -> dict:
        held = self.held.get(item.complaint_id)
        if held is None:
            return _rejected(
                [checks.FieldError("complaint_id", "unknown_complaint", "complaint not held")]
            )
        text, digest, _body = form
        kept = self.revisions.setdefault(item.complaint_id, {})
        same = kept.get(item.revision)
        if same is not None and same["sha"] == digest:
            return {"result": "duplicate", "provincial_id": held["provincial_id"] or held}
        if item.revision <= held["revision"]:
            return _conflict(held, body, same["body"] if same else held["body"])
        if errors:
            return _rejected(errors)
        if held["erased"]:  # an erased identity stays erased
            body = _blank(body, [f for f in IDENTITY_FIELDS if f in body])
            text, digest = stored_form(body)
        kept[item.revision] = {
            "id": None,
            "sha": digest,
            "body": body,
            "text": text,
            "dirty": True,
        }
        held.update(revision=item.revision, body=body, text=text, sha=digest, dirty=True)
        return {"result": "accepted", "provincial_id": held["provincial_id"] or held}

    def _erase(self, item: Item) -> dict:
        held = self.held.get(item.complaint_id)
        if held is None:
            return _rejected(
                [checks.FieldError("complaint_id", "unknown_complaint", "complaint not held")]
            )
        fields = [f for f in item.erased_fields if f in IDENTITY_FIELDS]
        if len(fields) != len(item.erased_fields) or not fields:
            return _rejected(
                [
                    checks.FieldError(
                        "erased_fields", "not_erasable", "only identity fields can be erased"
                    )
                ]
            )
        pid = held["provincial_id"] or held
        if held["erased"] and all(held["body"].get(f) is None for f in fields):
            return {"result": "duplicate", "provincial_id": pid}
        for kept in self.revisions.get(item.complaint_id, {}).values():
            kept["body"] = _blank(kept["body"], fields)
            kept["text"], kept["sha"] = stored_form(kept["body"])
            kept["dirty"] = True
        blanked = _blank(held["body"], fields)
        text, digest = stored_form(blanked)
        held.update(
            body=blanked,
            text=text,
            sha=digest,
            revision=max(held["revision"], item.revision),
            erased=True,
            erased_at=held["erased_at"] or self.now,
            dirty=True,
        )
        return {"result": "accepted", "provincial_id": pid}

    def flush(self) -> None:
        """Write what changed; give the new complaints their provincial ids (the results
        hold the complaint's dict until now, replaced by its id here)."""
        conn, now = self.conn, self.now
        new = [(cid, h) for cid, h in self.held.items() if h["new"]]
        if new:
            first = _take_numbers(conn, len(new), now.year)
            for _cid, held in new:
                held["provincial_id"] = (
                    f"{PROVINCE_PREFIX}-{now.year}-{first + held['number'] - 1:06d}"
                )
            driver.insert_many(
                conn,
                complaint,
                [
                    {
                        "provincial_id": h["provincial_id"],
                        "complaint_id": cid,
                        "desk_code": self.desk_code,
                        "revision": h["revision"],
                        "content_sha256": h["sha"],
                        "body": h["text"],
                        "erased_at": h["erased_at"],
                        "received_at": now,
                        "updated_at": now,
                    }
                    for cid, h in new
                ],
            )
        for held in self.held.values():
            if held["dirty"] and not held["new"]:
                conn.execute(
                    update(complaint)
                    .where(complaint.c.seq == held["seq"])
                    .values(
                        revision=held["revision"],
                        content_sha256=held["sha"],
                        body=held["text"],
                        erased_at=held["erased_at"],
                        updated_at=now,
                    )
                )
        added, changed = [], []
        for cid, kept in self.revisions.items():
            for number, rev in kept.items():
                if not rev["dirty"]:
                    continue
                values = {"content_sha256": rev["sha"], "body": rev["text"]}
                if rev["id"] is None:
                    added.append(
                        {"complaint_id": cid, "revision": number, "received_at": now, **values}
                    )
                else:
                    changed.append((rev["id"], values))
        if added:
            driver.insert_many(conn, revision, added)
        for row_id, values in changed:
            conn.execute(update(revision).where(revision.c.id == row_id).values(**values))

    @staticmethod
    def resolve(results: list[dict]) -> None:
        """Replace a held complaint's dict standing in for its provincial id by the id."""
        for result in results:
            if isinstance(result.get("provincial_id"), dict):
                result["provincial_id"] = result["provincial_id"]["provincial_id"]


def _take_numbers(conn: Connection, count: int, year: int) -> int:
    """The first of `count` new provincial numbers of `year` (numbers start again at 1 each
    year, as the ids say: RIAU-2027-000001). The year's counter row is locked until commit
    (SQLite's write lock; FOR UPDATE on PostgreSQL). A year's first batch starts after the
    highest number of that year already held: a hub whose counter was not per year yet
    (one "provincial" row) goes on without giving an id twice."""
    name = f"provincial-{year}"
    row = conn.execute(
        select(counter.c.value).where(counter.c.name == name).with_for_update()
    ).first()
    if row is None:
        prefix = f"{PROVINCE_PREFIX}-{year}-"
        highest = conn.execute(
            select(func.max(complaint.c.provincial_id)).where(
                complaint.c.provincial_id.like(prefix + "%")
            )
        ).scalar()
        held = int(highest[len(prefix) :]) if highest else 0
        conn.execute(insert(counter).values(name=name, value=held + count))
        return held + 1
    conn.execute(update(counter).where(counter.c.name == name).values(value=row.value + count))
    return row.value + 1


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _hashes(files: object) -> list[str]:
    if not isinstance(files, list):
        return []
    return [f["sha256"] for f in files if isinstance(f, dict) and isinstance(f.get("sha256"), str)]


def _blank(body: dict, fields: list[str]) -> dict:
    return {**body, **{f: None for f in fields}}


def _conflict(held: dict, sent: dict, kept: dict) -> dict:
    """The fields whose sent value differs from what is held (names only, never values)."""
    fields = sorted(f for f in set(sent) | set(kept) if sent.get(f) != kept.get(f))
    return {
        "result": "conflict",
        "provincial_id": held["provincial_id"] or held,
        "errors": [
            {"field": f, "code": "differs", "message": "held with other content"}
            for f in fields or ["complaint"]
        ],
    }


def _rejected(errors) -> dict:
    return {"result": "rejected", "errors": [e.as_dict() for e in errors]}


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
