"""SQLAlchemy 2 typed models. Times are naive datetimes in UTC."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Complaint(Base):
    __tablename__ = "complaint"

    # Integer key = SQLite rowid: arrival order, keyset paging and the FTS5 content rowid.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)  # UUIDv7, made offline
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    desk_code: Mapped[str] = mapped_column(String(8))
    report_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))
    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    reporter_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    reporter_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_address: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean)
    confidential: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(16))
    village: Mapped[str | None] = mapped_column(String(16))  # desa/kelurahan (migration 0008)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    event_place: Mapped[str] = mapped_column(Text, default="")
    loss: Mapped[str] = mapped_column(Text, default="")
    remedy: Mapped[str] = mapped_column(Text, default="")
    complained_before: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32), default="recorded")
    # Set by the sync (migration 0007): the province's number once a record item was
    # accepted; when the province last changed `status` (the clerk's "changed since I looked").
    provincial_id: Mapped[str | None] = mapped_column(String(64))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    due_date: Mapped[dt.date] = mapped_column(Date)
    linked_to: Mapped[str | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="complaint", order_by="Attachment.seq"
    )

    __table_args__ = (
        Index("ix_complaint_status_seq", "status", "seq"),
        Index("ix_complaint_channel_seq", "channel", "seq"),
        Index("ix_complaint_received_seq", "received_at", "seq"),
        Index("ix_complaint_agency_seq", "agency", "seq"),
        # A status or channel filter on the list, newest received first (migration 0006).
        Index("ix_complaint_status_received", "status", "received_at", "seq"),
        Index("ix_complaint_channel_received", "channel", "received_at", "seq"),
    )


class Attachment(Base):
    __tablename__ = "attachment"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")


class DayCounter(Base):
    """The per-desk daily sequence behind tracking numbers."""

    __tablename__ = "day_counter"

    desk_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class Outbox(Base):
    """Transactional outbox: one row per item the province must receive (protocol §4), written
    in the same transaction as the change it carries (a recording, a correction, an erasure).

    `state`: waiting (not yet answered), sent (accepted or duplicate), rejected, conflict; and
    resent (a rejected item replaced by a new attempt). The upload state lives here, apart from
    the complaint's case status. `batch_id` is set, and committed, before the first attempt,
    so a retry after a crash sends the same Idempotency-Key. `last_error` and `errors` hold
    codes and field names only, never a value that was sent. `fields`: the changed fields of a
    correction or the erased fields of an erasure (JSON list).
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(String(36), unique=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # record | correction | erasure
    revision: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    result: Mapped[str | None] = mapped_column(String(16))
    provincial_id: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)


class SyncBatch(Base):
    """One upload batch: `batch_id` is its Idempotency-Key. `state`: open (made, not yet
    answered: a restart sends it again as it is), answered, failed (refused as a whole: its
    items went back to waiting)."""

    __tablename__ = "sync_batch"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    items: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    conflict: Mapped[int] = mapped_column(Integer, default=0)


class SyncState(Base):
    """The sync's own small facts, by key: the status cursor, reference-set versions, the
    last run, the running sync's lease, each user's last look at the list. No secret."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Draft(Base):
    """The form as typed, autosaved so that a crash or power cut loses nothing."""

    __tablename__ = "draft"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Setting(Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """One audited event: append-only (SQL triggers refuse UPDATE and DELETE) and chained.

    `hash` is HMAC-SHA256 over this event's fields and `prev_hash`, the previous event's hash
    (64 zeros for the first), with a key kept outside the database: see services/audit.py.
    `before` and `after` are JSON text and may hold personal data: never log them.
    """

    __tablename__ = "audit_event"

    # Assigned by services.audit.append (last + 1 under the write lock): the chain's order.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id", "seq"),)


class User(Base):
    """A person (or the desk service identity) who signs in. Never deleted: disabled, so that
    the names in complaints and the audit trail keep meaning someone.

    `role` is a domain.roles.Role value; `password_hash` an argon2id PHC string;
    `locked_until` (UTC) is when the next login may be tried after failed attempts.
    """

    __tablename__ = "desk_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)  # lowercase
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CalendarDay(Base):
    """A day the desk's IT officer set apart from the country's calendar (domain/calendar.py):
    a local holiday or a cuti bersama added late (`working` False), or a day an SKB made a
    working day after all (`working` True: a cuti bersama moved or cancelled). One row a day."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(120))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
