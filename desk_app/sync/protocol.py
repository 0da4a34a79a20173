"""Sync protocol v1 (docs/sync-protocol.md) as constants and plain dataclasses: what the
client sends and reads. No HTTP here (transport.py), no database (client.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

API = "/api/v1"
MAX_BATCH_ITEMS = 200  # §4: a batch holds at most 200 items
DEFAULT_BATCH_ITEMS = 200  # the setting sync_batch_size's default
STATUS_PAGE = 500  # §9: limit ≤ 500

CONNECT_TIMEOUT = 5.0  # §1
READ_TIMEOUT = 30.0
GZIP_LEVEL = 1

# §3: retries
RETRY_ATTEMPTS = 6
RETRY_BASE = 0.5
RETRY_CAP = 30.0
RETRY_AFTER_CAP = 60.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

# §4: per-item results
ACCEPTED, DUPLICATE, CONFLICT, REJECTED = "accepted", "duplicate", "conflict", "rejected"
RESULTS = (ACCEPTED, DUPLICATE, CONFLICT, REJECTED)

# §9: statuses the province sets
STATUSES = (
    "verified",
    "postponed",
    "not_authority",
    "archived",
    "disposed",
    "followed_up",
    "completed",
    "reopened",
)

REFERENCE_SETS = ("categories", "agencies", "regions")  # §10


def utc_text(when: dt.datetime) -> str:
    """RFC 3339 in UTC with a Z (§1); naive datetimes are UTC as the desk stores them."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.replace(microsecond=0).isoformat() + "Z"


def parse_time(text: str) -> dt.datetime:
    """An RFC 3339 time as naive UTC (the database's form)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class Anchor:
    event_no: int
    hash: str
    at: str
    received_at: str | None = None

    def body(self) -> dict:
        return {"event_no": self.event_no, "hash": self.hash, "at": self.at}


@dataclass(frozen=True)
class Item:
    """One outbox item as sent (§4). `complaint` is the outbound view (transfer.outbound_row
    for the province), None for an erasure; `fields` the changed or erased fields."""

    item_id: str
    kind: str
    complaint_id: str
    revision: int
    complaint: dict | None = None
    fields: tuple[str, ...] = ()
    erased_at: str | None = None

    def body(self) -> dict:
        out: dict[str, Any] = {
            "item_id": self.item_id,
            "kind": self.kind,
            "complaint_id": self.complaint_id,
            "revision": self.revision,
        }
        if self.kind == "erasure":
            out["erased_fields"] = list(self.fields)
            out["erased_at"] = self.erased_at
        else:
            out["complaint"] = self.complaint
            if self.kind == "correction":
                out["changed_fields"] = list(self.fields)
        return out


@dataclass(frozen=True)
class Batch:
    batch_id: str
    desk_code: str
    items: tuple[Item, ...]
    anchor: Anchor | None = None

    def body(self) -> dict:
        out: dict[str, Any] = {
            "batch_id": self.batch_id,
            "desk_code": self.desk_code,
            "items": [i.body() for i in self.items],
        }
        if self.anchor is not None:
            out["audit_anchor"] = self.anchor.body()
        return out


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str

    @classmethod
    def parse(cls, data: Any) -> FieldError:
        data = data if isinstance(data, dict) else {}
        return cls(str(data.get("field") or ""), str(data.get("code") or ""))


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    complaint_id: str
    result: str
    provincial_id: str | None = None
    errors: tuple[FieldError, ...] = ()

    @classmethod
    def parse(cls, data: dict) -> ItemResult:
        result = str(data.get("result") or "")
        if result not in RESULTS:
            raise ProtocolError("unknown_result")
        return cls(
            str(data["item_id"]),
            str(data.get("complaint_id") or ""),
            result,
            data.get("provincial_id") or None,
            tuple(FieldError.parse(e) for e in data.get("errors") or ()),
        )


@dataclass(frozen=True)
class BatchAnswer:
    batch_id: str
    received_at: str
    results: tuple[ItemResult, ...]

    @classmethod
    def parse(cls, data: dict) -> BatchAnswer:
        try:
            return cls(
                str(data["batch_id"]),
                str(data.get("received_at") or ""),
                tuple(ItemResult.parse(r) for r in data["results"]),
            )
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("bad_answer") from None


@dataclass(frozen=True)
class StatusChange:
    seq: int
    provincial_id: str | None
    complaint_id: str
    status: str
    agency: str | None
    note: str
    changed_at: str

    @classmethod
    def parse(cls, data: dict) -> StatusChange:
        return cls(
            int(data["seq"]),
            data.get("provincial_id"),
            str(data["complaint_id"]),
            str(data["status"]),
            data.get("agency"),
            str(data.get("note") or ""),
            str(data.get("changed_at") or ""),
        )


@dataclass(frozen=True)
class StatusPage:
    changes: tuple[StatusChange, ...]
    next_cursor: int
    more: bool

    @classmethod
    def parse(cls, data: dict) -> StatusPage:
        try:
            return cls(
                tuple(StatusChange.parse(c) for c in data.get("changes") or ()),
                int(data["next_cursor"]),
                bool(data.get("more")),
            )
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("bad_answer") from None


@dataclass(frozen=True)
class ReferenceVersion:
    name: str
    version: str


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    expires_in: int
    desk_code: str


@dataclass(frozen=True)
class Problem:
    """An error answer (§3): status and stable code; field errors by name and code only."""

    status: int
    code: str
    errors: tuple[FieldError, ...] = ()
    retry_after: float | None = None


class SyncError(Exception):
    """A sync stopped: `code` is stable and holds no personal data (never a value sent); the
    services turn it into words. `status` is the HTTP status when there was one."""

    def __init__(self, code: str, status: int | None = None, problem: Problem | None = None):
        super().__init__(code, status)
        self.code = code
        self.status = status
        self.problem = problem


class ProtocolError(SyncError):
    """The server answered something this protocol does not say."""

    def __init__(self, code: str = "bad_answer") -> None:
        super().__init__(code)


class Unreachable(SyncError):
    """No answer: connection refused or dropped, timeout, TLS refused, after the retries."""


class Refused(SyncError):
    """The server answered with an error that is not retried (400/401/403/404/409/413/415/422)
    or a retried one past the attempts."""


class Cancelled(SyncError):
    def __init__(self) -> None:
        super().__init__("cancelled")
