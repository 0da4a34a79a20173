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
    """ "Same content" (§4): the complaint's §6 fields as canonical JSON, hashed."""
    return sha256_text(canonical(checks.known_fields(body)))


def database_url(data_dir: Path, url: str | None = None) -> str:
    if not url:
        return f"sqlite+pysqlite:///{Path(data_dir) / DB_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(data_dir: Path, url: str | None = None) -> Engine:
    url = database_url(data_dir, url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None}
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
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class HubStore:
    """Everything the hub holds. Thread-safe: each call runs on its own connection."""

    def __init__(self, data_dir: str | os.PathLike[str], url: str | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.attachments_dir = self.data_dir / "attachments"
        self.attachments_dir.mkdir(exist_ok=True)
        self.engine = make_engine(self.data_dir, url)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

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
        with self.engine.connect() as conn:
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
        self, desk_code: str, key: str, request: dict, items: list[Item], anchor_row: dict | None
    ) -> dict:
        """The batch's answer: applied now, or the stored one of the first time this key came.
        Raises KeyReused (same key, other content) or NotOwned (another desk's complaint)."""
        request_hash = sha256_text(canonical(request))
        # Checked outside the transaction: a pure function of the item.
        problems = [
            checks.check_complaint(i.complaint, i.complaint_id)
            if i.kind in ("record", "correction") and isinstance(i.complaint, dict)
            else []
            for i in items
        ]
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
        results = []
        for item, errors in zip(items, problems, strict=True):
            result = {"item_id": item.item_id, "complaint_id": item.complaint_id}
            result.update(self._apply_item(conn, desk_code, item, errors, now))
            results.append(result)
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

    def _held(self, conn: Connection, desk_code: str, complaint_id: str):
        row = conn.execute(
            select(complaint).where(complaint.c.complaint_id == complaint_id)
        ).first()
        if row is not None and row.desk_code != desk_code:
            raise NotOwned()
        return row

    def _apply_item(self, conn, desk_code: str, item: Item, errors, now) -> dict:
        held = self._held(conn, desk_code, item.complaint_id)
        if item.kind == "erasure":
            return self._erase(conn, held, item, now)
        body = checks.known_fields(item.complaint or {})
        if not errors:
            if body.get("desk_code") != desk_code:
                raise NotOwned()
            errors = self._missing_files(conn, body)
        if item.kind == "record":
            return self._record(conn, desk_code, held, item, body, errors, now)
        return self._correct(conn, held, item, body, errors, now)

    def _missing_files(self, conn, body: dict) -> list:
        wanted = set(checks.attachment_hashes(body))
        if not wanted:
            return []
        have = set(
            conn.execute(select(attachment.c.sha256).where(attachment.c.sha256.in_(wanted)))
            .scalars()
            .all()
        )
        if wanted - have:
            return [
                checks.FieldError(
                    "attachments", "attachment_missing", "a named file is not held: PUT it first"
                )
            ]
        return []

    def _record(self, conn, desk_code, held, item: Item, body, errors, now) -> dict:
        digest = content_hash(body)
        if held is not None:
            first = conn.execute(
                select(revision.c.content_sha256, revision.c.body).where(
                    revision.c.complaint_id == item.complaint_id, revision.c.revision == 0
                )
            ).first()
            if first is not None and first.content_sha256 == digest:
                return {"result": "duplicate", "provincial_id": held.provincial_id}
            return _conflict(held, body, json.loads(first.body if first else held.body))
        if errors:
            return _rejected(errors)
        text = canonical(body)
        seq = conn.execute(
            insert(complaint).values(
                complaint_id=item.complaint_id,
                desk_code=desk_code,
                revision=item.revision,
                content_sha256=digest,
                body=text,
                received_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        provincial_id = f"{PROVINCE_PREFIX}-{now.year}-{seq:06d}"
        conn.execute(
            update(complaint).where(complaint.c.seq == seq).values(provincial_id=provincial_id)
        )
        conn.execute(
            insert(revision).values(
                complaint_id=item.complaint_id,
                revision=0 if item.revision is None else item.revision,
                content_sha256=digest,
                body=text,
                received_at=now,
            )
        )
        return {"result": "accepted", "provincial_id": provincial_id}

    def _correct(self, conn, held, item: Item, body, errors, now) -> dict:
        if held is None:
            return _rejected(
                [checks.FieldError("complaint_id", "unknown_complaint", "complaint not held")]
            )
        digest = content_hash(body)
        same = conn.execute(
            select(revision.c.content_sha256, revision.c.body).where(
                revision.c.complaint_id == item.complaint_id,
                revision.c.revision == item.revision,
            )
        ).first()
        if same is not None and same.content_sha256 == digest:
            return {"result": "duplicate", "provincial_id": held.provincial_id}
        if item.revision <= held.revision:
            return _conflict(held, body, json.loads(same.body if same else held.body))
        if errors:
            return _rejected(errors)
        if held.erased_at is not None:  # an erased identity stays erased
            body = {**body, **{f: None for f in IDENTITY_FIELDS if f in body}}
            digest = content_hash(body)
        text = canonical(body)
        conn.execute(
            insert(revision).values(
                complaint_id=item.complaint_id,
                revision=item.revision,
                content_sha256=digest,
                body=text,
                received_at=now,
            )
        )
        conn.execute(
            update(complaint)
            .where(complaint.c.seq == held.seq)
            .values(revision=item.revision, content_sha256=digest, body=text, updated_at=now)
        )
        return {"result": "accepted", "provincial_id": held.provincial_id}

    def _erase(self, conn, held, item: Item, now) -> dict:
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
        current = json.loads(held.body)
        if held.erased_at is not None and all(current.get(f) is None for f in fields):
            return {"result": "duplicate", "provincial_id": held.provincial_id}
        for row in conn.execute(
            select(revision.c.id, revision.c.body).where(
                revision.c.complaint_id == item.complaint_id
            )
        ).all():
            blanked = _blank(json.loads(row.body), fields)
            conn.execute(
                update(revision)
                .where(revision.c.id == row.id)
                .values(body=canonical(blanked), content_sha256=content_hash(blanked))
            )
        blanked = _blank(current, fields)
        conn.execute(
            update(complaint)
            .where(complaint.c.seq == held.seq)
            .values(
                body=canonical(blanked),
                content_sha256=content_hash(blanked),
                revision=max(held.revision, item.revision),
                erased_at=now,
                updated_at=now,
            )
        )
        return {"result": "accepted", "provincial_id": held.provincial_id}

    # -- attachments -----------------------------------------------------------------------

    def missing_attachments(self, hashes: list[str]) -> list[str]:
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return []
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
            with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(revision.c.body)
                .where(revision.c.complaint_id == complaint_id)
                .order_by(revision.c.revision)
            ).all()
        return [json.loads(r.body) for r in rows]


def _blank(body: dict, fields: list[str]) -> dict:
    return {**body, **{f: None for f in fields}}


def _conflict(held, sent: dict, kept: dict) -> dict:
    """The fields whose sent value differs from what is held (names only, never values)."""
    fields = sorted(f for f in set(sent) | set(kept) if sent.get(f) != kept.get(f))
    return {
        "result": "conflict",
        "provincial_id": held.provincial_id,
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
